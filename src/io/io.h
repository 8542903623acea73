/* io.h - reading texts (JSONL, CSV, TSV, plain text, Parquet; gzip or not;
 * a file or a folder of them), .npy arrays, JSON string lists, and faiss
 * IndexFlat files; writing Parquet. Every failure names the file, and the
 * line or field where known. */
#ifndef TC_IO_H
#define TC_IO_H

#include "textclust.h"
#include "util/util.h"

/* Reading texts (tc_reader) and .npy arrays are public: include/textclust.h. */

/* ---------------------------------------------------------------- JSON */

/* A JSON array of strings, written byte for byte as Python's
 * json.dump(list, f) writes it by default: ASCII only (\uXXXX escapes,
 * surrogate pairs above U+FFFF, DEL escaped too), separators ", ". Invalid
 * UTF-8 is written as U+FFFD. */
int tc_json_save_strings(const char *path, const char *const *s, size_t n);
/* A JSON object of n string keys and values, as json.dump(dict, f)
 * writes it (separators ", " and ": "), in the given order. */
int tc_json_save_map(const char *path, const char *const *keys, const char *const *values,
                     size_t n);
/* Reads a JSON array of strings: raw UTF-8 or \u escapes alike; \u0000 is
 * dropped and an unpaired surrogate escape read as U+FFFD. */
int tc_json_load_strings(const char *path, char ***s, size_t *n);
/* The same, refused (TC_EMISMATCH, *n = the count) before parsing when the
 * array holds more than max_n items. */
int tc_json_load_strings_max(const char *path, size_t max_n, char ***s, size_t *n);
/* Rewrites the JSON text s[0..len) in place so that cJSON keeps every
 * string whole: \u0000 escapes are removed, unpaired \uD800-\uDFFF escapes
 * become \ufffd. Returns the new length (s NUL-terminated there when it
 * shrank) and adds the counts to *n_nul and *n_surrogates. */
size_t tc_json_fix_escapes(char *s, size_t len, size_t *n_nul, size_t *n_surrogates);
void tc_strings_free(char **s, size_t n);

/* ---------------------------------------------------------------- faiss */

/* A faiss IndexFlatL2 file holding x (n, d), readable by faiss.read_index. */
int tc_faiss_save_flat(const char *path, const float *x, size_t n, int d);
/* Reads an IndexFlatL2 / IndexFlatIP / IndexFlat file. */
int tc_faiss_load_flat(const char *path, float **x, size_t *n, int *d);

/* ---------------------------------------------------------------- Parquet out */

/* A streaming Parquet writer (parquet_write.c): data pages v1, PLAIN
 * values, one codec for the file. Lists are the three-level form pyarrow
 * writes, <name> (LIST) { repeated group list { optional <type> element } },
 * which DuckDB reads as VARCHAR[] / DOUBLE[] and pandas as lists. Strings
 * are BYTE_ARRAY annotated UTF8/STRING (written as given: pass UTF-8). */
enum { TC_PQ_INT64, TC_PQ_FLOAT, TC_PQ_DOUBLE, TC_PQ_STRING, TC_PQ_LIST_STRING, TC_PQ_LIST_DOUBLE };
enum { TC_PQ_ZSTD = 0, TC_PQ_SNAPPY, TC_PQ_UNCOMPRESSED };

typedef struct tc_parquet_column {
    const char *name;   /* copied at open */
    int type;           /* TC_PQ_* */
    int optional;       /* 1 = the value (a list column: the whole list) may be null */
} tc_parquet_column;

typedef struct tc_parquet_writer_opts {
    int codec;              /* TC_PQ_ZSTD (default), TC_PQ_SNAPPY or TC_PQ_UNCOMPRESSED */
    int zstd_level;         /* 0 = 3 */
    size_t row_group_bytes; /* a row group is written once it buffers this much; 0 = 64 MiB */
    size_t row_group_rows;  /* ... or this many rows; 0 = 1M */
    size_t page_bytes;      /* a page is cut at a row start past this; 0 = 1 MiB */
} tc_parquet_writer_opts;

tc_parquet_writer_opts tc_parquet_writer_default_opts(void);

typedef struct tc_parquet_writer tc_parquet_writer;

/* Starts path (through tc_atomic: a temporary, renamed at close). opts
 * NULL = defaults. Memory: about one row group (row_group_bytes, values
 * compressed page by page) plus one page per column; a single row larger
 * than a row group (a list of millions of texts) streams its pages to the
 * file and ends its row group, so it needs no more than that either. */
int tc_parquet_writer_open(const char *path, const tc_parquet_column *cols, size_t n_cols,
                           const tc_parquet_writer_opts *opts, tc_parquet_writer **out);

/* One row: one value per column in schema order, then row_end. A list
 * column takes list_begin, any number of int64/double/string/null calls
 * for its elements (null: a null element), then list_end (none between:
 * an empty list); null outside a list is a null value (optional columns
 * only). string with s NULL is null. A call that does not fit the column
 * fails (TC_EINVAL); after any error every call returns it again. */
int tc_parquet_writer_int64(tc_parquet_writer *w, int64_t v);
int tc_parquet_writer_float(tc_parquet_writer *w, float v);
int tc_parquet_writer_double(tc_parquet_writer *w, double v);
int tc_parquet_writer_string(tc_parquet_writer *w, const char *s, size_t len);
int tc_parquet_writer_null(tc_parquet_writer *w);
int tc_parquet_writer_list_begin(tc_parquet_writer *w);
int tc_parquet_writer_list_end(tc_parquet_writer *w);
int tc_parquet_writer_row_end(tc_parquet_writer *w);

/* The most bytes the writer held at once so far (the bound above, tested). */
size_t tc_parquet_writer_peak_bytes(const tc_parquet_writer *w);

/* Writes the last row group and the footer and renames the file into
 * place; frees w (also on error, when the temporary is removed). */
int tc_parquet_writer_close(tc_parquet_writer *w);
/* Drops the file; frees w. NULL is a no-op. */
void tc_parquet_writer_abort(tc_parquet_writer *w);

/* ---------------------------------------------------------------- the reference's text formats */

/* Python's textwrap.fill(text[:max_chars], width) with its defaults
 * (tabs expanded to 8 columns, whitespace to spaces, chunks split on
 * spaces and hyphens as its wordsep_re does, long words broken, lines
 * stripped of whitespace chunks at their ends): the reference's
 * content_display with max_chars 1024, width 64. Characters are code
 * points; invalid UTF-8 reads as U+FFFD. Returns a malloc'd NUL-terminated
 * string (NULL when out of memory). */
char *tc_textwrap_fill(const char *text, size_t len, size_t max_chars, size_t width);

/* A single_topic summary ("<topic>. Educational score: <score>") split as
 * the reference's extract_res does: *category = summary.split(". Educational")[0].strip(),
 * *score = summary.split(" Educational score: ")[1].strip(). Where the
 * reference crashes (no score marker) *score is NULL; summary NULL gives
 * both NULL. Both malloc'd; 0, or -1 when out of memory. */
int tc_summary_split(const char *summary, char **category, char **score);

/* ---------------------------------------------------------------- files */

/* Reads a whole file into a NUL-terminated malloc'd buffer. */
int tc_read_file(const char *path, char **data, size_t *len);

/* The same for files of a save folder, which may come from anyone: a FIFO,
 * device or directory is refused (TC_EFORMAT) instead of blocking or
 * reading without end. tc_fopen_regular opens such a file for fread; hint
 * (may be NULL) ends the message. */
int tc_read_regular_file(const char *path, char **data, size_t *len);
int tc_fopen_regular(const char *path, const char *hint, FILE **f);


#endif
