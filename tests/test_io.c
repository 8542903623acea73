/* test_io.c - tests of src/io: every text reader on the fixtures in
 * tests/data/io/ (JSONL, CSV, TSV, text, gzip, a folder), each bad input
 * with its exact message, streaming against a naive whole-file reader,
 * UTF-8 validation against a naive decoder, .npy / JSON / faiss round trips.
 *
 * With a mode argument it is the C side of tests/io_interop_test.py, which
 * checks our files against numpy, json and faiss (see usage() below). */
#include "check.h"
#include "io/io.h"
#include "util/util.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define D "tests/data/io/"

static char tmpdir[64];

static const char *tmp(const char *name) {
    static char path[8][256];
    static int k;
    k = (k + 1) % 8;
    snprintf(path[k], sizeof path[k], "%s/%s", tmpdir, name);
    return path[k];
}

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (f) fwrite(data, 1, n, f), fclose(f);
}

static void write_str(const char *path, const char *s) { write_bytes(path, s, strlen(s)); }

/* Reading path must fail with code and exactly the message msg. */
static void check_fails(const char *path, int fmt, const char *field, int code, const char *msg) {
    tc_textset t;
    int rc = tc_read_texts(path, fmt, field, "id", NULL, &t);
    CHECK_MSG(rc == code, "%s: returned %d, expected %d (%s)", path, rc, code, tc_last_error());
    CHECK_STR(tc_last_error(), msg);
    CHECK(t.n == 0 && t.texts == NULL);
}

/* Reads path and checks the texts and ids (ids NULL: no ids expected). */
static void check_texts(const char *path, int fmt, const char *field, const char *const *texts,
                        const char *const *ids, size_t n) {
    tc_textset t;
    int rc = tc_read_texts(path, fmt, field, "id", NULL, &t);
    CHECK_MSG(rc == 0, "%s: %s", path, tc_last_error());
    if (rc) return;
    CHECK_MSG(t.n == n, "%s: %zu texts, expected %zu", path, t.n, n);
    for (size_t i = 0; i < n && i < t.n; i++) {
        CHECK_STR(t.texts[i], texts[i]);
        if (ids && ids[i]) CHECK(t.ids && t.ids[i] && strcmp(t.ids[i], ids[i]) == 0);
        else CHECK(!t.ids || !t.ids[i]);
    }
    tc_textset_free(&t);
}

/* ---------------------------------------------------------------- readers */

static const char *jsonl_texts[] = {"plain text", "caf\xc3\xa9 \"quoted\" na\xc3\xafve", "", "12",
                                    "line\nbreak\ttab \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac"};
static const char *jsonl_ids[] = {"a1", "7", "2.5", "a4", "a5"};

static void test_jsonl(void) {
    check_texts(D "good.jsonl", TC_FMT_AUTO, "text", jsonl_texts, jsonl_ids, 5);
    check_texts(D "good.jsonl.gz", TC_FMT_AUTO, "text", jsonl_texts, jsonl_ids, 5);
    check_texts(D "gzipped-content.jsonl", TC_FMT_AUTO, "text", jsonl_texts, jsonl_ids, 5);
    check_texts(D "good.jsonl", TC_FMT_JSONL, "text", jsonl_texts, jsonl_ids, 5);
    /* another field as the text, no id field asked for */
    tc_textset t;
    CHECK_OK(tc_read_texts(D "good.jsonl", TC_FMT_AUTO, "id", NULL, NULL, &t));
    CHECK(t.n == 5 && t.ids == NULL);
    if (t.n == 5) CHECK_STR(t.texts[2], "2.5");
    tc_textset_free(&t);
    /* integers past 2^53 as written, not as their nearest double */
    write_str(tmp("big.jsonl"),
              "{\"text\": \"a\", \"id\": 1234567890123456789}\n"
              "{\"id\": -9007199254740993, \"text\": 9007199254740993}\n"
              "{\"text\": \"c\", \"n\": [1.5e3, \"x 12345678901234567890\"], \"id\": 12345678901234567890}\n"
              "{\"text\": \"d\", \"id\": 1e300}\n");
    const char *big_texts[] = {"a", "9007199254740993", "c", "d"};
    const char *big_ids[] = {"1234567890123456789", "-9007199254740993", "12345678901234567890", "1e+300"};
    check_texts(tmp("big.jsonl"), TC_FMT_JSONL, "text", big_texts, big_ids, 4);
    /* the same file as plain text: every line but the blank ones ("" and "   ") */
    CHECK_OK(tc_read_texts(D "good.jsonl", TC_FMT_TEXT, NULL, NULL, NULL, &t));
    CHECK(t.n == 5);
    for (size_t i = 0; i < t.n; i++) CHECK(t.texts[i][0] == '{');
    tc_textset_free(&t);
}

static void test_csv_tsv_text(void) {
    const char *csv[] = {"plain text", "comma, inside", "two\nlines", "say \"hi\"", "", "trailing"};
    const char *csv_ids[] = {"a1", "a2", "a3", "a4", "a5", "a6"};
    check_texts(D "good.csv", TC_FMT_AUTO, "text", csv, csv_ids, 6);
    check_texts(D "good.csv.gz", TC_FMT_AUTO, "text", csv, csv_ids, 6);
    /* a6 has no label field: too few fields for the column asked for */
    check_fails(D "good.csv", TC_FMT_CSV, "label", TC_EFORMAT, D "good.csv:9: 2 fields, the header has 3");
    const char *bom[] = {"bom header"}, *bom_ids[] = {"b1"};
    check_texts(D "bom.csv", TC_FMT_AUTO, "text", bom, bom_ids, 1);

    const char *tsv[] = {"plain text", "quoted\ttab", "mid\"quote", ""};
    const char *tsv_ids[] = {"a1", "a2", "a3", "a4"};
    check_texts(D "good.tsv", TC_FMT_AUTO, "text", tsv, tsv_ids, 4);
    check_texts(D "good.tsv.gz", TC_FMT_AUTO, "text", tsv, tsv_ids, 4);

    const char *txt[] = {"first line", "second line", "fourth after an empty one",
                         "last without newline"};
    check_texts(D "good.txt", TC_FMT_AUTO, "ignored", txt, NULL, 4);
    check_texts(D "good.txt.gz", TC_FMT_AUTO, NULL, txt, NULL, 4);
}

static void test_folder_and_batches(void) {
    const char *texts[] = {"from a.jsonl", "second of a", "from b.csv", "from c.txt.gz"};
    const char *ids[] = {"f1", "f2", "f3", NULL};
    check_texts(D "folder", TC_FMT_AUTO, "text", texts, ids, 4);
    check_texts(D "folder/", TC_FMT_AUTO, "text", texts, ids, 4);

    /* streaming in batches of 2 gives the same texts, in order */
    tc_reader *r;
    CHECK_OK(tc_reader_open(D "good.jsonl.gz", TC_FMT_AUTO, "text", "id", &r));
    if (!r) return;
    long got[4];
    tc_textset b = {0};
    size_t k = 0;
    for (int i = 0; i < 4; i++) {
        got[i] = tc_reader_next(r, 2, &b);
        for (; k < b.n; k++) CHECK_STR(b.texts[k], jsonl_texts[k]);
    }
    CHECK(got[0] == 2 && got[1] == 2 && got[2] == 1 && got[3] == 0);
    CHECK(tc_reader_repaired(r) == 0);
    tc_reader_close(r);
    tc_textset_free(&b);
}

static int n_warnings;
static char last_warning[512];

static void capture_log(void *ctx, int level, const char *msg) {
    (void)ctx;
    if (level == TC_LOG_WARN) n_warnings++, snprintf(last_warning, sizeof last_warning, "%s", msg);
}

static void test_bad_inputs(void) {
    check_fails(D "bad/malformed.jsonl", TC_FMT_AUTO, "text", TC_EFORMAT,
                D "bad/malformed.jsonl:3: malformed JSON at column 19");
    check_fails(D "bad/missing_field.jsonl", TC_FMT_AUTO, "text", TC_ENOTFOUND,
                D "bad/missing_field.jsonl:4: no field \"text\"; fields: id, body, label");
    check_fails(D "good.jsonl", TC_FMT_AUTO, "content", TC_ENOTFOUND,
                D "good.jsonl:1: no field \"content\"; fields: id, text, label");
    check_fails(D "bad/object_field.jsonl", TC_FMT_AUTO, "text", TC_EFORMAT,
                D "bad/object_field.jsonl:2: field \"text\" is an object, expected a string");
    check_fails(D "bad/unterminated.csv", TC_FMT_AUTO, "text", TC_EFORMAT,
                D "bad/unterminated.csv:4: unterminated quoted field (no closing quote before "
                  "the end of the file)");
    check_fails(D "bad/too_many_fields.csv", TC_FMT_AUTO, "text", TC_EFORMAT,
                D "bad/too_many_fields.csv:3: 3 fields, the header has 2");
    check_fails(D "good.csv", TC_FMT_AUTO, "content", TC_ENOTFOUND,
                D "good.csv:1: no column \"content\"; columns: id, text, label");
    check_fails(D "bad/empty.jsonl", TC_FMT_AUTO, "text", TC_EFORMAT, D "bad/empty.jsonl: no texts");
    check_fails(D "bad/blank.jsonl", TC_FMT_AUTO, "text", TC_EFORMAT, D "bad/blank.jsonl: no texts");
    check_fails(D "no/such/file.jsonl", TC_FMT_AUTO, "text", TC_ENOTFOUND,
                D "no/such/file.jsonl: No such file or directory");
    check_fails(D "good.txt/x.jsonl", TC_FMT_AUTO, "text", TC_EIO, D "good.txt/x.jsonl: Not a directory");
    check_fails(D "bad/not_gzip.jsonl.gz", TC_FMT_AUTO, "text", TC_EFORMAT,
                D "bad/not_gzip.jsonl.gz: named .gz but not gzip-compressed (no 1f 8b magic); "
                  "rename it without .gz if it is plain text");
    check_fails(D "bad/truncated.jsonl.gz", TC_FMT_AUTO, "text", TC_EFORMAT,
                D "bad/truncated.jsonl.gz: gzip: unexpected end of file");
    /* a folder: blank.jsonl, empty.jsonl, invalid_utf8.txt, then malformed.jsonl fails */
    check_fails(D "bad", TC_FMT_AUTO, "text", TC_EFORMAT,
                D "bad/malformed.jsonl:3: malformed JSON at column 19");

    /* invalid UTF-8: each bad byte becomes U+FFFD, texts counted */
    tc_reader *r;
    CHECK_OK(tc_reader_open(D "bad/invalid_utf8.txt", TC_FMT_AUTO, NULL, NULL, &r));
    if (!r) return;
    tc_textset t = {0};
    CHECK(tc_reader_next(r, 100, &t) == 5);
    CHECK(tc_reader_repaired(r) == 3);
    tc_reader_close(r);
    if (t.n == 5) {
        CHECK_STR(t.texts[0], "good line");
        CHECK_STR(t.texts[1], "bad \xef\xbf\xbd byte");
        CHECK_STR(t.texts[2], "truncated \xef\xbf\xbd\xef\xbf\xbd sequence");
        CHECK_STR(t.texts[3], "surrogate \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd here");
        CHECK_STR(t.texts[4], "fine \xc3\xa9");
    }
    tc_textset_free(&t);

    /* tc_read_texts warns once, with the count */
    tc_set_logger(capture_log, NULL);
    CHECK_OK(tc_read_texts(D "bad/invalid_utf8.txt", TC_FMT_AUTO, NULL, NULL, NULL, &t));
    tc_set_logger(NULL, NULL);
    CHECK(t.n == 5 && n_warnings == 1);
    CHECK_STR(last_warning, D "bad/invalid_utf8.txt: 3 texts had invalid UTF-8; each bad byte was "
                            "replaced by U+FFFD");
    tc_textset_free(&t);

    /* after an error, the reader keeps returning it */
    CHECK_OK(tc_reader_open(D "bad/malformed.jsonl", TC_FMT_AUTO, "text", NULL, &r));
    if (!r) return;
    CHECK(tc_reader_next(r, 100, &t) == TC_EFORMAT);
    CHECK(t.n == 2);
    tc_last_error();
    CHECK(tc_reader_next(r, 100, &t) == TC_EFORMAT);
    CHECK_STR(tc_last_error(), D "bad/malformed.jsonl:3: malformed JSON at column 19");
    tc_reader_close(r);
    tc_textset_free(&t);
}

/* Bad inputs made on the fly: folders without texts, JSON that is not JSONL. */
static void test_more_bad_inputs(void) {
    char want[1024], dir[256], cmd[1024];
    snprintf(dir, sizeof dir, "%s", tmp("emptydir"));
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && echo x > '%s/notes.md'", dir, dir);
    CHECK(system(cmd) == 0);
    snprintf(want, sizeof want, "%s: no files to read (expected .jsonl, .json, .csv, .tsv or .txt, "
             "optionally .gz, or .parquet)", dir);
    check_fails(dir, TC_FMT_AUTO, "text", TC_ENOTFOUND, want);
    /* with a fixed format every file is read */
    const char *notes[] = {"x"};
    check_texts(dir, TC_FMT_TEXT, NULL, notes, NULL, 1);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/e' && : > '%s/e/a.jsonl' && echo 'text' > '%s/e/b.csv'",
             dir, dir, dir);
    CHECK(system(cmd) == 0);
    snprintf(cmd, sizeof cmd, "%s/e", dir);
    snprintf(want, sizeof want, "%s/e: no texts", dir);
    check_fails(cmd, TC_FMT_AUTO, "text", TC_EFORMAT, want);

    const char *arr = tmp("array.json");
    write_str(arr, "[\n  {\"text\": \"a\"}\n]\n");
    snprintf(want, sizeof want, "%s:1: malformed JSON at column 1 (a JSON array file? expected one "
             "JSON object per line)", arr);
    check_fails(arr, TC_FMT_AUTO, "text", TC_EFORMAT, want);
    const char *arr1 = tmp("array1.jsonl");
    write_str(arr1, "{\"text\": \"a\"}\n[1, 2]\n");
    snprintf(want, sizeof want, "%s:2: expected a JSON object, found an array", arr1);
    check_fails(arr1, TC_FMT_AUTO, "text", TC_EFORMAT, want);
    const char *trail = tmp("trail.jsonl");
    write_str(trail, "{\"text\": \"a\"} x\n");
    snprintf(want, sizeof want, "%s:1: unexpected text after the JSON value at column 15", trail);
    check_fails(trail, TC_FMT_AUTO, "text", TC_EFORMAT, want);
    const char *nul = tmp("null.jsonl");
    write_str(nul, "{\"text\": null}\n");
    snprintf(want, sizeof want, "%s:1: field \"text\" is null, expected a string", nul);
    check_fails(nul, TC_FMT_AUTO, "text", TC_EFORMAT, want);

    /* CRLF inside a quoted CSV field is kept; large integers and floats as ids */
    const char *crlf = tmp("crlf.csv");
    write_str(crlf, "id,text\r\n1,\"a\r\nb\"\r\n");
    const char *crlf_texts[] = {"a\r\nb"}, *crlf_ids[] = {"1"};
    check_texts(crlf, TC_FMT_AUTO, "text", crlf_texts, crlf_ids, 1);
    const char *big = tmp("big.jsonl");
    write_str(big, "{\"id\": 123456789012, \"text\": -0.125}\n{\"id\": true, \"text\": 1e300}\n");
    const char *big_texts[] = {"-0.125", "1e+300"}, *big_ids[] = {"123456789012", "true"};
    check_texts(big, TC_FMT_AUTO, "text", big_texts, big_ids, 2);
}

/* Long and short lines across the 1 MiB read chunks, plain and gzip: the
 * streaming reader must agree with a naive whole-file split. */
static void test_lines_against_naive(void) {
    tc_rng rng = tc_rng_seed(7);
    size_t n_lines = 3000, cap = 6u << 20, len = 0;
    char *data = malloc(cap);
    for (size_t i = 0; i < n_lines && len < cap - (3u << 20); i++) {
        size_t l = i % 997 == 5 ? (size_t)tc_rng_below(&rng, 2u << 20) : tc_rng_below(&rng, 300);
        for (size_t j = 0; j < l; j++) data[len++] = (char)('a' + tc_rng_below(&rng, 26));
        data[len++] = '\n';
    }
    const char *plain = tmp("lines.txt"), *gz = tmp("lines.txt.gz");
    write_bytes(plain, data, len);
    gzFile g = gzopen(gz, "wb1");
    gzwrite(g, data, (unsigned)len);
    gzclose(g);
    const char *paths[] = {plain, gz};
    tc_reader_opts big = {.max_text_bytes = 4u << 20}; /* no line is cut */
    for (int p = 0; p < 2; p++) {
        tc_textset t;
        CHECK_OK(tc_read_texts(paths[p], TC_FMT_AUTO, NULL, NULL, &big, &t));
        size_t k = 0, start = 0, bad = 0;
        for (size_t i = 0; i < len; i++) {
            if (data[i] != '\n') continue;
            if (i == start) { /* empty lines are skipped */
                start = i + 1;
                continue;
            }
            if (k >= t.n || strlen(t.texts[k]) != i - start ||
                memcmp(t.texts[k], data + start, i - start) != 0)
                bad++;
            k++, start = i + 1;
        }
        CHECK_MSG(k == t.n && bad == 0, "%s: %zu lines vs %zu, %zu differ", paths[p], t.n, k, bad);
        tc_textset_free(&t);
    }
    free(data);
}

/* ---------------------------------------------------------------- UTF-8 */

/* Naive validator: decode a code point, then check it against the ranges. */
static size_t naive_invalid(const unsigned char *s, size_t n) {
    size_t bad = 0;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i], need, cp;
        if (c == 0) { bad++, i++; continue; }
        if (c < 0x80) { i++; continue; }
        if ((c & 0xE0) == 0xC0) need = 1, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0) need = 2, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0) need = 3, cp = c & 0x07;
        else { bad++, i++; continue; }
        size_t j = 1;
        for (; j <= need && i + j < n && (s[i + j] & 0xC0) == 0x80; j++) cp = cp << 6 | (s[i + j] & 0x3F);
        unsigned min = need == 1 ? 0x80 : need == 2 ? 0x800 : 0x10000;
        if (j != need + 1 || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            bad++, i++;
            continue;
        }
        i += need + 1;
    }
    return bad;
}

static void test_utf8(void) {
    CHECK(tc_utf8_invalid("plain ascii text", 16) == 0);
    CHECK(tc_utf8_invalid("\xc3\xa9\xe2\x9c\x93\xf0\x9f\x98\x80", 9) == 0);
    CHECK(tc_utf8_invalid("\xc0\xaf", 2) == 2);         /* overlong '/' */
    CHECK(tc_utf8_invalid("\xf4\x90\x80\x80", 4) == 4); /* above U+10FFFF */
    CHECK(tc_utf8_invalid("a\0b", 3) == 1);
    char *r = tc_utf8_repair("x\xffy\xe2\x82", 5);
    CHECK_STR(r, "x\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbd");
    free(r);
    /* random mostly-valid strings: fast path vs naive decoder */
    tc_rng rng = tc_rng_seed(3);
    const char *pieces[] = {"abcdefgh", "\xc3\xa9", "\xe2\x9c\x93", "\xf0\x9f\x98\x80", "\xff", "\xc3",
                            "\xed\xa0\x80", "\xe0\x80\x80", "\xf4\x8f\xbf\xbf", "\x80", "", "xyz"};
    int mismatches = 0;
    for (int it = 0; it < 2000; it++) {
        char buf[512];
        size_t n = 0;
        while (n < 400) {
            const char *p = pieces[tc_rng_below(&rng, 12)];
            memcpy(buf + n, p, strlen(p) + 1);
            n += strlen(p);
        }
        if (tc_utf8_invalid(buf, n) != naive_invalid((unsigned char *)buf, n)) mismatches++;
        char *fixed = tc_utf8_repair(buf, n);
        if (!fixed || tc_utf8_invalid(fixed, strlen(fixed)) != 0) mismatches++;
        free(fixed);
    }
    CHECK(mismatches == 0);
}

/* ---------------------------------------------------------------- .npy */

static void write_npy_raw(const char *path, int major, const char *dict, const void *data, size_t n) {
    char head[256];
    size_t dl = strlen(dict), pre = major == 1 ? 10 : 12;
    size_t hlen = dl + 1, pad = (64 - (pre + hlen) % 64) % 64;
    memcpy(head, "\x93NUMPY", 6);
    head[6] = (char)major, head[7] = 0;
    uint32_t h = (uint32_t)(hlen + pad);
    memcpy(head + 8, &h, major == 1 ? 2 : 4);
    memcpy(head + pre, dict, dl);
    memset(head + pre + dl, ' ', pad);
    head[pre + hlen + pad - 1] = '\n';
    FILE *f = fopen(path, "wb");
    fwrite(head, 1, pre + hlen + pad, f);
    fwrite(data, 1, n, f);
    fclose(f);
}

static void test_npy(void) {
    float x[12]; /* (3, 4) */
    for (int i = 0; i < 12; i++) x[i] = (float)(i * 0.37 - 2.0);
    float *y;
    size_t rows, cols;
    CHECK_OK(tc_npy_save_f32(tmp("x.npy"), x, 3, 4));
    CHECK_OK(tc_npy_load_f32(tmp("x.npy"), &y, &rows, &cols));
    CHECK(rows == 3 && cols == 4 && y && memcmp(x, y, sizeof x) == 0);
    free(y);
    CHECK_OK(tc_npy_save_f32(tmp("x1.npy"), x, 12, 0));
    CHECK_OK(tc_npy_load_f32(tmp("x1.npy"), &y, &rows, &cols));
    CHECK(rows == 12 && cols == 1 && y && memcmp(x, y, sizeof x) == 0);
    free(y);
    int64_t l[5] = {-1, 0, 3, INT64_MAX, INT64_MIN}, *m;
    size_t n;
    CHECK_OK(tc_npy_save_i64(tmp("l.npy"), l, 5));
    CHECK_OK(tc_npy_load_i64(tmp("l.npy"), &m, &n));
    CHECK(n == 5 && m && memcmp(l, m, sizeof l) == 0);
    free(m);
    CHECK_OK(tc_npy_save_i64(tmp("empty.npy"), l, 0));
    CHECK_OK(tc_npy_load_i64(tmp("empty.npy"), &m, &n));
    CHECK(n == 0);
    free(m);

    /* the streaming writer makes the same bytes as the one-shot writer */
    tc_npy_writer *w;
    CHECK_OK(tc_npy_writer_open(tmp("s.npy"), 4, &w));
    if (w) {
        CHECK_OK(tc_npy_writer_append(w, x, 1));
        CHECK_OK(tc_npy_writer_append(w, x + 4, 0));
        CHECK_OK(tc_npy_writer_append(w, x + 4, 2));
        CHECK_OK(tc_npy_writer_close(w));
    }
    char *a, *b;
    size_t la, lb;
    CHECK_OK(tc_read_file(tmp("x.npy"), &a, &la));
    CHECK_OK(tc_read_file(tmp("s.npy"), &b, &lb));
    CHECK(a && b && la == 128 + 48 && la == lb && memcmp(a, b, la) == 0);
    CHECK(a && strncmp(a + 10, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 59) == 0);

    /* truncated: 4 bytes short */
    write_bytes(tmp("trunc.npy"), a, la - 4);
    char want[512];
    snprintf(want, sizeof want, "%s: truncated: shape needs 48 data bytes, file has 44", tmp("trunc.npy"));
    CHECK(tc_npy_load_f32(tmp("trunc.npy"), &y, &rows, &cols) == TC_EFORMAT);
    CHECK_STR(tc_last_error(), want);
    CHECK(y == NULL);
    free(a), free(b);

    /* wrong dtypes */
    CHECK(tc_npy_load_f32(tmp("l.npy"), &y, &rows, &cols) == TC_EFORMAT);
    snprintf(want, sizeof want, "%s: dtype '<i8', expected a float array ('<f4' float32 or '<f8' "
             "float64)", tmp("l.npy"));
    CHECK_STR(tc_last_error(), want);
    CHECK(tc_npy_load_i64(tmp("x.npy"), &m, &n) == TC_EFORMAT);
    snprintf(want, sizeof want, "%s: dtype '<f4', expected an integer array ('<i8' int64 or '<i4' "
             "int32)", tmp("x.npy"));
    CHECK_STR(tc_last_error(), want);
    CHECK(tc_npy_load_f32(D "good.txt", &y, &rows, &cols) == TC_EFORMAT);
    CHECK_STR(tc_last_error(), D "good.txt: not a .npy file (no \\x93NUMPY magic)");

    /* float64 and int32 are converted; v2 and v3 headers read */
    double xd[6] = {1.5, -2.25, 1e-3, 3.0e10, 0, -0.0};
    write_npy_raw(tmp("d.npy"), 2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", xd, sizeof xd);
    CHECK_OK(tc_npy_load_f32(tmp("d.npy"), &y, &rows, &cols));
    CHECK(rows == 2 && cols == 3 && y);
    if (y) for (int i = 0; i < 6; i++) CHECK(y[i] == (float)xd[i]);
    free(y);
    int32_t li[4] = {-7, 0, 1 << 30, 5};
    write_npy_raw(tmp("i.npy"), 3, "{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }", li, sizeof li);
    CHECK_OK(tc_npy_load_i64(tmp("i.npy"), &m, &n));
    CHECK(n == 4 && m && m[0] == -7 && m[2] == 1 << 30 && m[3] == 5);
    free(m);
    write_npy_raw(tmp("f.npy"), 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 4), }", x, sizeof x);
    CHECK(tc_npy_load_f32(tmp("f.npy"), &y, &rows, &cols) == TC_EUNSUPPORTED);
    CHECK(strstr(tc_last_error(), "fortran_order True") != NULL);
    write_npy_raw(tmp("be.npy"), 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (3, 4), }", x, sizeof x);
    CHECK(tc_npy_load_f32(tmp("be.npy"), &y, &rows, &cols) == TC_EUNSUPPORTED);
    CHECK(strstr(tc_last_error(), "big-endian dtype '>f4'") != NULL);
    write_npy_raw(tmp("3d.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 4), }", x, sizeof x);
    CHECK(tc_npy_load_f32(tmp("3d.npy"), &y, &rows, &cols) == TC_EUNSUPPORTED);
}

/* ---------------------------------------------------------------- JSON, faiss, files */

static void test_json(void) {
    const char *s[] = {"plain", "", "quote \" backslash \\ slash / </script>",
                       "ctl \x01\x1f\x7f \b\f\n\r\t end", "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe6\x97\xa5",
                       "bad \xff byte"};
    CHECK_OK(tc_json_save_strings(tmp("s.json"), s, 6));
    char *data;
    CHECK_OK(tc_read_file(tmp("s.json"), &data, NULL));
    /* as Python's json.dump writes it: ASCII, DEL escaped, a surrogate pair, ", " */
    CHECK_STR(data, "[\"plain\", \"\", \"quote \\\" backslash \\\\ slash / </script>\", "
                    "\"ctl \\u0001\\u001f\\u007f \\b\\f\\n\\r\\t end\", \"caf\\u00e9 \\ud83d\\ude00 "
                    "\\u65e5\", \"bad \\ufffd byte\"]");
    free(data);
    char **got;
    size_t n;
    CHECK_OK(tc_json_load_strings(tmp("s.json"), &got, &n));
    CHECK(n == 6);
    for (size_t i = 0; i < 5 && i < n; i++) CHECK_STR(got[i], s[i]);
    if (n == 6) CHECK_STR(got[5], "bad \xef\xbf\xbd byte");
    tc_strings_free(got, n);
    CHECK_OK(tc_json_save_strings(tmp("e.json"), s, 0));
    CHECK_OK(tc_json_load_strings(tmp("e.json"), &got, &n));
    CHECK(n == 0);
    tc_strings_free(got, n);

    write_bytes(tmp("bad.json"), "[\"a\",\n\"b\" \"c\"]", 15);
    char want[512];
    CHECK(tc_json_load_strings(tmp("bad.json"), &got, &n) == TC_EFORMAT);
    snprintf(want, sizeof want, "%s:2: malformed JSON (byte 10)", tmp("bad.json"));
    CHECK_STR(tc_last_error(), want);
    write_bytes(tmp("num.json"), "[\"a\", 3]", 8);
    CHECK(tc_json_load_strings(tmp("num.json"), &got, &n) == TC_EFORMAT);
    snprintf(want, sizeof want, "%s: element 1 is not a string", tmp("num.json"));
    CHECK_STR(tc_last_error(), want);
    write_bytes(tmp("obj.json"), "{}", 2);
    CHECK(tc_json_load_strings(tmp("obj.json"), &got, &n) == TC_EFORMAT);

    /* the count before the parse: commas, brackets and escaped quotes
     * inside strings, and nested values, are not items */
    const char *tricky = " [\"a,b\", \"c\\\"],[d\", [1, 2], {\"k\": [3, 4]}]";
    write_bytes(tmp("cnt.json"), tricky, strlen(tricky));
    CHECK(tc_json_load_strings_max(tmp("cnt.json"), 4, &got, &n) == TC_EFORMAT); /* exact: parsed */
    CHECK(tc_json_load_strings_max(tmp("cnt.json"), 3, &got, &n) == TC_EMISMATCH);
    CHECK(n == 4);
    CHECK_OK(tc_json_load_strings_max(tmp("s.json"), 6, &got, &n));
    CHECK(n == 6);
    tc_strings_free(got, n);
    CHECK(tc_json_load_strings_max(tmp("s.json"), 5, &got, &n) == TC_EMISMATCH);
    CHECK_OK(tc_json_load_strings_max(tmp("e.json"), 0, &got, &n));
    tc_strings_free(got, n);
    write_bytes(tmp("obj2.json"), "{\"a\": 1, \"b\": 2}", 16);
    CHECK(tc_json_load_strings_max(tmp("obj2.json"), 1, &got, &n) == TC_EFORMAT);

    /* the one-pass reader: a byte order mark and blanks around are fine; a
     * \u escape without four hex digits, another escape, an unterminated
     * string, a trailing comma and text after the array are errors that
     * say where */
    const char ok[] = "\xef\xbb\xbf \n[ \"a\\/b\" ,\"\\ud83d\\ude00\\ud800x\\u0000y\" ]\n";
    write_bytes(tmp("ok.json"), ok, sizeof ok - 1);
    CHECK_OK(tc_json_load_strings(tmp("ok.json"), &got, &n));
    CHECK(n == 2);
    if (n == 2) { CHECK_STR(got[0], "a/b"); CHECK_STR(got[1], "\xf0\x9f\x98\x80\xef\xbf\xbdxy"); }
    tc_strings_free(got, n);
    static const struct { const char *text, *msg; } bad[] = {
        {"[\"a\", \"\\ud8 x\"]", ":1: malformed JSON (byte 7)"},
        {"[\"a\\q\"]", ":1: malformed JSON (byte 3)"},
        {"[\"a\", \"b", ":1: unterminated string (byte 6)"},
        {"[\"a\\\"]", ":1: unterminated string (byte 1)"},
        {"[\"a\",\n ]", ":2: malformed JSON (byte 7)"},
        {"[\"a\"] [\"b\"]", ":1: text after the array (byte 6)"},
        {"", ":1: malformed JSON (byte 0)"},
        {"[", ":1: malformed JSON (byte 1)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        write_bytes(tmp("b.json"), bad[i].text, strlen(bad[i].text));
        got = (char **)1;
        CHECK_MSG(tc_json_load_strings(tmp("b.json"), &got, &n) == TC_EFORMAT && got == NULL, "%s", bad[i].text);
        snprintf(want, sizeof want, "%s%s", tmp("b.json"), bad[i].msg);
        CHECK_STR(tc_last_error(), want);
    }
}

/* Hostile .npy and faiss headers fail with a message before any allocation
 * (an allocation of their size would fail with TC_ENOMEM instead). */
/* tc_check_finite against isfinite over every position of a NaN, an
 * infinity and the largest finite float, across block edges. */
static void test_check_finite(void) {
    enum { R = 1000, C = 9 };
    float *x = malloc(R * C * sizeof *x);
    for (size_t i = 0; i < R * C; i++) x[i] = (float)i - 4000.5f;
    CHECK_OK(tc_check_finite("x", x, R, C));
    const size_t at[] = {0, 1, 4095, 4096, 4097, 8191, 8999};
    const float bad[] = {NAN, -INFINITY, INFINITY};
    for (size_t a = 0; a < sizeof at / sizeof *at; a++) {
        x[at[a]] = FLT_MAX;
        CHECK_OK(tc_check_finite("x", x, R, C));
        for (size_t b = 0; b < 3; b++) {
            x[at[a]] = bad[b];
            if (at[a] + 1 < R * C) x[R * C - 1] = NAN; /* a later one is not the one named */
            char want[160];
            snprintf(want, sizeof want, "x: row %zu, column %zu (counting from 0) is %s; every value must be a "
                     "finite number", at[a] / C, at[a] % C, b ? "infinite" : "NaN");
            CHECK(tc_check_finite("x", x, R, C) == TC_EFORMAT);
            CHECK_STR(tc_last_error(), want);
            x[R * C - 1] = (float)(R * C - 1) - 4000.5f;
        }
        x[at[a]] = 1;
    }
    free(x);
}

static void test_hostile_headers(void) {
    static const struct { const char *shape, *msg; } npy[] = {
        {"(18446744073709551615, 0)", "shape dimension 18446744073709551615 is absurd (more than 2^40)"},
        {"(9223372036854775808, 2)", "shape dimension 9223372036854775808 is absurd (more than 2^40)"},
        {"(-1, 3)", "malformed shape in .npy header"},
        {"(3, -1)", "malformed shape in .npy header"},
        {"(1099511627776, 4)", "truncated: shape needs 17592186044416 data bytes, file has 8"},
        {"(100000000, 100000000)", "truncated: shape needs 40000000000000000 data bytes, file has 8"},
        {"(1099511627777,)", "shape dimension 1099511627777 is absurd (more than 2^40)"},
    };
    char dict[160], want[512];
    float *y = NULL;
    size_t rows, cols;
    for (size_t i = 0; i < sizeof npy / sizeof *npy; i++) {
        snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", npy[i].shape);
        write_npy_raw(tmp("h.npy"), 1, dict, "12345678", 8);
        int rc = tc_npy_load_f32(tmp("h.npy"), &y, &rows, &cols);
        CHECK_MSG(rc == TC_EFORMAT, "%s: %d %s", npy[i].shape, rc, tc_last_error());
        snprintf(want, sizeof want, "%s: %s", tmp("h.npy"), npy[i].msg);
        CHECK_STR(tc_last_error(), want);
        CHECK(y == NULL);
    }
    CHECK(tc_npy_load_f32("/dev/zero", &y, &rows, &cols) == TC_EFORMAT);
    CHECK_STR(tc_last_error(), "/dev/zero: not a regular file; .npy arrays are read from files");

    /* faiss: d, ntotal and the float count against each other and the file */
    static const struct { int32_t d; int64_t ntotal; uint64_t count; const char *msg; } fx[] = {
        {8, (int64_t)1 << 62, (uint64_t)1 << 62, "inconsistent faiss header (d 8, ntotal "
         "4611686018427387904, 4611686018427387904 floats)"},
        {1 << 30, 1, 1 << 30, "inconsistent faiss header (d 1073741824, ntotal 1, 1073741824 floats)"},
        {8, (int64_t)1 << 40, (uint64_t)1 << 43, "truncated: 1099511627776 vectors of dimension 8 "
         "need 35184372088832 data bytes, file has 4"},
        {8, -1, 0, "inconsistent faiss header (d 8, ntotal -1, 0 floats)"},
    };
    for (size_t i = 0; i < sizeof fx / sizeof *fx; i++) {
        unsigned char h[49] = "IxF2";
        int64_t dummy = 1 << 20;
        int32_t metric = 1;
        memcpy(h + 4, &fx[i].d, 4), memcpy(h + 8, &fx[i].ntotal, 8);
        memcpy(h + 16, &dummy, 8), memcpy(h + 24, &dummy, 8);
        h[32] = 1, memcpy(h + 33, &metric, 4), memcpy(h + 37, &fx[i].count, 8);
        memcpy(h + 45, "abcd", 4);
        write_bytes(tmp("h.index"), h, sizeof h);
        float *x = NULL;
        size_t n;
        int d;
        CHECK(tc_faiss_load_flat(tmp("h.index"), &x, &n, &d) == TC_EFORMAT && x == NULL);
        snprintf(want, sizeof want, "%s: %s", tmp("h.index"), fx[i].msg);
        CHECK_STR(tc_last_error(), want);
    }
}

static void test_faiss_and_files(void) {
    float x[15]; /* (3, 5) */
    for (int i = 0; i < 15; i++) x[i] = (float)(i * i) / 7.0f - 3.0f;
    CHECK_OK(tc_faiss_save_flat(tmp("f.index"), x, 3, 5));
    float *y;
    size_t n;
    int d;
    CHECK_OK(tc_faiss_load_flat(tmp("f.index"), &y, &n, &d));
    CHECK(n == 3 && d == 5 && y && memcmp(x, y, sizeof x) == 0);
    free(y);
    char *data;
    size_t len;
    CHECK_OK(tc_read_file(tmp("f.index"), &data, &len));
    CHECK(len == 45 + sizeof x && data && memcmp(data, "IxF2", 4) == 0);
    write_bytes(tmp("t.index"), data, len - 8);
    CHECK(tc_faiss_load_flat(tmp("t.index"), &y, &n, &d) == TC_EFORMAT);
    char want[512];
    snprintf(want, sizeof want, "%s: truncated: 3 vectors of dimension 5 need 60 data bytes, file "
             "has 52", tmp("t.index"));
    CHECK_STR(tc_last_error(), want);
    memcpy(data, "IHNf", 4);
    write_bytes(tmp("h.index"), data, len);
    CHECK(tc_faiss_load_flat(tmp("h.index"), &y, &n, &d) == TC_EUNSUPPORTED);
    free(data);

    CHECK_OK(tc_read_file(D "good.txt", &data, &len));
    CHECK(len == 71 && data && data[len] == 0 && strncmp(data, "first line\r\n", 12) == 0);
    free(data);
    CHECK(tc_read_file(D "missing", &data, &len) == TC_ENOTFOUND);
    CHECK_STR(tc_last_error(), D "missing: No such file or directory");
    CHECK(tc_read_file(D "folder", &data, &len) == TC_EIO);
    CHECK_STR(tc_last_error(), D "folder: Is a directory");
}

/* ---------------------------------------------------------------- interop modes */

static int usage(void) {
    fprintf(stderr,
            "usage: test_io                         run the tests\n"
            "       test_io npy-f32 IN OUT [CHUNK]  load a float .npy, save it (CHUNK: rows per\n"
            "                                       append of the streaming writer)\n"
            "       test_io npy-i64 IN OUT          load an integer .npy, save it as int64\n"
            "       test_io npy-1d IN OUT           load a float .npy, save it 1-D\n"
            "       test_io faiss-write IN.npy OUT  write an IndexFlatL2 file\n"
            "       test_io faiss-read IN OUT.npy   read an IndexFlat file, save as .npy\n"
            "       test_io json IN OUT             load a JSON string list, save it\n"
            "       test_io texts IN FIELD OUT      read texts, save them as a JSON list\n");
    return 2;
}

static int fail(void) {
    fprintf(stderr, "error: %s\n", tc_last_error());
    return 1;
}

/* ---------------------------------------------------------------- limits and repairs */

static char logged[4096];

static void capture(void *ctx, int level, const char *msg) {
    (void)ctx, (void)level;
    size_t l = strlen(logged);
    snprintf(logged + l, sizeof logged - l, "%s\n", msg);
}

/* Reads path with the given max_text_bytes (0 = default), expecting the
 * texts and, when want_log is not NULL, exactly that log. */
static void check_repaired(const char *path, int fmt, size_t max_text, const char *const *texts,
                           size_t n, const char *want_log) {
    tc_reader_opts o = tc_reader_default_opts();
    o.max_text_bytes = max_text;
    tc_reader *r;
    tc_textset t = {0};
    logged[0] = 0;
    tc_set_logger(capture, NULL);
    int rc = tc_reader_open_opts(path, fmt, "text", NULL, &o, &r);
    CHECK_MSG(rc == 0, "%s: %s", path, tc_last_error());
    if (rc == 0) {
        long got;
        while ((got = tc_reader_next(r, 2, &t)) > 0) {}
        CHECK_MSG(got == 0, "%s: %s", path, tc_last_error());
        tc_reader_close(r);
    }
    tc_set_logger(NULL, NULL);
    CHECK_MSG(t.n == n, "%s: %zu texts, expected %zu", path, t.n, n);
    for (size_t i = 0; i < n && i < t.n; i++) CHECK_STR(t.texts[i], texts[i]);
    if (want_log) CHECK_STR(logged, want_log);
    tc_textset_free(&t);
}

static void test_nul_and_surrogates(void) {
    char want[1024];
    /* \u0000 escapes and raw NUL bytes are dropped, the rest kept */
    const char *nul_jsonl = "{\"text\": \"ok\"}\n{\"text\": \"a\\u0000b\\u0000\\u0000c\"}\n"
                            "{\"text\": \"not \\\\u0000 an escape\"}\n";
    write_str(tmp("nul.jsonl"), nul_jsonl);
    const char *nj[] = {"ok", "abc", "not \\u0000 an escape"};
    snprintf(want, sizeof want, "%s:2: 3 NUL characters dropped (the rest of each text kept; the "
             "first on this line)\n", tmp("nul.jsonl"));
    check_repaired(tmp("nul.jsonl"), TC_FMT_AUTO, 0, nj, 3, want);
    write_bytes(tmp("nul.csv"), "id,text\n1,fine\n2,\"a\0b\"\n3,c\0d\n", 28);
    const char *nc[] = {"fine", "ab", "cd"};
    snprintf(want, sizeof want, "%s:3: 2 NUL characters dropped (the rest of each text kept; the "
             "first on this line)\n", tmp("nul.csv"));
    check_repaired(tmp("nul.csv"), TC_FMT_AUTO, 0, nc, 3, want);
    write_bytes(tmp("nul.txt"), "x\0y\n", 4);
    const char *nt[] = {"xy"};
    check_repaired(tmp("nul.txt"), TC_FMT_AUTO, 0, nt, 1, NULL);

    /* unpaired surrogate escapes become U+FFFD; a proper pair stays */
    write_str(tmp("sur.jsonl"), "{\"text\": \"pair \\ud83d\\ude00\"}\n{\"text\": \"x\\ud800y\"}\n"
              "{\"text\": \"\\udc00\\ud800\\u0041\"}\n{\"text\": \"end \\uD800\"}\n");
    const char *su[] = {"pair \xf0\x9f\x98\x80", "x\xef\xbf\xbdy", "\xef\xbf\xbd\xef\xbf\xbd" "A",
                        "end \xef\xbf\xbd"};
    snprintf(want, sizeof want, "%s:2: 4 unpaired UTF-16 surrogate escapes replaced by U+FFFD "
             "(the first on this line)\n", tmp("sur.jsonl"));
    check_repaired(tmp("sur.jsonl"), TC_FMT_AUTO, 0, su, 4, want);

    size_t n_nul = 0, n_surr = 0;
    char fx[] = "[\"\\u0000\", \"\\\\ud800\", \"\\ud800\"]";
    size_t fl = tc_json_fix_escapes(fx, strlen(fx), &n_nul, &n_surr);
    CHECK(fl == strlen(fx) && n_nul == 1 && n_surr == 1);
    CHECK_STR(fx, "[\"\", \"\\\\ud800\", \"\\ufffd\"]");
}

static void test_limits(void) {
    char want[1024];
    /* texts over the limit are cut on a UTF-8 boundary, one warning per file */
    write_str(tmp("long.txt"), "short\n\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n"
              "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\n0123456789\n");
    const char *cut[] = {"short", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
                         "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5", "0123456789"};
    snprintf(want, sizeof want, "%s:2: 2 texts longer than 10 bytes cut to that length (the first "
             "on this line)\n", tmp("long.txt"));
    check_repaired(tmp("long.txt"), TC_FMT_AUTO, 10, cut, 4, want);
    write_str(tmp("long.jsonl"), "{\"text\": \"abcdefghijklmnop\"}\n");
    const char *cj[] = {"abcdefghij"};
    check_repaired(tmp("long.jsonl"), TC_FMT_AUTO, 10, cj, 1, NULL);
    write_str(tmp("long.csv"), "text\n\"abc\ndefghijklmnop\"\n");
    const char *cc[] = {"abc\ndefghi"};
    check_repaired(tmp("long.csv"), TC_FMT_AUTO, 10, cc, 1, NULL);

    /* a line or record over 16 x the limit is refused with its line */
    tc_reader_opts o = tc_reader_default_opts();
    o.max_text_bytes = 10;
    char big[400];
    memset(big, 'x', sizeof big);
    FILE *f = fopen(tmp("huge.txt"), "wb");
    fputs("fine\n", f), fwrite(big, 1, 161, f), fputs("\nnever read\n", f), fclose(f);
    tc_reader *r;
    tc_textset t = {0};
    CHECK_OK(tc_reader_open_opts(tmp("huge.txt"), TC_FMT_AUTO, NULL, NULL, &o, &r));
    CHECK(tc_reader_next(r, 10, &t) == TC_EFORMAT && t.n == 1);
    snprintf(want, sizeof want, "%s:2: line longer than 160 bytes, the longest record read; split "
             "it, or raise the limit (16 x max_text_bytes)", tmp("huge.txt"));
    CHECK_STR(tc_last_error(), want);
    tc_reader_close(r), tc_textset_free(&t);
    f = fopen(tmp("huge.csv"), "wb");
    fputs("id,text\n1,ok\n2,\"", f);
    for (int i = 0; i < 40; i++) fwrite(big, 1, 9, f), fputc('\n', f);
    fputs("\"\n", f), fclose(f);
    CHECK_OK(tc_reader_open_opts(tmp("huge.csv"), TC_FMT_AUTO, "text", NULL, &o, &r));
    CHECK(tc_reader_next(r, 10, &t) == TC_EFORMAT && t.n == 1);
    snprintf(want, sizeof want, "%s:3: record longer than 160 bytes, the longest read (a quoted "
             "field never closed?); the limit is 16 x max_text_bytes", tmp("huge.csv"));
    CHECK_STR(tc_last_error(), want);
    tc_reader_close(r), tc_textset_free(&t);

    /* a limit above the largest accepted is refused */
    tc_reader_opts over = {.max_text_bytes = (size_t)TC_MAX_TEXT_BYTES_LIMIT + 1};
    CHECK(tc_reader_open_opts(D "good.txt", TC_FMT_AUTO, NULL, NULL, &over, &r) == TC_EINVAL);

    /* blank lines of a text file are skipped and counted; only blanks: no texts */
    write_str(tmp("blank.txt"), "\n  \n\t\r\nreal\n\n");
    const char *bl[] = {"real"};
    snprintf(want, sizeof want, "%s: 4 blank lines skipped\n", tmp("blank.txt"));
    logged[0] = 0;
    tc_set_logger(capture, NULL);
    check_texts(tmp("blank.txt"), TC_FMT_AUTO, NULL, bl, NULL, 1);
    tc_set_logger(NULL, NULL);
    CHECK_STR(logged, want);
    write_str(tmp("blanks.txt"), "\n\n   \n");
    snprintf(want, sizeof want, "%s: no texts", tmp("blanks.txt"));
    check_fails(tmp("blanks.txt"), TC_FMT_AUTO, NULL, TC_EFORMAT, want);
}

/* Texts of every size around the reader's 1 MiB storage blocks (and the
 * 256 KiB above which a text gets a block of its own), interleaved with
 * short ones: each comes back whole and in order, ids too. */
static void test_text_storage(void) {
    /* the first five fill a block to its last byte, then need one more */
    static const size_t sizes[] = {262143, 262143, 262143, 262142, 1, 300000, 2, 262143, 262144, 3, 2100000, 4, 700000, 700000, 5};
    size_t n = sizeof sizes / sizeof *sizes, rep = 20;
    FILE *f = fopen(tmp("sizes.txt"), "wb");
    for (size_t k = 0; k < rep; k++)
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < sizes[i]; j++) fputc('a' + (int)((i + j + k) % 26), f);
            fputc('\n', f);
        }
    fclose(f);
    tc_textset t;
    tc_reader_opts o = tc_reader_default_opts();
    o.max_text_bytes = (size_t)4 << 20;
    CHECK_OK(tc_read_texts(tmp("sizes.txt"), TC_FMT_TEXT, NULL, NULL, &o, &t));
    CHECK(t.n == n * rep);
    size_t bad = 0;
    for (size_t k = 0; k < rep && t.n == n * rep; k++)
        for (size_t i = 0; i < n; i++) {
            const char *s = t.texts[k * n + i];
            size_t len = strlen(s);
            bad += len != sizes[i];
            for (size_t j = 0; j < len && j < sizes[i]; j++) bad += s[j] != 'a' + (int)((i + j + k) % 26);
        }
    CHECK_MSG(bad == 0, "%zu bytes or lengths differ", bad);
    tc_textset_free(&t);
}

static void test_binary_and_sniffing(void) {
    char want[1024];
    static const struct { const char *name, *bytes; size_t n; const char *msg; } bin[] = {
        {"data.parquet", "PAR1\x15\x04\x15\x10", 8, "this is a Parquet file, not text; Parquet is "
         "read from a regular file or folder (it is read from its end, so not from a pipe) with the "
         "format picked by name or content"},
        {"e.npy", "\x93NUMPY\x01\x00v\x00{'descr'", 17, "this is a NumPy .npy file, not text; pass "
         "precomputed embeddings with --embeddings and texts as JSONL, CSV, TSV or text"},
        {"a.zip", "PK\x03\x04\x14\x00\x00\x00", 8, "this is a zip archive, not text; unpack it and "
         "pass the files or their folder"},
        {"a.xz", "\xfd" "7zXZ\x00\x00\x04", 8, "this is an xz-compressed file, not text; "
         "decompress it first (only gzip is read directly)"},
        {"a.zst", "\x28\xb5\x2f\xfd\x04\x58", 6, "this is a zstd-compressed file, not text; "
         "decompress it first (only gzip is read directly)"},
        {"a.bz2", "BZh91AY&SY\x01\x02", 12, "this is a bzip2-compressed file, not text; "
         "decompress it first (only gzip is read directly)"},
        {"a.lz4", "\x04\x22\x4d\x18\x64\x40", 6, "this is an lz4-compressed file, not text; "
         "decompress it first (only gzip is read directly)"},
        {"a.7z", "7z\xbc\xaf\x27\x1c\x00\x04", 8, "this is a 7z archive, not text; unpack it and "
         "pass the files or their folder"},
        {"f.index", "IxF2\x08\x00\x00\x00\x05\x00", 10, "this is a faiss index, not text; pass a "
         "save folder to load, or texts as JSONL, CSV, TSV or text"},
        {"u16.txt", "\xff\xfeh\x00i\x00", 6, "this is UTF-16 text, not text; convert it to UTF-8 "
         "(iconv -f UTF-16 -t UTF-8)"},
    };
    for (size_t i = 0; i < sizeof bin / sizeof *bin; i++) {
        write_bytes(tmp(bin[i].name), bin[i].bytes, bin[i].n);
        snprintf(want, sizeof want, "%s: %s", tmp(bin[i].name), bin[i].msg);
        check_fails(tmp(bin[i].name), TC_FMT_TEXT, NULL, TC_EFORMAT, want);
    }
    /* NUL bytes at the start, also inside gzip; /dev/zero stops at once */
    char zeros[4096] = {0};
    memcpy(zeros, "text\n", 5);
    write_bytes(tmp("zeros.csv"), zeros, sizeof zeros);
    snprintf(want, sizeof want, "%s: this is binary data (NUL bytes at the start), not text; pass "
             "JSONL, CSV, TSV or text (UTF-8)", tmp("zeros.csv"));
    check_fails(tmp("zeros.csv"), TC_FMT_AUTO, NULL, TC_EFORMAT, want);
    gzFile g = gzopen(tmp("npy.txt.gz"), "wb");
    gzwrite(g, "\x93NUMPY\x01\x00", 8), gzclose(g);
    snprintf(want, sizeof want, "%s: this is a NumPy .npy file (inside gzip), not text; pass "
             "precomputed embeddings with --embeddings and texts as JSONL, CSV, TSV or text",
             tmp("npy.txt.gz"));
    check_fails(tmp("npy.txt.gz"), TC_FMT_AUTO, NULL, TC_EFORMAT, want);
    check_fails("/dev/zero", TC_FMT_TEXT, NULL, TC_EFORMAT, "/dev/zero: this is binary data (NUL "
                "bytes at the start), not text; pass JSONL, CSV, TSV or text (UTF-8)");

    /* a name without a known extension: JSONL when the first line is an object */
    write_str(tmp("noext"), "\n{\"text\": \"one\"}\n{\"text\": \"two\"}\n");
    const char *two[] = {"one", "two"};
    check_texts(tmp("noext"), TC_FMT_AUTO, "text", two, NULL, 2);
    write_str(tmp("noext2"), "{not json\nsecond\n");
    const char *raw[] = {"{not json", "second"};
    check_texts(tmp("noext2"), TC_FMT_AUTO, "text", raw, NULL, 2);

    /* from memory: the same parsers */
    const char csv[] = "id,text\n1,\"a, b\"\n2,c\n";
    tc_reader *r;
    tc_textset t = {0};
    CHECK_OK(tc_reader_open_mem("mem.csv", csv, sizeof csv - 1, TC_FMT_AUTO, "text", "id", NULL, &r));
    CHECK(tc_reader_next(r, 10, &t) == 2);
    if (t.n == 2) {
        CHECK_STR(t.texts[0], "a, b");
        CHECK_STR(t.ids[1], "2");
    }
    tc_reader_close(r), tc_textset_free(&t);
    CHECK(tc_reader_open_mem("mem.jsonl", "{\"text\": 1", 10, TC_FMT_AUTO, NULL, NULL, NULL, &r) == 0);
    CHECK(tc_reader_next(r, 10, &t) == TC_EFORMAT);
    CHECK_STR(tc_last_error(), "mem.jsonl:1: malformed JSON at column 10");
    tc_reader_close(r), tc_textset_free(&t);
}

static int run_mode(int argc, char **argv) {
    const char *mode = argv[1];
    float *x = NULL;
    size_t rows, cols;
    int rc = 0;
    if (!strcmp(mode, "npy-f32") && (argc == 4 || argc == 5)) {
        if (tc_npy_load_f32(argv[2], &x, &rows, &cols)) return fail();
        if (argc == 4) rc = tc_npy_save_f32(argv[3], x, rows, cols);
        else {
            size_t chunk = (size_t)atol(argv[4]);
            tc_npy_writer *w;
            rc = tc_npy_writer_open(argv[3], cols, &w);
            for (size_t i = 0; !rc && i < rows; i += chunk)
                rc = tc_npy_writer_append(w, x + i * cols, rows - i < chunk ? rows - i : chunk);
            if (w) rc = tc_npy_writer_close(w) ? -1 : rc;
        }
    } else if (!strcmp(mode, "npy-1d") && argc == 4) {
        if (tc_npy_load_f32(argv[2], &x, &rows, &cols)) return fail();
        rc = tc_npy_save_f32(argv[3], x, rows * cols, 0);
    } else if (!strcmp(mode, "npy-i64") && argc == 4) {
        int64_t *l;
        if (tc_npy_load_i64(argv[2], &l, &rows)) return fail();
        rc = tc_npy_save_i64(argv[3], l, rows);
        free(l);
    } else if (!strcmp(mode, "faiss-write") && argc == 4) {
        if (tc_npy_load_f32(argv[2], &x, &rows, &cols)) return fail();
        rc = tc_faiss_save_flat(argv[3], x, rows, (int)cols);
    } else if (!strcmp(mode, "faiss-read") && argc == 4) {
        int d;
        if (tc_faiss_load_flat(argv[2], &x, &rows, &d)) return fail();
        rc = tc_npy_save_f32(argv[3], x, rows, (size_t)d);
    } else if (!strcmp(mode, "json") && argc == 4) {
        char **s;
        size_t n;
        if (tc_json_load_strings(argv[2], &s, &n)) return fail();
        rc = tc_json_save_strings(argv[3], (const char *const *)s, n);
        tc_strings_free(s, n);
    } else if (!strcmp(mode, "json-map") && argc == 4) { /* a list k0, v0, k1, v1, ... */
        char **s;
        size_t n;
        if (tc_json_load_strings(argv[2], &s, &n)) return fail();
        const char **k = malloc((n / 2 + 1) * sizeof *k), **v = malloc((n / 2 + 1) * sizeof *v);
        for (size_t i = 0; i + 1 < n; i += 2) k[i / 2] = s[i], v[i / 2] = s[i + 1];
        rc = tc_json_save_map(argv[3], k, v, n / 2);
        free(k), free(v);
        tc_strings_free(s, n);
    } else if (!strcmp(mode, "texts") && argc == 5) {
        tc_textset t;
        if (tc_read_texts(argv[2], TC_FMT_AUTO, argv[3], NULL, NULL, &t)) return fail();
        rc = tc_json_save_strings(argv[4], (const char *const *)t.texts, t.n);
        tc_textset_free(&t);
    } else {
        return usage();
    }
    free(x);
    return rc ? fail() : 0;
}

int main(int argc, char **argv) {
    if (argc > 1) return run_mode(argc, argv);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_io.XXXXXX");
    if (!mkdtemp(tmpdir)) return fail();
    test_jsonl();
    test_csv_tsv_text();
    test_folder_and_batches();
    test_bad_inputs();
    test_more_bad_inputs();
    test_lines_against_naive();
    test_utf8();
    test_npy();
    test_json();
    test_faiss_and_files();
    test_hostile_headers();
    test_check_finite();
    test_nul_and_surrogates();
    test_limits();
    test_text_storage();
    test_binary_and_sniffing();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_report("test_io");
}
