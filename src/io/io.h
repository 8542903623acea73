/* io.h - reading texts (JSONL, CSV, TSV, plain text, Parquet; gzip or not;
 * a file or a folder of them), .npy arrays, JSON string lists, and faiss
 * IndexFlat files; writing Parquet. Every failure names the file, and the
 * line or field where known. */
#ifndef TC_IO_H
#define TC_IO_H

#include "textclust.h"
#include "util/util.h"

/* Reading texts (tc_reader), .npy arrays, the Parquet writer and whole-file
 * reads and atomic writes are public: include/textclust.h. */

/* ---------------------------------------------------------------- .npy */

/* tc_npy_save_f32 / _i64, adding the array's bytes to m (NULL: none) as
 * they are written (tc_atomic_put). */
int tc_npy_save_f32_meter(const char *path, const float *x, size_t rows, size_t cols, tc_meter *m);
int tc_npy_save_i64_meter(const char *path, const int64_t *x, size_t n, tc_meter *m);
/* tc_npy_load_f32 / _i64, adding the data bytes read to m, a tick every
 * tc_write_chunk bytes (TC_ECANCELED once m is stopped, nothing returned). */
int tc_npy_load_f32_meter(const char *path, float **x, size_t *rows, size_t *cols, tc_meter *m);
int tc_npy_load_i64_meter(const char *path, int64_t **x, size_t *n, tc_meter *m);

/* ---------------------------------------------------------------- JSON */

/* A JSON array of strings, written byte for byte as Python's
 * json.dump(list, f) writes it by default: ASCII only (\uXXXX escapes,
 * surrogate pairs above U+FFFF, DEL escaped too), separators ", ". Invalid
 * UTF-8 is written as U+FFFD. */
int tc_json_save_strings(const char *path, const char *const *s, size_t n);
/* The same, adding each string's bytes to m (NULL: none) and ticking every
 * 1,024 strings: TC_ECANCELED once m is stopped, nothing written. */
int tc_json_save_strings_meter(const char *path, const char *const *s, size_t n, tc_meter *m);
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
/* The same, adding the bytes parsed to m and ticking every 1,024 strings
 * (TC_ECANCELED once m is stopped, nothing returned). */
int tc_json_load_strings_meter(const char *path, size_t max_n, char ***s, size_t *n, tc_meter *m);
/* Rewrites the JSON text s[0..len) in place so that cJSON keeps every
 * string whole: \u0000 escapes are removed, unpaired \uD800-\uDFFF escapes
 * become \ufffd. Returns the new length (s NUL-terminated there when it
 * shrank) and adds the counts to *n_nul and *n_surrogates. */
size_t tc_json_fix_escapes(char *s, size_t len, size_t *n_nul, size_t *n_surrogates);
void tc_strings_free(char **s, size_t n);

/* ---------------------------------------------------------------- faiss */

/* A faiss IndexFlatL2 file holding x (n, d), readable by faiss.read_index. */
int tc_faiss_save_flat(const char *path, const float *x, size_t n, int d);
/* The same, adding the floats' bytes to m as they are written
 * (tc_atomic_put). */
int tc_faiss_save_flat_meter(const char *path, const float *x, size_t n, int d, tc_meter *m);
/* Reads an IndexFlatL2 / IndexFlatIP / IndexFlat file. */
int tc_faiss_load_flat(const char *path, float **x, size_t *n, int *d);

/* The Parquet writer's high-water mark (tests/test_parquet_write.c checks
 * the memory bound of tc_parquet_writer_open with it). */
size_t tc_parquet_writer_peak_bytes(const tc_parquet_writer *w);

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

/* tc_read_file and tc_read_regular_file are public: include/textclust.h.
 * tc_fopen_regular opens a file as tc_read_regular_file would read it
 * (FIFOs, devices and directories refused) for fread; hint (may be NULL)
 * ends the message. */
int tc_fopen_regular(const char *path, const char *hint, FILE **f);


#endif
