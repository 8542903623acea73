/* test_parquet_write.c - the Parquet writer. Strings and integers go back
 * through our reader (parquet.c) for every codec, with nulls, lists and
 * doubles around them, many pages and row groups, and a list row larger
 * than a row group (streamed). Misuse fails with TC_EINVAL and leaves no
 * file. With --emit DIR it writes the same files for tests/hfds_test.sh,
 * where DuckDB (an independent reader) checks every column and type
 * against the values computed there from the row numbers:
 *   all_<codec>.parquet  N_ROWS rows of every type (see the row_* functions)
 *   stream.parquet       a small row, one of STREAM_N strings, a small row */
#include "check.h"
#include "io/io.h"
#include "io/parquet.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define N_ROWS 3000
#define STREAM_N 20000

/* ---------------------------------------------------------------- the rows (hfds_test.sh has them too) */

static int64_t row_a(int i) { return (int64_t)(i - 1500) * 6700417LL * 1000003LL; }
static int b_null(int i) { return i % 11 == 0; }
static float row_b(int i) { return (float)i * 0.25f - 100.0f; }
static double row_c(int i) { return (double)i / 7.0; }
static int s_null(int i) { return i % 13 == 0; }
static void row_s(int i, char *buf, size_t cap) { /* "" when i % 17 == 0 */
    size_t n = 0;
    buf[0] = 0;
    if (i % 17 == 0) return;
    n += (size_t)snprintf(buf + n, cap - n, "row %d", i);
    for (int k = 0; k < i % 5; k++) n += (size_t)snprintf(buf + n, cap - n, " \xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80");
}
static int ls_null(int i) { return i % 19 == 0; }
static int ls_len(int i) { return i % 23 == 0 ? 0 : i % 4 + 1; }
static int ls_elem_null(int i, int k) { return (i + k) % 29 == 0; }
static int ld_len(int i) { return i % 3; }
static double row_ld(int i, int k) { return k * 0.5 + i; }

static const tc_parquet_column ALL[] = {
    {"a", TC_PQ_INT64, 0}, {"b", TC_PQ_FLOAT, 1}, {"c", TC_PQ_DOUBLE, 0}, {"s", TC_PQ_STRING, 1},
    {"ls", TC_PQ_LIST_STRING, 1}, {"ld", TC_PQ_LIST_DOUBLE, 0}, {"t", TC_PQ_STRING, 0},
};

/* Small pages and row groups, so that the 3000 rows take many of each. */
static int write_all(const char *path, int codec) {
    tc_parquet_writer_opts o = tc_parquet_writer_default_opts();
    o.codec = codec, o.row_group_bytes = 16 << 10, o.page_bytes = 2 << 10;
    tc_parquet_writer *w;
    int rc = tc_parquet_writer_open(path, ALL, 7, &o, &w);
    char s[128], e[32];
    for (int i = 0; !rc && i < N_ROWS; i++) {
        rc = tc_parquet_writer_int64(w, row_a(i));
        rc = rc ? rc : b_null(i) ? tc_parquet_writer_null(w) : tc_parquet_writer_float(w, row_b(i));
        rc = rc ? rc : tc_parquet_writer_double(w, row_c(i));
        row_s(i, s, sizeof s);
        rc = rc ? rc : tc_parquet_writer_string(w, s_null(i) ? NULL : s, strlen(s));
        if (!rc && ls_null(i)) rc = tc_parquet_writer_null(w);
        else if (!rc) {
            rc = tc_parquet_writer_list_begin(w);
            for (int k = 0; !rc && k < ls_len(i); k++) {
                snprintf(e, sizeof e, "e%d-%d", i, k);
                rc = ls_elem_null(i, k) ? tc_parquet_writer_null(w) : tc_parquet_writer_string(w, e, strlen(e));
            }
            rc = rc ? rc : tc_parquet_writer_list_end(w);
        }
        rc = rc ? rc : tc_parquet_writer_list_begin(w);
        for (int k = 0; !rc && k < ld_len(i); k++) rc = tc_parquet_writer_double(w, row_ld(i, k));
        rc = rc ? rc : tc_parquet_writer_list_end(w);
        snprintf(e, sizeof e, "t%d", i);
        rc = rc ? rc : tc_parquet_writer_string(w, e, strlen(e));
        rc = rc ? rc : tc_parquet_writer_row_end(w);
    }
    if (rc) {
        tc_parquet_writer_abort(w);
        return rc;
    }
    return tc_parquet_writer_close(w);
}

/* Row 0 and 2 small, row 1 a list of STREAM_N strings of about 100 bytes
 * (2 MB) in a file whose row groups hold 256 KiB: the list streams, and
 * the writer never holds much more than the bound (*peak). */
static const tc_parquet_column STREAM[] = {
    {"id", TC_PQ_INT64, 1}, {"name", TC_PQ_STRING, 1}, {"items", TC_PQ_LIST_STRING, 1},
    {"after", TC_PQ_STRING, 1},
};

/* "<k> " and 90 letters from a 32-bit LCG seeded by k: barely compressible,
 * so the list really passes the row group bound. */
static void stream_item(int k, char *buf, size_t cap) {
    int n = snprintf(buf, cap, "%d ", k);
    uint32_t x = (uint32_t)k * 2654435761u;
    for (int j = 0; j < 90 && (size_t)n + 1 < cap; j++) {
        x = x * 1103515245u + 12345u;
        buf[n++] = (char)('a' + (x >> 16) % 26);
    }
    buf[n] = 0;
}

static int write_stream(const char *path, size_t *peak) {
    tc_parquet_writer_opts o = tc_parquet_writer_default_opts();
    o.row_group_bytes = 256 << 10, o.page_bytes = 32 << 10;
    tc_parquet_writer *w;
    int rc = tc_parquet_writer_open(path, STREAM, 4, &o, &w);
    char buf[128];
    for (int r = 0; !rc && r < 3; r++) {
        rc = tc_parquet_writer_int64(w, r);
        snprintf(buf, sizeof buf, "name %d", r);
        rc = rc ? rc : tc_parquet_writer_string(w, buf, strlen(buf));
        rc = rc ? rc : tc_parquet_writer_list_begin(w);
        for (int k = 0; !rc && k < (r == 1 ? STREAM_N : 2); k++) {
            stream_item(k, buf, sizeof buf);
            rc = tc_parquet_writer_string(w, buf, strlen(buf));
        }
        rc = rc ? rc : tc_parquet_writer_list_end(w);
        snprintf(buf, sizeof buf, "after %d", r);
        rc = rc ? rc : tc_parquet_writer_string(w, buf, strlen(buf));
        rc = rc ? rc : tc_parquet_writer_row_end(w);
    }
    if (rc) {
        tc_parquet_writer_abort(w);
        return rc;
    }
    *peak = tc_parquet_writer_peak_bytes(w);
    return tc_parquet_writer_close(w);
}

/* ---------------------------------------------------------------- reading back */

/* Column field (and id_field) of path through our reader: each row must
 * match want(i) (NULL: a null, skipped by the reader and counted). */
typedef const char *(*want_fn)(int i, char *buf, size_t cap);

static const char *want_s(int i, char *buf, size_t cap) {
    if (s_null(i)) return NULL;
    row_s(i, buf, cap);
    return buf;
}
static const char *want_a(int i, char *buf, size_t cap) {
    snprintf(buf, cap, "%" PRId64, row_a(i));
    return buf;
}
static const char *want_t(int i, char *buf, size_t cap) {
    snprintf(buf, cap, "t%d", i);
    return buf;
}

static void check_column(const char *path, const char *field, want_fn want, const char *id_field,
                         want_fn want_id, int rows) {
    tc_parquet *p;
    int rc = tc_parquet_open(path, NULL, 0, field, id_field, &p);
    CHECK_MSG(rc == 0, "%s: %s", path, tc_last_error());
    if (rc) return;
    const char *text, *id;
    size_t tlen, ilen, nulls = 0;
    int i = 0, bad = 0;
    char wb[256], ib[256];
    for (; i < rows; i++) {
        const char *w = want(i, wb, sizeof wb);
        if (!w) { nulls++; continue; }
        rc = tc_parquet_next(p, &text, &tlen, &id, &ilen);
        if (rc != 1) break;
        if (tlen != strlen(w) || memcmp(text, w, tlen)) bad++;
        const char *wi = want_id ? want_id(i, ib, sizeof ib) : NULL;
        if (want_id && (!id || ilen != strlen(wi) || memcmp(id, wi, ilen))) bad++;
    }
    CHECK_MSG(i == rows, "%s: %s: row %d: rc %d (%s)", path, field, i, rc, tc_last_error());
    CHECK_MSG(bad == 0, "%s: %s: %d values differ", path, field, bad);
    CHECK(tc_parquet_next(p, &text, &tlen, &id, &ilen) == 0);
    CHECK_MSG(tc_parquet_nulls(p) == nulls, "%s: %zu nulls, expected %zu", path, tc_parquet_nulls(p), nulls);
    tc_parquet_close(p);
}

static const char *want_name(int i, char *buf, size_t cap) { snprintf(buf, cap, "name %d", i); return buf; }
static const char *want_after(int i, char *buf, size_t cap) { snprintf(buf, cap, "after %d", i); return buf; }
static const char *want_id(int i, char *buf, size_t cap) { snprintf(buf, cap, "%d", i); return buf; }

static size_t file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

/* ---------------------------------------------------------------- misuse */

static void test_misuse(const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/bad.parquet", dir);
    static const tc_parquet_column cols[] = {{"n", TC_PQ_INT64, 0}, {"l", TC_PQ_LIST_DOUBLE, 0}};
    tc_parquet_writer *w;
    CHECK_OK(tc_parquet_writer_open(path, cols, 2, NULL, &w));
    CHECK(tc_parquet_writer_null(w) == TC_EINVAL);        /* a required column */
    CHECK(tc_parquet_writer_int64(w, 1) == TC_EINVAL);    /* sticky */
    tc_parquet_writer_abort(w);
    CHECK(access(path, F_OK) != 0);

    CHECK_OK(tc_parquet_writer_open(path, cols, 2, NULL, &w));
    CHECK(tc_parquet_writer_double(w, 1.0) == TC_EINVAL); /* a double in an INT64 column */
    tc_parquet_writer_abort(w);
    CHECK_OK(tc_parquet_writer_open(path, cols, 2, NULL, &w));
    CHECK_OK(tc_parquet_writer_int64(w, 1));
    CHECK(tc_parquet_writer_double(w, 1.0) == TC_EINVAL); /* a list column needs list_begin */
    tc_parquet_writer_abort(w);
    CHECK_OK(tc_parquet_writer_open(path, cols, 2, NULL, &w));
    CHECK_OK(tc_parquet_writer_int64(w, 1));
    CHECK(tc_parquet_writer_row_end(w) == TC_EINVAL);     /* a column missing */
    tc_parquet_writer_abort(w);
    CHECK_OK(tc_parquet_writer_open(path, cols, 2, NULL, &w));
    CHECK_OK(tc_parquet_writer_int64(w, 1));
    CHECK_OK(tc_parquet_writer_list_begin(w));
    CHECK(tc_parquet_writer_close(w) == TC_EINVAL);       /* closed inside a row */
    CHECK(access(path, F_OK) != 0);

    /* no rows: a valid file with a schema and no row groups */
    CHECK_OK(tc_parquet_writer_open(path, cols, 2, NULL, &w));
    CHECK_OK(tc_parquet_writer_close(w));
    static const tc_parquet_column one[] = {{"text", TC_PQ_STRING, 1}};
    snprintf(path, sizeof path, "%s/empty.parquet", dir);
    CHECK_OK(tc_parquet_writer_open(path, one, 1, NULL, &w));
    CHECK_OK(tc_parquet_writer_close(w));
    tc_parquet *p;
    CHECK_OK(tc_parquet_open(path, NULL, 0, "text", NULL, &p));
    const char *t, *id;
    size_t tl, il;
    if (p) CHECK(tc_parquet_next(p, &t, &tl, &id, &il) == 0);
    tc_parquet_close(p);
    CHECK(tc_parquet_writer_open(path, one, 0, NULL, &w) == TC_EINVAL);
    static const tc_parquet_column noname[] = {{"", TC_PQ_STRING, 1}};
    CHECK(tc_parquet_writer_open(path, noname, 1, NULL, &w) == TC_EINVAL);
}

/* ---------------------------------------------------------------- main */

static int emit(const char *dir) {
    static const char *names[] = {"zstd", "snappy", "uncompressed"};
    char path[512];
    for (int c = 0; c < 3; c++) {
        snprintf(path, sizeof path, "%s/all_%s.parquet", dir, names[c]);
        if (write_all(path, c)) { fprintf(stderr, "%s\n", tc_last_error()); return 1; }
    }
    snprintf(path, sizeof path, "%s/stream.parquet", dir);
    size_t peak;
    if (write_stream(path, &peak)) { fprintf(stderr, "%s\n", tc_last_error()); return 1; }
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--emit") == 0) return emit(argv[2]);
    char dir[] = "/tmp/tc-pqw-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[512];
    static const int codecs[] = {TC_PQ_ZSTD, TC_PQ_SNAPPY, TC_PQ_UNCOMPRESSED};
    size_t sizes[3];
    for (int c = 0; c < 3; c++) {
        snprintf(path, sizeof path, "%s/all_%d.parquet", dir, c);
        CHECK_OK(write_all(path, codecs[c]));
        sizes[c] = file_size(path);
        check_column(path, "s", want_s, "a", want_a, N_ROWS);
        check_column(path, "t", want_t, NULL, NULL, N_ROWS);
        check_column(path, "a", want_a, "t", want_t, N_ROWS);
        unlink(path);
    }
    /* the codecs did compress (the values repeat a lot) */
    CHECK_MSG(sizes[0] < sizes[2] && sizes[1] < sizes[2], "zstd %zu, snappy %zu, none %zu", sizes[0],
              sizes[1], sizes[2]);

    snprintf(path, sizeof path, "%s/stream.parquet", dir);
    size_t peak = 0;
    CHECK_OK(write_stream(path, &peak));
    CHECK_MSG(file_size(path) > 1000000, "%zu bytes", file_size(path));
    CHECK_MSG(peak >= (256 << 10) && peak < (256 << 10) + 3 * (32 << 10), "held %zu bytes at most", peak);
    check_column(path, "name", want_name, "id", want_id, 3);
    check_column(path, "after", want_after, "id", want_id, 3);
    unlink(path);

    test_misuse(dir);
    snprintf(path, sizeof path, "%s/bad.parquet", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/empty.parquet", dir);
    unlink(path);
    rmdir(dir);
    return check_report("test_parquet_write");
}
