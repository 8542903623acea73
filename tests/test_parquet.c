/* test_parquet.c - the Parquet reader against files DuckDB wrote
 * (tests/data/parquet/, see make_fixtures.js): texts and ids must equal the
 * JSONL each came from, in order. Hand-built files cover what DuckDB does
 * not write (DELTA_BYTE_ARRAY, required columns, integer ids) and hostile
 * variants, which must fail with a message, never crash. */
#include "check.h"
#include "io/io.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DIR "tests/data/parquet/"

static int same_sets(const tc_textset *a, const tc_textset *b, int ids) {
    if (a->n != b->n) { fprintf(stderr, "  %zu texts, expected %zu\n", a->n, b->n); return 0; }
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->texts[i], b->texts[i])) { fprintf(stderr, "  text %zu differs\n", i); return 0; }
        if (!ids) continue;
        const char *x = a->ids ? a->ids[i] : NULL, *y = b->ids ? b->ids[i] : NULL;
        if ((x == NULL) != (y == NULL) || (x && strcmp(x, y))) {
            fprintf(stderr, "  id %zu: %s, expected %s\n", i, x ? x : "(none)", y ? y : "(none)");
            return 0;
        }
    }
    return 1;
}

static void check_fixture(const char *name, const char *jsonl, const char *field) {
    char path[256];
    snprintf(path, sizeof path, DIR "%s.parquet", name);
    tc_textset got, want;
    CHECK(tc_read_texts(jsonl, TC_FMT_JSONL, field, "id", NULL, &want) == 0);
    int rc = tc_read_texts(path, TC_FMT_AUTO, field, "id", NULL, &got);
    CHECK_MSG(rc == 0, "%s: %s", path, tc_last_error());
    if (rc == 0) CHECK_MSG(same_sets(&got, &want, 1), "%s (%s)", path, field);
    tc_textset_free(&got);
    /* from memory, read in small batches as the pipeline reads */
    char *data;
    size_t len;
    CHECK(tc_read_file(path, &data, &len) == 0);
    tc_reader *r;
    rc = tc_reader_open_mem(path, data, len, TC_FMT_AUTO, field, "id", NULL, &r);
    CHECK_MSG(rc == 0, "%s: %s", path, tc_last_error());
    if (rc == 0) {
        long n;
        while ((n = tc_reader_next(r, 7, &got)) > 0) {}
        CHECK(n == 0);
        CHECK_MSG(same_sets(&got, &want, 1), "%s from memory", path);
        tc_reader_close(r);
        tc_textset_free(&got);
    }
    free(data);
    tc_textset_free(&want);
}

/* ---------------------------------------------------------------- hand-built files */

typedef struct { uint8_t b[1 << 16]; size_t n; } buf;

static void put(buf *o, const void *p, size_t n) { memcpy(o->b + o->n, p, n), o->n += n; }
static void byte(buf *o, int v) { o->b[o->n++] = (uint8_t)v; }
static void uvar(buf *o, uint64_t v) {
    while (v >= 0x80) byte(o, (int)(v & 0x7f) | 0x80), v >>= 7;
    byte(o, (int)v);
}
static void zz(buf *o, int64_t v) { uvar(o, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); }
static void fld(buf *o, int *last, int fid, int type) {
    if (fid > *last && fid - *last <= 15) byte(o, (fid - *last) << 4 | type);
    else byte(o, type), zz(o, fid);
    *last = fid;
}
static void fint(buf *o, int *last, int fid, int type, int64_t v) { fld(o, last, fid, type), zz(o, v); }
static void fbin(buf *o, int *last, int fid, const char *s) {
    fld(o, last, fid, 8), uvar(o, strlen(s)), put(o, s, strlen(s));
}
static void lhead(buf *o, size_t n, int et) {
    if (n < 15) byte(o, (int)n << 4 | et);
    else byte(o, 0xF0 | et), uvar(o, n);
}
static void le32(buf *o, uint32_t v) { for (int i = 0; i < 4; i++) byte(o, (int)(v >> (8 * i)) & 255); }

/* DELTA_BINARY_PACKED with blocks of 128, 4 miniblocks, width 8
 * (deltas within 255 of the smallest). */
static void delta_enc(buf *o, const int64_t *v, size_t n) {
    uvar(o, 128), uvar(o, 4), uvar(o, n), zz(o, n ? v[0] : 0);
    for (size_t b = 1; b < n; b += 128) {
        int64_t mn = INT64_MAX;
        for (size_t i = b; i < n && i < b + 128; i++) mn = v[i] - v[i - 1] < mn ? v[i] - v[i - 1] : mn;
        zz(o, mn);
        for (int m = 0; m < 4; m++) byte(o, 8);
        size_t used = ((n - b < 128 ? n - b : 128) + 31) / 32;
        for (size_t k = 0; k < used * 32; k++) {
            size_t i = b + k;
            byte(o, i < n ? (int)(v[i] - v[i - 1] - mn) : 0);
        }
    }
}

enum { PLAIN, DICT, DBA };
typedef struct {
    int enc, bad_index, huge_page, id_int, no_footer_magic;
    int64_t footer_len; /* 0: the right one */
} spec;

/* A file of one row group: a required BYTE_ARRAY "text" column and, with
 * id_int, a required INT64 "id" column (PLAIN, 100 + row). */
static size_t build(const spec *s, const char *const *vals, size_t n, buf *o) {
    o->n = 0;
    put(o, "PAR1", 4);
    buf pg = {.n = 0};
    int64_t dict_off = 0, data_off;
    /* text chunk */
    if (s->enc == DICT) { /* dictionary of the distinct values, here: all of them reversed */
        for (size_t i = n; i-- > 0;) le32(&pg, (uint32_t)strlen(vals[i])), put(&pg, vals[i], strlen(vals[i]));
        dict_off = (int64_t)o->n;
        int l = 0, l2 = 0;
        fint(o, &l, 1, 5, 2), fint(o, &l, 2, 5, (int64_t)pg.n), fint(o, &l, 3, 5, (int64_t)pg.n);
        fld(o, &l, 7, 12), fint(o, &l2, 1, 5, (int64_t)n), fint(o, &l2, 2, 5, 0), byte(o, 0), byte(o, 0);
        put(o, pg.b, pg.n);
        pg.n = 0;
        byte(&pg, 8);
        for (size_t i = 0; i < n; i++) uvar(&pg, 2), byte(&pg, s->bad_index && i == n / 2 ? 200 : (int)(n - 1 - i));
    } else if (s->enc == PLAIN) {
        for (size_t i = 0; i < n; i++) le32(&pg, (uint32_t)strlen(vals[i])), put(&pg, vals[i], strlen(vals[i]));
    } else { /* DELTA_BYTE_ARRAY: shared prefixes with the value before */
        int64_t pre[64], suf[64];
        for (size_t i = 0; i < n; i++) {
            size_t k = 0;
            while (i && vals[i][k] && vals[i][k] == vals[i - 1][k]) k++;
            pre[i] = (int64_t)k, suf[i] = (int64_t)(strlen(vals[i]) - k);
        }
        delta_enc(&pg, pre, n), delta_enc(&pg, suf, n);
        for (size_t i = 0; i < n; i++) put(&pg, vals[i] + pre[i], (size_t)suf[i]);
    }
    data_off = (int64_t)o->n;
    int l = 0, l2 = 0;
    fint(o, &l, 1, 5, 0), fint(o, &l, 2, 5, (int64_t)pg.n);
    fint(o, &l, 3, 5, s->huge_page ? 0x7ffffff0 : (int64_t)pg.n);
    fld(o, &l, 5, 12), fint(o, &l2, 1, 5, (int64_t)n), fint(o, &l2, 2, 5, s->enc == DICT ? 8 : s->enc == DBA ? 7 : 0);
    fint(o, &l2, 3, 5, 3), fint(o, &l2, 4, 5, 3), byte(o, 0), byte(o, 0);
    put(o, pg.b, pg.n);
    int64_t text_start = dict_off ? dict_off : data_off, text_size = (int64_t)o->n - text_start;
    /* id chunk */
    int64_t id_off = (int64_t)o->n;
    if (s->id_int) {
        pg.n = 0;
        for (size_t i = 0; i < n; i++) for (int b = 0; b < 8; b++) byte(&pg, b ? 0 : (int)(100 + i));
        l = l2 = 0;
        fint(o, &l, 1, 5, 0), fint(o, &l, 2, 5, (int64_t)pg.n), fint(o, &l, 3, 5, (int64_t)pg.n);
        fld(o, &l, 5, 12), fint(o, &l2, 1, 5, (int64_t)n), fint(o, &l2, 2, 5, 0), byte(o, 0), byte(o, 0);
        put(o, pg.b, pg.n);
    }
    int64_t id_size = (int64_t)o->n - id_off;
    /* footer */
    size_t fstart = o->n;
    l = 0;
    fint(o, &l, 1, 5, 1);
    fld(o, &l, 2, 9), lhead(o, s->id_int ? 3 : 2, 12);
    l2 = 0, fbin(o, &l2, 4, "schema"), fint(o, &l2, 5, 5, s->id_int ? 2 : 1), byte(o, 0);
    l2 = 0, fint(o, &l2, 1, 5, 6), fint(o, &l2, 3, 5, 0), fbin(o, &l2, 4, "text"), byte(o, 0);
    if (s->id_int) l2 = 0, fint(o, &l2, 1, 5, 2), fint(o, &l2, 3, 5, 0), fbin(o, &l2, 4, "id"), byte(o, 0);
    fint(o, &l, 3, 6, (int64_t)n);
    fld(o, &l, 4, 9), lhead(o, 1, 12);
    l2 = 0, fld(o, &l2, 1, 9), lhead(o, s->id_int ? 2 : 1, 12);
    for (int c = 0; c < 1 + s->id_int; c++) {
        int l3 = 0, l4 = 0;
        fint(o, &l3, 2, 6, c ? id_off : text_start), fld(o, &l3, 3, 12);
        fint(o, &l4, 1, 5, c ? 2 : 6);
        fld(o, &l4, 2, 9), lhead(o, 1, 5), zz(o, 0);
        fld(o, &l4, 3, 9), lhead(o, 1, 8), uvar(o, c ? 2 : 4), put(o, c ? "id" : "text", c ? 2 : 4);
        fint(o, &l4, 4, 5, 0), fint(o, &l4, 5, 6, (int64_t)n);
        fint(o, &l4, 6, 6, c ? id_size : text_size), fint(o, &l4, 7, 6, c ? id_size : text_size);
        fint(o, &l4, 9, 6, c ? id_off : data_off);
        if (!c && dict_off) fint(o, &l4, 11, 6, dict_off);
        byte(o, 0), byte(o, 0);
    }
    fint(o, &l2, 2, 6, 1000), fint(o, &l2, 3, 6, (int64_t)n), byte(o, 0);
    byte(o, 0);
    le32(o, s->footer_len ? (uint32_t)s->footer_len : (uint32_t)(o->n - fstart));
    put(o, s->no_footer_magic ? "PAR0" : "PAR1", 4);
    return o->n;
}

static int read_mem(const void *d, size_t n, const char *id, tc_textset *out) {
    tc_reader *r;
    memset(out, 0, sizeof *out);
    int rc = tc_reader_open_mem("hand.parquet", d, n, TC_FMT_AUTO, "text", id, NULL, &r);
    if (rc) return rc;
    long got;
    while ((got = tc_reader_next(r, 5, out)) > 0) {}
    tc_reader_close(r);
    if (got < 0) tc_textset_free(out);
    return (int)got;
}

static void check_fails(const void *d, size_t n, const char *what, const char *expect) {
    tc_textset t;
    int rc = read_mem(d, n, NULL, &t);
    CHECK_MSG(rc < 0, "%s: read", what);
    if (rc < 0) CHECK_MSG(strstr(tc_last_error(), expect) != NULL, "%s: message \"%s\", expected \"%s\"",
                          what, tc_last_error(), expect);
    tc_textset_free(&t);
}

static void hand_built(void) {
    static const char *vals[] = {"apple", "applesauce", "apply", "", "b\xc3\xa9ta", "b\xc3\xa9tail", "zed"};
    size_t n = sizeof vals / sizeof *vals;
    static buf o;
    for (int enc = PLAIN; enc <= DBA; enc++) {
        spec s = {.enc = enc, .id_int = 1};
        size_t len = build(&s, vals, n, &o);
        tc_textset t;
        int rc = read_mem(o.b, len, "id", &t);
        CHECK_MSG(rc == 0, "encoding %d: %s", enc, tc_last_error());
        CHECK(t.n == n);
        for (size_t i = 0; i < t.n && i < n; i++) {
            char want[8];
            snprintf(want, sizeof want, "%zu", 100 + i);
            CHECK_MSG(strcmp(t.texts[i], vals[i]) == 0, "encoding %d, text %zu: %s", enc, i, t.texts[i]);
            CHECK_MSG(t.ids && t.ids[i] && strcmp(t.ids[i], want) == 0, "encoding %d: id %zu", enc, i);
        }
        tc_textset_free(&t);
    }
    spec s = {.enc = DICT, .bad_index = 1};
    size_t len = build(&s, vals, n, &o);
    check_fails(o.b, len, "index out of range", "row group 0, column \"text\": dictionary index 200 out of range");
    s = (spec){.enc = PLAIN, .huge_page = 1};
    len = build(&s, vals, n, &o);
    check_fails(o.b, len, "huge page", "row group 0, column \"text\": page sizes");
    s = (spec){.enc = PLAIN, .footer_len = 0x7fffffff};
    len = build(&s, vals, n, &o);
    check_fails(o.b, len, "footer length", "footer: length 2147483647 is past the file");
    s = (spec){.enc = PLAIN, .no_footer_magic = 1};
    len = build(&s, vals, n, &o);
    check_fails(o.b, len, "end magic", "no PAR1 magic at the end");
    /* Thrift nested past the depth limit, and bytes that are no Thrift */
    s = (spec){.enc = PLAIN};
    len = build(&s, vals, n, &o);
    static uint8_t deep[8192];
    memcpy(deep, "PAR1", 4);
    memset(deep + 4, 0x1c, 4000);
    uint32_t fl = 4000;
    memcpy(deep + 4004, &fl, 4), memcpy(deep + 4008, "PAR1", 4);
    check_fails(deep, 4012, "deep Thrift", "footer: malformed FileMetaData");
    memset(deep + 4, 0xff, 4000);
    check_fails(deep, 4012, "garbage Thrift", "footer: malformed");
    /* every truncation and every single-byte change of a small file: an
     * error or texts, never a crash (ASan and UBSan watch) */
    static uint8_t cp[1 << 16];
    for (size_t cut = 0; cut < len; cut++) {
        tc_textset t;
        memcpy(cp, o.b, cut);
        if (read_mem(cp, cut, NULL, &t) == 0) tc_textset_free(&t);
    }
    s = (spec){.enc = DBA, .id_int = 1};
    len = build(&s, vals, n, &o);
    const char *seeds = getenv("TC_PARQUET_SEED_DIR"); /* to refresh tests/fuzz/seeds/parquet */
    for (int enc = PLAIN; seeds && enc <= DBA; enc++) {
        char p[512];
        snprintf(p, sizeof p, "%s/hand_%d.parquet", seeds, enc);
        spec h = {.enc = enc, .id_int = 1};
        size_t hl = build(&h, vals, n, &o);
        FILE *f = fopen(p, "wb");
        if (f) fwrite(o.b, 1, hl, f), fclose(f);
    }
    len = build(&s, vals, n, &o);
    size_t ok = 0;
    for (size_t i = 4; i < len - 4; i++)
        for (int v = 0; v < 256; v += 51) {
            tc_textset t;
            memcpy(cp, o.b, len);
            cp[i] = (uint8_t)v;
            if (read_mem(cp, len, "id", &t) == 0) ok++, tc_textset_free(&t);
        }
    CHECK(ok > 0);
}

static int n_null_warnings;
static void quiet(void *ctx, int level, const char *msg) {
    (void)ctx;
    if (level == TC_LOG_WARN && strstr(msg, "rows with a null \"text\" skipped")) n_null_warnings++;
}

int main(void) {
    tc_set_logger(quiet, NULL);
    static const char *fix[] = {"snappy", "zstd", "gzip", "uncompressed", "v2_snappy", "v2_zstd",
                                "v2_uncompressed"};
    for (size_t i = 0; i < sizeof fix / sizeof *fix; i++) {
        check_fixture(fix[i], DIR "expected.jsonl", "text");
        check_fixture(fix[i], DIR "source.jsonl", "label");
    }
    /* the two NULL texts of each file: one warning per file */
    CHECK_MSG(n_null_warnings == 14, "%d warnings", n_null_warnings);
    check_fixture("intid", DIR "intid.jsonl", "text"); /* INT64 ids as text */
    check_fixture("labels", DIR "labels.jsonl", "label");
    check_fixture("labels_v2", DIR "labels.jsonl", "label");

    /* a folder of Parquet files, read in name order */
    char dir[] = "/tmp/tc-parquet-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char a[300], b[300], cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(a, sizeof a, "%s/a.parquet", dir), snprintf(b, sizeof b, "%s/b.parquet", dir);
    char ta[4200], tb[4200];
    snprintf(ta, sizeof ta, "%s/" DIR "zstd.parquet", cwd), snprintf(tb, sizeof tb, "%s/" DIR "labels.parquet", cwd);
    CHECK(symlink(ta, a) == 0 && symlink(tb, b) == 0);
    tc_textset got, w1, w2;
    CHECK(tc_read_texts(DIR "source.jsonl", TC_FMT_JSONL, "label", "id", NULL, &w1) == 0);
    CHECK(tc_read_texts(DIR "labels.jsonl", TC_FMT_JSONL, "label", "id", NULL, &w2) == 0);
    int rc = tc_read_texts(dir, TC_FMT_AUTO, "label", "id", NULL, &got);
    CHECK_MSG(rc == 0, "%s", tc_last_error());
    CHECK(got.n == w1.n + w2.n);
    if (rc == 0 && got.n == w1.n + w2.n) {
        CHECK(strcmp(got.texts[0], w1.texts[0]) == 0 && strcmp(got.ids[0], w1.ids[0]) == 0);
        CHECK(strcmp(got.texts[w1.n], w2.texts[0]) == 0 && strcmp(got.ids[w1.n], w2.ids[0]) == 0);
        CHECK(strcmp(got.ids[got.n - 1], w2.ids[w2.n - 1]) == 0);
    }
    tc_textset_free(&got), tc_textset_free(&w1), tc_textset_free(&w2);
    unlink(a), unlink(b), rmdir(dir);

    /* the id column may be the text column */
    rc = tc_read_texts(DIR "zstd.parquet", TC_FMT_AUTO, "label", "label", NULL, &got);
    CHECK_MSG(rc == 0, "%s", tc_last_error());
    size_t same = 0;
    for (size_t i = 0; rc == 0 && got.ids && i < got.n; i++) same += got.ids[i] && !strcmp(got.ids[i], got.texts[i]);
    CHECK(rc == 0 && got.n > 0 && same == got.n);
    tc_textset_free(&got);

    /* a missing column names the columns there are */
    rc = tc_read_texts(DIR "snappy.parquet", TC_FMT_AUTO, "content", NULL, NULL, &got);
    CHECK(rc == TC_ENOTFOUND);
    CHECK_MSG(strstr(tc_last_error(), "no column \"content\"; columns: id, text, label"), "%s", tc_last_error());

    /* DuckDB's file, damaged: every message names the file and the place */
    char *data;
    size_t len;
    CHECK(tc_read_file(DIR "snappy.parquet", &data, &len) == 0);
    check_fails(data, len / 2, "truncated", "no PAR1 magic at the end");
    data[0] = 'X';
    check_fails(data, len, "bad magic", "no PAR1 magic at the start");
    data[0] = 'P';
    memset(data + len - 8 - 200, 0xee, 150); /* the footer's row group part */
    check_fails(data, len, "footer garbage", "hand.parquet: ");
    free(data);
    CHECK(tc_read_file(DIR "snappy.parquet", &data, &len) == 0);
    memset(data + 4 + 40, 0x55, 64); /* inside the first page's snappy data */
    tc_textset t;
    rc = read_mem(data, len, NULL, &t);
    if (rc == 0) tc_textset_free(&t);
    else CHECK_MSG(strstr(tc_last_error(), "row group 0, column \"text\": "), "%s", tc_last_error());
    free(data);

    hand_built();
    return check_report("test_parquet");
}
