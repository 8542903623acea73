/* io.h - reading texts (JSONL, CSV, TSV, plain text; gzip or not; a file or
 * a folder of them), .npy arrays, JSON string lists, and faiss IndexFlat
 * files. Every failure names the file, and the line or field where known. */
#ifndef TC_IO_H
#define TC_IO_H

#include "textclust.h"
#include "util/util.h"

/* ---------------------------------------------------------------- texts */

enum { TC_FMT_AUTO = 0, TC_FMT_JSONL, TC_FMT_CSV, TC_FMT_TSV, TC_FMT_TEXT };

/* A batch of texts; all strings malloc'd, owned by the set. */
typedef struct tc_textset {
    char **texts;       /* (n) UTF-8, invalid bytes replaced by U+FFFD */
    char **ids;         /* (n) or NULL when the input has no id field; an entry may be NULL */
    size_t n, cap;
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
 *   text:  one text per line, every line kept (empty ones too), a trailing
 *          \r removed.
 * Ids: the id_field value of JSONL (numbers as text) or the id_field
 * column of CSV/TSV. A UTF-8 byte order mark at the start of a file is
 * dropped. The first file is opened here, so a missing path, a .gz that is
 * not gzip or a missing CSV column fails now; max must be > 0 in next. */
int tc_reader_open(const char *path, int format, const char *field, const char *id_field,
                   tc_reader **out);

/* Appends up to max texts to batch (zero-initialised or holding earlier
 * texts). Returns the number appended (0 at the end) or a negative error
 * naming file and line; after an error every call returns it again. */
long tc_reader_next(tc_reader *r, size_t max, tc_textset *batch);

/* Texts whose invalid UTF-8 was repaired so far. */
size_t tc_reader_repaired(const tc_reader *r);

void tc_reader_close(tc_reader *r);

/* Reads everything into out (overwritten): open, next until the end, close.
 * Warns once about repaired UTF-8. No texts at all is an error
 * ("PATH: no texts"). On error out is left empty. */
int tc_read_texts(const char *path, int format, const char *field, const char *id_field,
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

/* ---------------------------------------------------------------- JSON */

/* A JSON array of strings, UTF-8, written as compact JSON. */
int tc_json_save_strings(const char *path, const char *const *s, size_t n);
int tc_json_load_strings(const char *path, char ***s, size_t *n);
void tc_strings_free(char **s, size_t n);

/* ---------------------------------------------------------------- faiss */

/* A faiss IndexFlatL2 file holding x (n, d), readable by faiss.read_index. */
int tc_faiss_save_flat(const char *path, const float *x, size_t n, int d);
/* Reads an IndexFlatL2 / IndexFlatIP / IndexFlat file. */
int tc_faiss_load_flat(const char *path, float **x, size_t *n, int *d);

/* ---------------------------------------------------------------- files */

/* Reads a whole file into a NUL-terminated malloc'd buffer. */
int tc_read_file(const char *path, char **data, size_t *len);


#endif
