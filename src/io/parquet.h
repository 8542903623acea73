/* parquet.h - the Parquet text-column reader behind tc_reader (private to
 * src/io/). The caller reads one row group's text and id column chunks
 * while two threads of the reader decode the next two (files read from
 * disk); nothing else of the file is read. */
#ifndef TC_IO_PARQUET_H
#define TC_IO_PARQUET_H

#include <stddef.h>

typedef struct tc_parquet tc_parquet;

/* Opens path (a regular file; read with pread) or, when mem is not NULL,
 * the len bytes at mem (borrowed until close; path names it in messages).
 * field is the text column, id_field (may be NULL) the id column, kept
 * when the file has it. The footer and schema are checked here. */
int tc_parquet_open(const char *path, const void *mem, size_t len, const char *field,
                    const char *id_field, tc_parquet **out);

/* The next row whose text is not null: 1 with text, tlen, id and ilen set
 * (id NULL when there is no id or it is null), valid until the next call;
 * 0 at the end; < 0 an error naming file, row group and column. */
int tc_parquet_next(tc_parquet *p, const char **text, size_t *tlen, const char **id,
                    size_t *ilen);

/* Rows of the file as its footer counts them (null texts included). */
size_t tc_parquet_rows(const tc_parquet *p);

/* Rows skipped so far because their text was null. */
size_t tc_parquet_nulls(const tc_parquet *p);

/* Row groups (of those not cut off by tc_parquet_limit) and their rows. */
size_t tc_parquet_n_groups(const tc_parquet *p);
unsigned long long tc_parquet_group_rows(const tc_parquet *p, size_t g);

/* Reads only row groups [g0, g1) from now on (call before reading). */
void tc_parquet_limit(tc_parquet *p, size_t g0, size_t g1);

/* Rows passed so far, null texts included, counted from the file's first
 * row; seek moves to such a row (ahead, inside the groups read). */
unsigned long long tc_parquet_tell(const tc_parquet *p);
int tc_parquet_seek(tc_parquet *p, unsigned long long row);

void tc_parquet_close(tc_parquet *p);

/* Snappy raw block decoding (snappy.c): exactly out_len bytes of in[0..n)
 * into out, 0; < 0 when the block is corrupt or not out_len long (out then
 * holds anything). */
int tc_snappy_decode(const unsigned char *in, size_t n, unsigned char *out, size_t out_len);

/* Threads that decode row groups ahead of the caller in readers opened
 * from now on, 0 (everything in the caller's thread) to 2 (the default);
 * n < 0 only asks. Returns the previous value. For the benchmark, which
 * compares thread for thread. */
int tc_parquet_default_workers(int n);


#endif
