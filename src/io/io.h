/* io.h - reading texts (JSONL, CSV, TSV, plain text, Parquet; gzip or not;
 * a file or a folder of them), .npy arrays, JSON string lists, and faiss
 * IndexFlat files; writing Parquet. Every failure names the file, and the
 * line or field where known. */
#ifndef TC_IO_H
#define TC_IO_H

#include "textclust.h"
#include "util/util.h"

/* ---------------------------------------------------------------- texts */

enum { TC_FMT_AUTO = 0, TC_FMT_JSONL, TC_FMT_CSV, TC_FMT_TSV, TC_FMT_TEXT, TC_FMT_PARQUET };

/* A batch of texts; the strings live in blocks owned by the set (valid
 * until tc_textset_free; never free one on its own). */
typedef struct tc_textset {
    char **texts;       /* (n) UTF-8, invalid bytes replaced by U+FFFD */
    char **ids;         /* (n) or NULL when the input has no id field; an entry may be NULL */
    size_t n, cap;
    struct tc_text_block *blocks;
} tc_textset;

void tc_textset_free(tc_textset *t);

typedef struct tc_reader tc_reader;

/* Opens path (a file, or a folder whose supported files are read in name
 * order) for streaming. format TC_FMT_AUTO picks by extension (.jsonl/.json/
 * .ndjson, .csv, .tsv/.tab, anything else = text; a trailing .gz is gzip)
 * and checks the content: any file starting with the gzip magic is
 * decompressed, a .gz file without it is an error. In a folder, AUTO reads
 * only files with those extensions (not hidden ones, not subfolders); a
 * fixed format reads every regular file. field is the text column/key
 * (JSONL, CSV, TSV; ignored for text; NULL = "text"); id_field ("id", or
 * NULL for none) is kept when present.
 *   JSONL: blank lines skipped; numbers and booleans converted to text,
 *          null/objects/arrays are an error naming the line.
 *   CSV:   RFC 4180, header row first; quoted fields may hold commas,
 *          newlines and doubled quotes; blank lines skipped; text after a
 *          closing quote is kept as it is; a row with more fields than the
 *          header, or too few to hold the text column, is an error.
 *   TSV:   the CSV parser with a tab; a field is quoted only when it starts
 *          with a quote.
 *   text:  one text per line, a trailing \r removed; lines that are empty
 *          or only whitespace are skipped (counted in one info line).
 *   An empty text field in JSONL or CSV/TSV is kept as an empty text, as
 *   the reference keeps it.
 *   Parquet (.parquet, or a regular file starting with PAR1): the text
 *          column and the id column (strings, or integers as text) of a
 *          flat schema; rows whose text is null are skipped with one
 *          warning; three row groups' two column chunks are held at a time
 *          (the one read and the two decoded ahead).
 * Content is recognised before reading: gzip by its magic bytes (whatever
 * the name), and a binary format (Parquet, .npy, zip, xz, zstd, bzip2, lz4,
 * 7z, faiss, ELF, PDF, UTF-16, or many NUL bytes in the first 4 KiB after
 * gzip decoding) is an error naming the format. Nothing seeks, so a pipe,
 * FIFO or /dev/stdin reads like a file; a name without a known extension
 * is read as JSONL when its first line is a JSON object, else as text.
 * Repaired, with one warning per file naming the first file:line: NUL
 * characters (raw, or \u0000 in JSON) are dropped and the rest kept; an
 * unpaired \uD800-\uDFFF escape becomes U+FFFD; a text longer than
 * max_text_bytes is cut on a UTF-8 boundary. A line or record longer than
 * max_record_bytes is an error naming its line, and is never held whole.
 * Ids: the id_field value of JSONL (numbers as text) or the id_field
 * column of CSV/TSV. A UTF-8 byte order mark at the start of a file is
 * dropped. The first file is opened here, so a missing path, a .gz that is
 * not gzip or a missing CSV column fails now; max must be > 0 in next. */
int tc_reader_open(const char *path, int format, const char *field, const char *id_field,
                   tc_reader **out);

/* Size limits of a reader. */
typedef struct tc_reader_opts {
    size_t max_text_bytes;   /* longer texts are cut; 0 = TC_MAX_TEXT_BYTES_DEFAULT */
    size_t max_record_bytes; /* longer lines/records are an error; 0 = 16 x max_text_bytes */
    int num_shards;          /* read one of this many parts of the input; 0 or 1 = all */
    int shard_index;         /* the part read, 0 to num_shards - 1 (see below) */
    int skip_bad;            /* 1: a malformed record is warned about and skipped (counted
                              * by tc_reader_skipped); 0: it is an error */
} tc_reader_opts;

/* Parts (num_shards = N, shard_index = I), the same for every process
 * that opens the same input, so that the N parts read in order are the
 * whole input read at once:
 *   one text file (JSONL, CSV, TSV, text; plain or gzip): the records
 *     whose first line starts in decoded bytes [S*I/N, S*(I+1)/N) of the
 *     file's S decoded bytes (CSV/TSV: whose parse starts there, the
 *     previous record's end, as a quoted field may hold newlines). Bytes
 *     before the part are read (lines split, CSV parsed, nothing else);
 *     gzip takes one more decoding pass to learn S;
 *   one Parquet file: the row groups whose first row is in
 *     [R*I/N, R*(I+1)/N) of its R rows;
 *   a folder: the files whose first byte, counting the sizes of the files
 *     before them in name order, is in [S*I/N, S*(I+1)/N) of the total S.
 * A part may be empty. Memory readers ignore parts. */

/* max_text_bytes when none is given (1 MiB), and the largest accepted:
 * opening fails (TC_EINVAL) above it. */
#define TC_MAX_TEXT_BYTES_DEFAULT (1l << 20)
#define TC_MAX_TEXT_BYTES_LIMIT (1l << 28)

tc_reader_opts tc_reader_default_opts(void); /* zeros: the defaults above */

/* tc_reader_open with explicit limits (opts NULL = defaults). */
int tc_reader_open_opts(const char *path, int format, const char *field, const char *id_field,
                        const tc_reader_opts *opts, tc_reader **out);

/* A reader over the n files at paths, read in that order (copied; each
 * file's format found as for one file). For a split of a hub dataset,
 * whose snapshot folder may hold other splits. n must be > 0. */
int tc_reader_open_files(const char *const *paths, size_t n, int format, const char *field,
                         const char *id_field, const tc_reader_opts *opts, tc_reader **out);

/* A reader over len bytes at data (borrowed until close; one file named
 * name in messages, whose extension picks the format under TC_FMT_AUTO).
 * For fuzzing and for callers that hold the bytes already. */
int tc_reader_open_mem(const char *name, const void *data, size_t len, int format,
                       const char *field, const char *id_field, const tc_reader_opts *opts,
                       tc_reader **out);

/* Appends up to max texts to batch (zero-initialised or holding earlier
 * texts). Returns the number appended (0 at the end) or a negative error
 * naming file and line; after an error every call returns it again. */
long tc_reader_next(tc_reader *r, size_t max, tc_textset *batch);

/* Texts whose invalid UTF-8 was repaired so far. */
size_t tc_reader_repaired(const tc_reader *r);

/* Malformed records skipped so far (skip_bad): bad JSON, text after the
 * value, not an object, no text field, a text field of another type, a
 * CSV row of the wrong width. Other errors (I/O, gzip, Parquet, a line
 * over the record limit, an unclosed quote) always stop. */
size_t tc_reader_skipped(const tc_reader *r);

/* Files in the reader's list (of its part, for a folder). */
size_t tc_reader_n_files(const tc_reader *r);

/* Where a reader stands, between two tc_reader_next calls: the file (an
 * index in the reader's list; n_files at the end), how far into it
 * (decoded bytes for the text formats, rows for Parquet) and its lines
 * read (row count for Parquet), for messages. */
typedef struct tc_reader_pos {
    unsigned long long file, offset, line;
} tc_reader_pos;

void tc_reader_tell(const tc_reader *r, tc_reader_pos *pos);

/* Moves a reader, opened with the same path, format and options, to a
 * position that tc_reader_tell gave. Cost: a plain file seeks; gzip
 * decodes and drops the bytes before the position; Parquet skips to its
 * row group; a folder opens the file. */
int tc_reader_seek(tc_reader *r, const tc_reader_pos *pos);

void tc_reader_close(tc_reader *r);

/* Reads everything into out (overwritten): open, next until the end, close.
 * Warns once about repaired UTF-8. No texts at all is an error
 * ("PATH: no texts"). On error out is left empty. */
int tc_read_texts(const char *path, int format, const char *field, const char *id_field,
                  const tc_reader_opts *opts, tc_textset *out);
/* The same over the n files at paths (tc_reader_open_files); name stands
 * for them in messages. */
int tc_read_texts_files(const char *const *paths, size_t n, const char *name, int format,
                        const char *field, const char *id_field, const tc_reader_opts *opts,
                        tc_textset *out);

/* ---------------------------------------------------------------- .npy */

/* NumPy .npy v1.0, little-endian, C order. cols == 0 writes a 1-D array. */
int tc_npy_save_f32(const char *path, const float *x, size_t rows, size_t cols);
int tc_npy_save_i64(const char *path, const int64_t *x, size_t n);

/* Loads a 2-D float array (float32; float64 converted) into *x (malloc'd).
 * A 1-D array gives cols = 1. */
int tc_npy_load_f32(const char *path, float **x, size_t *rows, size_t *cols);
/* Loads a 1-D integer array (int64; int32 converted). */
int tc_npy_load_i64(const char *path, int64_t **x, size_t *n);

/* Streaming writer of a 2-D float32 array whose row count is known only at
 * the end (bounded memory for inference). */
typedef struct tc_npy_writer tc_npy_writer;
int tc_npy_writer_open(const char *path, size_t cols, tc_npy_writer **out);
int tc_npy_writer_append(tc_npy_writer *w, const float *x, size_t rows);
int tc_npy_writer_close(tc_npy_writer *w);  /* fixes the header, renames into place; frees w */
void tc_npy_writer_abort(tc_npy_writer *w); /* drops what was written; frees w */

/* A writer that survives a kill: it writes part itself (no temporary),
 * which holds the rows appended so far behind a header that says 0 rows.
 * keep_rows 0 creates (or empties) part; else part must be such a file
 * of cols columns with keep_rows rows at least, and is cut to them.
 * close writes the row count, fsyncs and renames part to path. */
int tc_npy_writer_resume(const char *part, const char *path, size_t cols, size_t keep_rows,
                         tc_npy_writer **out);
int tc_npy_writer_sync(tc_npy_writer *w);        /* the rows appended are on disk */
size_t tc_npy_writer_rows(const tc_npy_writer *w);
void tc_npy_writer_leave(tc_npy_writer *w);      /* closes, keeps part as it is; frees w */

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
