/* parquet_write.c - a streaming Parquet writer: flat INT64, FLOAT, DOUBLE
 * and UTF-8 string columns, and lists of strings or doubles in the
 * three-level form pyarrow writes (<name> (LIST) { repeated group list {
 * optional <type> element } }), so pandas and datasets read them as lists.
 * Data pages v1, PLAIN values, RLE/bit-packed levels, ZSTD, SNAPPY or no
 * compression; the footer is FileMetaData in the Thrift compact protocol
 * (parquet.thrift; the reader in parquet.c decodes the same fields).
 *
 * Memory: rows are buffered per column (one open page, then the row
 * group's compressed pages) and a row group is written once it holds
 * row_group_bytes. When one row alone passes that bound (a list of every
 * text of a cluster), the columns before the one being filled are written
 * out at once and that column's pages go straight to the file, so even
 * such a row needs no more than a page or two of memory; the row group
 * then ends with that row. */
#include "io/io.h"
#include "io/parquet_format.h"
#include "util/util.h"

#include <errno.h>
#include <snappy-c.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define PW_ROW_GROUP_BYTES (64u << 20)
#define PW_ROW_GROUP_ROWS (1u << 20)
#define PW_PAGE_BYTES (1u << 20)
#define PW_PAGE_LEVELS (1u << 20)     /* levels in one page */
#define PW_MAX_VALUE (1u << 30)       /* one string; page sizes are int32 */

/* ---------------------------------------------------------------- Thrift compact encoding */

typedef struct {
    tc_sb *b;
    int last[16]; /* the last field id of each open struct */
    int depth;
} tw;

static void tw_byte(tw *t, unsigned v) {
    char c = (char)v;
    tc_sb_append(t->b, &c, 1);
}

static void tw_varint(tw *t, uint64_t v) {
    char s[10];
    size_t n = 0;
    while (v >= 0x80) s[n++] = (char)(v | 0x80), v >>= 7;
    s[n++] = (char)v;
    tc_sb_append(t->b, s, n);
}

static void tw_zz(tw *t, int64_t v) { tw_varint(t, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); }

static void tw_field(tw *t, int id, int type) {
    int delta = id - t->last[t->depth];
    if (delta > 0 && delta <= 15) tw_byte(t, (unsigned)(delta << 4 | type));
    else tw_byte(t, (unsigned)type), tw_zz(t, id);
    t->last[t->depth] = id;
}

static void tw_i32(tw *t, int id, int64_t v) { tw_field(t, id, TH_I32), tw_zz(t, v); }
static void tw_i64(tw *t, int id, int64_t v) { tw_field(t, id, TH_I64), tw_zz(t, v); }

static void tw_bin(tw *t, const char *s) {
    size_t n = strlen(s);
    tw_varint(t, n);
    tc_sb_append(t->b, s, n);
}

static void tw_str(tw *t, int id, const char *s) { tw_field(t, id, TH_BINARY), tw_bin(t, s); }

static void tw_list(tw *t, int etype, size_t n) {
    if (n < 15) tw_byte(t, (unsigned)(n << 4 | (size_t)etype));
    else tw_byte(t, (unsigned)(0xf0 | etype)), tw_varint(t, n);
}

/* A struct: as field id (inside a struct) or as a list element (id 0). */
static void tw_begin(tw *t, int id) {
    if (id) tw_field(t, id, TH_STRUCT);
    t->last[++t->depth] = 0;
}

static void tw_end(tw *t) {
    tw_byte(t, 0);
    t->depth--;
}

/* ---------------------------------------------------------------- state */

typedef struct {
    int64_t offset, values, unc, comp;  /* data_page_offset, num_values, total sizes */
} pw_chunk_meta;

typedef struct {
    char *name;
    int type, optional, list, phys;
    int max_def, max_rep;
    tc_sb vals;             /* the open page's PLAIN values */
    uint8_t *def, *rep;     /* (n_lev) the open page's levels */
    size_t n_lev, cap_lev;
    tc_sb chunk;            /* the row group's finished pages (headers included) */
    pw_chunk_meta m;        /* of the chunk so far; offset -1 until it is in the file */
} pw_col;

struct tc_parquet_writer {
    tc_atomic a;
    char *path;
    pw_col *col;            /* (n_cols) */
    size_t n_cols;
    tc_parquet_writer_opts o;
    uint64_t off;           /* bytes in the file so far */
    size_t cur;             /* the column the next value goes to */
    int in_list;            /* a list of column cur is open */
    size_t list_n;          /* its elements so far */
    int64_t rows, total_rows;
    size_t buffered;        /* bytes held for the row group */
    size_t peak;            /* the most it held */
    int stream;             /* the column whose pages go straight to the file, or -1 */
    size_t written;         /* columns [0, written) of the row group are in the file */
    pw_chunk_meta *meta;    /* (n_groups, n_cols) */
    int64_t *group_rows;    /* (n_groups) */
    size_t n_groups, cap_groups;
    tc_sb page, comp;       /* page assembly and compression scratch */
    ZSTD_CCtx *zc;
    int err;                /* sticky: once set, every call returns it */
};

static int pw_fail(tc_parquet_writer *w, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int pw_fail(tc_parquet_writer *w, int code, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!w->err) w->err = tc_error(code, "%s: %s", w->path, msg);
    return w->err;
}

static int pw_oom(tc_parquet_writer *w) { return pw_fail(w, TC_ENOMEM, "out of memory"); }

static int pw_write(tc_parquet_writer *w, const void *p, size_t n) {
    if (n && fwrite(p, 1, n, w->a.f) != n) return pw_fail(w, TC_EIO, "write failed: %s", strerror(errno));
    w->off += n;
    return 0;
}

/* ---------------------------------------------------------------- levels */

/* The RLE / bit-packed hybrid encoding of n levels of bit width bw (1 or
 * 2): runs of 8 or more equal values as RLE runs, the rest bit-packed in
 * groups of 8 (the last group padded with zeros, which the reader drops
 * as it knows the count). */
static void rle_flush_packed(tc_sb *out, const uint8_t *v, size_t start, size_t groups, size_t n, int bw) {
    if (!groups) return;
    tw t = {out, {0}, 0};
    tw_varint(&t, groups << 1 | 1);
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = start; i < start + groups * 8; i++) {
        acc |= (uint32_t)(i < n ? v[i] : 0) << bits;
        bits += bw;
        while (bits >= 8) {
            tw_byte(&t, acc & 0xff);
            acc >>= 8, bits -= 8;
        }
    }
}

static void rle_encode(tc_sb *out, const uint8_t *v, size_t n, int bw) {
    size_t i = 0, start = 0, groups = 0;
    tw t = {out, {0}, 0};
    while (i < n) {
        size_t run = 1;
        while (i + run < n && v[i + run] == v[i]) run++;
        if (run >= 8) {
            rle_flush_packed(out, v, start, groups, n, bw);
            groups = 0;
            tw_varint(&t, (uint64_t)run << 1);
            tw_byte(&t, v[i]);
            i += run;
            continue;
        }
        if (!groups) start = i;
        groups++, i += 8;
        if (groups == 63) rle_flush_packed(out, v, start, groups, n, bw), groups = 0;
    }
    rle_flush_packed(out, v, start, groups, n, bw);
}

static int bit_width(int max) { return max <= 1 ? 1 : max <= 3 ? 2 : max <= 7 ? 3 : 4; }

/* Levels as a data page v1 holds them: a 4-byte length, then the runs. */
static void put_levels(tc_sb *page, const uint8_t *v, size_t n, int max) {
    size_t at = page->len;
    char len[4] = {0};
    tc_sb_append(page, len, 4);
    rle_encode(page, v, n, bit_width(max));
    if (page->oom) return;
    uint32_t l = (uint32_t)(page->len - at - 4);
    for (int b = 0; b < 4; b++) page->s[at + (size_t)b] = (char)(l >> (8 * b));
}

/* ---------------------------------------------------------------- pages and chunks */

static size_t col_held(const pw_col *c) { return c->vals.len + 2 * c->n_lev + c->chunk.len; }

/* Compresses src into w->comp; returns its length, or -1 (error set). */
static long compress_page(tc_parquet_writer *w, const char *src, size_t n) {
    w->comp.len = 0;
    size_t cap;
    if (w->o.codec == TC_PQ_ZSTD) cap = ZSTD_compressBound(n);
    else if (w->o.codec == TC_PQ_SNAPPY) cap = snappy_max_compressed_length(n);
    else cap = n;
    if (w->comp.cap < cap + 1) {
        char *p = realloc(w->comp.s, cap + 1);
        if (!p) return pw_oom(w), -1;
        w->comp.s = p, w->comp.cap = cap + 1;
    }
    if (w->o.codec == TC_PQ_ZSTD) {
        size_t got = ZSTD_compressCCtx(w->zc, w->comp.s, cap, src, n, w->o.zstd_level);
        if (ZSTD_isError(got)) return pw_fail(w, TC_EIO, "zstd: %s", ZSTD_getErrorName(got)), -1;
        return (long)got;
    }
    if (w->o.codec == TC_PQ_SNAPPY) {
        size_t got = cap;
        if (snappy_compress(src, n, w->comp.s, &got) != SNAPPY_OK)
            return pw_fail(w, TC_EIO, "snappy compression failed"), -1;
        return (long)got;
    }
    memcpy(w->comp.s, src, n);
    return (long)n;
}

/* Ends column k's open page: into its chunk buffer, or into the file when
 * the column streams. */
static int page_flush(tc_parquet_writer *w, size_t k) {
    pw_col *c = &w->col[k];
    if (!c->n_lev || w->err) return w->err;
    size_t before = col_held(c);
    tc_sb *pg = &w->page;
    pg->len = 0;
    if (c->max_rep) put_levels(pg, c->rep, c->n_lev, c->max_rep);
    if (c->max_def) put_levels(pg, c->def, c->n_lev, c->max_def);
    tc_sb_append(pg, c->vals.s ? c->vals.s : "", c->vals.len);
    if (pg->oom) return pw_oom(w);
    if (pg->len > INT32_MAX) return pw_fail(w, TC_EINVAL, "column \"%s\": a page of %zu bytes", c->name, pg->len);
    long clen = compress_page(w, pg->s, pg->len);
    if (clen < 0) return w->err;
    if ((unsigned long)clen > INT32_MAX)
        return pw_fail(w, TC_EINVAL, "column \"%s\": a page of %ld bytes", c->name, clen);
    tc_sb hdr = {0};
    tw t = {&hdr, {0}, 0};
    tw_begin(&t, 0);
    tw_i32(&t, 1, PQ_PAGE_DATA);
    tw_i32(&t, 2, (int64_t)pg->len);
    tw_i32(&t, 3, clen);
    tw_begin(&t, 5); /* DataPageHeader */
    tw_i32(&t, 1, (int64_t)c->n_lev);
    tw_i32(&t, 2, PQ_ENC_PLAIN);
    tw_i32(&t, 3, PQ_ENC_RLE);
    tw_i32(&t, 4, PQ_ENC_RLE);
    tw_end(&t);
    tw_end(&t);
    if (hdr.oom) { tc_sb_free(&hdr); return pw_oom(w); }
    if (w->stream == (int)k) {
        if (c->m.offset < 0) c->m.offset = (int64_t)w->off;
        pw_write(w, hdr.s, hdr.len);
        pw_write(w, w->comp.s, (size_t)clen);
    } else {
        tc_sb_append(&c->chunk, hdr.s, hdr.len);
        tc_sb_append(&c->chunk, w->comp.s, (size_t)clen);
        if (c->chunk.oom) pw_oom(w);
    }
    c->m.values += (int64_t)c->n_lev;
    c->m.unc += (int64_t)(hdr.len + pg->len);
    c->m.comp += (int64_t)hdr.len + clen;
    tc_sb_free(&hdr);
    c->vals.len = 0, c->n_lev = 0;
    w->buffered = w->buffered - before + col_held(c);
    return w->err;
}

/* Writes column k's buffered chunk to the file (it streams from here on). */
static int chunk_out(tc_parquet_writer *w, size_t k) {
    pw_col *c = &w->col[k];
    if (c->m.offset < 0) c->m.offset = (int64_t)w->off;
    size_t held = c->chunk.len;
    pw_write(w, c->chunk.s, c->chunk.len);
    c->chunk.len = 0;
    w->buffered -= held;
    return w->err;
}

/* Column k holds every value of the row group: out to the file, its
 * metadata kept for the footer. */
static int grow_groups(tc_parquet_writer *w);

static int chunk_finish(tc_parquet_writer *w, size_t k) {
    if (grow_groups(w) || page_flush(w, k) || chunk_out(w, k)) return w->err;
    pw_col *c = &w->col[k];
    w->meta[w->n_groups * w->n_cols + k] = c->m;
    c->m = (pw_chunk_meta){-1, 0, 0, 0};
    return 0;
}

/* From column k on, pages go to the file: the columns before it are
 * complete for the row group, which ends with the current row. */
static int stream_from(tc_parquet_writer *w, size_t k) {
    for (size_t j = w->written; j < k; j++)
        if (chunk_finish(w, j)) return w->err;
    w->written = k;
    w->stream = (int)k;
    return chunk_out(w, k);
}

static int grow_groups(tc_parquet_writer *w) {
    if (w->n_groups < w->cap_groups) return 0;
    size_t cap = w->cap_groups ? 2 * w->cap_groups : 16;
    pw_chunk_meta *m = realloc(w->meta, cap * w->n_cols * sizeof *m);
    if (!m) return pw_oom(w);
    w->meta = m;
    int64_t *r = realloc(w->group_rows, cap * sizeof *r);
    if (!r) return pw_oom(w);
    w->group_rows = r, w->cap_groups = cap;
    return 0;
}

static int group_flush(tc_parquet_writer *w) {
    if (!w->rows || w->err) return w->err;
    for (size_t j = w->written; j < w->n_cols; j++)
        if (chunk_finish(w, j)) return w->err;
    w->group_rows[w->n_groups++] = w->rows;
    w->total_rows += w->rows;
    w->rows = 0, w->written = 0, w->stream = -1, w->buffered = 0;
    return 0;
}

/* ---------------------------------------------------------------- values */

static int add_level(tc_parquet_writer *w, pw_col *c, int def, int rep) {
    if (c->n_lev == c->cap_lev) {
        size_t cap = c->cap_lev ? 2 * c->cap_lev : 1024;
        uint8_t *d = realloc(c->def, cap), *r = d ? realloc(c->rep, cap) : NULL;
        if (d) c->def = d;
        if (!r) return pw_oom(w);
        c->rep = r, c->cap_lev = cap;
    }
    c->def[c->n_lev] = (uint8_t)def, c->rep[c->n_lev] = (uint8_t)rep;
    c->n_lev++;
    w->buffered += 2;
    return 0;
}

/* Cuts the open page before a value of `need` bytes: at a row's start once
 * it holds page_bytes, inside a list (a row spanning pages, which v1 pages
 * allow) only at twice that, so small lists stay within one page. */
static int maybe_cut(tc_parquet_writer *w, size_t need, int in_row) {
    pw_col *c = &w->col[w->cur];
    size_t limit = in_row ? 2 * w->o.page_bytes : w->o.page_bytes;
    size_t lev = in_row ? 2 * PW_PAGE_LEVELS : PW_PAGE_LEVELS;
    if (c->n_lev && (c->vals.len + need > limit || c->n_lev >= lev)) return page_flush(w, w->cur);
    return 0;
}

/* After a value: when the row group passes its bound in the middle of a
 * row, the column being filled starts streaming. */
static int check_bound(tc_parquet_writer *w) {
    if (w->buffered > w->peak) w->peak = w->buffered;
    if (w->buffered >= w->o.row_group_bytes && w->cur < w->n_cols && (int)w->cur > w->stream)
        return stream_from(w, w->cur);
    return w->err;
}

/* The column the next value goes to, checked against the value's kind:
 * 0 a flat value, 1 a list element, 2 a null. */
static pw_col *next_col(tc_parquet_writer *w, int phys, const char *what) {
    if (w->err) return NULL;
    if (w->cur >= w->n_cols) {
        pw_fail(w, TC_EINVAL, "%s after the last column of the row (tc_parquet_writer_row_end missing)", what);
        return NULL;
    }
    pw_col *c = &w->col[w->cur];
    if (phys >= 0 && (c->phys != phys || c->list != w->in_list)) {
        pw_fail(w, TC_EINVAL, "column \"%s\": a %s does not fit its type%s", c->name, what,
                c->list && !w->in_list ? " (a list column takes tc_parquet_writer_list_begin)" : "");
        return NULL;
    }
    return c;
}

static int put_value(tc_parquet_writer *w, int phys, const char *what, const void *p, size_t n,
                     int with_len) {
    pw_col *c = next_col(w, phys, what);
    if (!c) return w->err;
    if (n > PW_MAX_VALUE) return pw_fail(w, TC_EINVAL, "column \"%s\": a value of %zu bytes (at most %u)", c->name, n, PW_MAX_VALUE);
    if (maybe_cut(w, n + 4, w->in_list && w->list_n > 0)) return w->err;
    int rep = w->in_list && w->list_n > 0;
    if (add_level(w, c, c->max_def, rep)) return w->err;
    if (with_len) {
        char len[4];
        for (int b = 0; b < 4; b++) len[b] = (char)(n >> (8 * b));
        tc_sb_append(&c->vals, len, 4);
    }
    tc_sb_append(&c->vals, p, n);
    if (c->vals.oom) return pw_oom(w);
    w->buffered += n + (with_len ? 4 : 0);
    if (w->in_list) w->list_n++;
    else w->cur++;
    return check_bound(w);
}

int tc_parquet_writer_int64(tc_parquet_writer *w, int64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)v >> (8 * i));
    return put_value(w, PQ_INT64, "INT64 value", b, 8, 0);
}

int tc_parquet_writer_float(tc_parquet_writer *w, float v) {
    uint32_t u;
    memcpy(&u, &v, 4);
    unsigned char b[4];
    for (int i = 0; i < 4; i++) b[i] = (unsigned char)(u >> (8 * i));
    return put_value(w, PQ_FLOAT, "FLOAT value", b, 4, 0);
}

int tc_parquet_writer_double(tc_parquet_writer *w, double v) {
    uint64_t u;
    memcpy(&u, &v, 8);
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(u >> (8 * i));
    return put_value(w, PQ_DOUBLE, "DOUBLE value", b, 8, 0);
}

int tc_parquet_writer_string(tc_parquet_writer *w, const char *s, size_t len) {
    if (!s) return tc_parquet_writer_null(w);
    return put_value(w, PQ_BYTE_ARRAY, "string", s, len, 1);
}

int tc_parquet_writer_null(tc_parquet_writer *w) {
    pw_col *c = next_col(w, -1, "null");
    if (!c) return w->err;
    if (w->in_list) { /* a null element */
        if (maybe_cut(w, 0, w->list_n > 0)) return w->err;
        if (add_level(w, c, c->max_def - 1, w->list_n > 0)) return w->err;
        w->list_n++;
        return check_bound(w);
    }
    if (!c->optional) return pw_fail(w, TC_EINVAL, "column \"%s\" is required: no nulls", c->name);
    if (maybe_cut(w, 0, 0) || add_level(w, c, 0, 0)) return w->err;
    w->cur++;
    return check_bound(w);
}

int tc_parquet_writer_list_begin(tc_parquet_writer *w) {
    pw_col *c = next_col(w, -1, "list");
    if (!c) return w->err;
    if (!c->list || w->in_list) return pw_fail(w, TC_EINVAL, "column \"%s\": a list does not fit here", c->name);
    if (maybe_cut(w, 0, 0)) return w->err;
    w->in_list = 1, w->list_n = 0;
    return 0;
}

int tc_parquet_writer_list_end(tc_parquet_writer *w) {
    if (w->err) return w->err;
    if (!w->in_list) return pw_fail(w, TC_EINVAL, "tc_parquet_writer_list_end without a list");
    pw_col *c = &w->col[w->cur];
    /* an empty list: one level, defined down to the repeated group's parent */
    if (!w->list_n && add_level(w, c, c->max_def - 2, 0)) return w->err;
    w->in_list = 0;
    w->cur++;
    return check_bound(w);
}

int tc_parquet_writer_row_end(tc_parquet_writer *w) {
    if (w->err) return w->err;
    if (w->cur != w->n_cols || w->in_list)
        return pw_fail(w, TC_EINVAL, "row ended after %zu of %zu columns", w->cur, w->n_cols);
    w->cur = 0;
    w->rows++;
    if (w->stream >= 0 || w->buffered >= w->o.row_group_bytes || (uint64_t)w->rows >= w->o.row_group_rows)
        return group_flush(w);
    return 0;
}

size_t tc_parquet_writer_peak_bytes(const tc_parquet_writer *w) { return w->peak; }

/* ---------------------------------------------------------------- open, footer, close */

tc_parquet_writer_opts tc_parquet_writer_default_opts(void) {
    tc_parquet_writer_opts o = {TC_PQ_ZSTD, 0, 0, 0, 0};
    return o;
}

int tc_parquet_writer_open(const char *path, const tc_parquet_column *cols, size_t n_cols,
                           const tc_parquet_writer_opts *opts, tc_parquet_writer **out) {
    *out = NULL;
    if (!path || !cols || !n_cols || n_cols > 4096)
        return tc_error(TC_EINVAL, "%s: a Parquet file of %zu columns", path ? path : "(null)", n_cols);
    tc_parquet_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = tc_strdup(path)) || !(w->col = calloc(n_cols, sizeof *w->col))) {
        if (w) free(w->path);
        free(w);
        return tc_error(TC_ENOMEM, "%s: out of memory", path);
    }
    w->n_cols = n_cols;
    w->stream = -1;
    w->o = opts ? *opts : tc_parquet_writer_default_opts();
    if (!w->o.zstd_level) w->o.zstd_level = 3;
    if (!w->o.row_group_bytes) w->o.row_group_bytes = PW_ROW_GROUP_BYTES;
    if (!w->o.row_group_rows) w->o.row_group_rows = PW_ROW_GROUP_ROWS;
    if (!w->o.page_bytes) w->o.page_bytes = PW_PAGE_BYTES;
    int rc = 0;
    if (w->o.codec != TC_PQ_ZSTD && w->o.codec != TC_PQ_SNAPPY && w->o.codec != TC_PQ_UNCOMPRESSED)
        rc = tc_error(TC_EINVAL, "%s: unknown codec %d", path, w->o.codec);
    for (size_t k = 0; !rc && k < n_cols; k++) {
        pw_col *c = &w->col[k];
        const tc_parquet_column *d = &cols[k];
        c->m.offset = -1;
        c->type = d->type, c->optional = d->optional != 0;
        c->list = d->type == TC_PQ_LIST_STRING || d->type == TC_PQ_LIST_DOUBLE;
        switch (d->type) {
        case TC_PQ_INT64: c->phys = PQ_INT64; break;
        case TC_PQ_FLOAT: c->phys = PQ_FLOAT; break;
        case TC_PQ_DOUBLE: case TC_PQ_LIST_DOUBLE: c->phys = PQ_DOUBLE; break;
        case TC_PQ_STRING: case TC_PQ_LIST_STRING: c->phys = PQ_BYTE_ARRAY; break;
        default: rc = tc_error(TC_EINVAL, "%s: column %zu: unknown type %d", path, k, d->type);
        }
        /* a list: optional list, repeated group, optional element */
        c->max_def = c->optional + (c->list ? 2 : 0);
        c->max_rep = c->list;
        if (!rc && (!d->name || !*d->name))
            rc = tc_error(TC_EINVAL, "%s: column %zu has no name", path, k);
        if (!rc && !(c->name = tc_strdup(d->name))) rc = tc_error(TC_ENOMEM, "%s: out of memory", path);
    }
    if (!rc && w->o.codec == TC_PQ_ZSTD && !(w->zc = ZSTD_createCCtx()))
        rc = tc_error(TC_ENOMEM, "%s: out of memory", path);
    if (!rc) rc = tc_atomic_open(&w->a, path);
    if (!rc && (pw_write(w, "PAR1", 4), w->err)) rc = w->err;
    if (rc) {
        tc_parquet_writer_abort(w);
        return rc;
    }
    *out = w;
    return 0;
}

static void schema_leaf(tw *t, const pw_col *c, const char *name, int rep) {
    tw_begin(t, 0);
    tw_i32(t, 1, c->phys);
    tw_i32(t, 3, rep);
    tw_str(t, 4, name);
    if (c->phys == PQ_BYTE_ARRAY) {
        tw_i32(t, 6, PQ_CT_UTF8);
        tw_begin(t, 10);
        tw_begin(t, PQ_LT_STRING), tw_end(t);
        tw_end(t);
    }
    tw_end(t);
}

static void footer(tc_parquet_writer *w, tc_sb *b) {
    tw t = {b, {0}, 0};
    size_t n_elem = 1;
    for (size_t k = 0; k < w->n_cols; k++) n_elem += w->col[k].list ? 3 : 1;
    tw_begin(&t, 0);
    tw_i32(&t, 1, 2);
    tw_field(&t, 2, TH_LIST);
    tw_list(&t, TH_STRUCT, n_elem);
    tw_begin(&t, 0); /* the root: no type, no repetition */
    tw_str(&t, 4, "schema");
    tw_i32(&t, 5, (int64_t)w->n_cols);
    tw_end(&t);
    for (size_t k = 0; k < w->n_cols; k++) {
        const pw_col *c = &w->col[k];
        int rep = c->optional ? PQ_OPTIONAL : PQ_REQUIRED;
        if (!c->list) { schema_leaf(&t, c, c->name, rep); continue; }
        tw_begin(&t, 0);
        tw_i32(&t, 3, rep);
        tw_str(&t, 4, c->name);
        tw_i32(&t, 5, 1);
        tw_i32(&t, 6, PQ_CT_LIST);
        tw_begin(&t, 10);
        tw_begin(&t, PQ_LT_LIST), tw_end(&t);
        tw_end(&t);
        tw_end(&t);
        tw_begin(&t, 0);
        tw_i32(&t, 3, PQ_REPEATED);
        tw_str(&t, 4, "list");
        tw_i32(&t, 5, 1);
        tw_end(&t);
        schema_leaf(&t, c, "element", PQ_OPTIONAL);
    }
    tw_i64(&t, 3, w->total_rows);
    tw_field(&t, 4, TH_LIST);
    tw_list(&t, TH_STRUCT, w->n_groups);
    int codec = w->o.codec == TC_PQ_ZSTD ? PQ_CODEC_ZSTD : w->o.codec == TC_PQ_SNAPPY ? PQ_CODEC_SNAPPY
                                                                                     : PQ_CODEC_UNCOMPRESSED;
    for (size_t g = 0; g < w->n_groups; g++) {
        const pw_chunk_meta *m = &w->meta[g * w->n_cols];
        int64_t unc = 0, comp = 0;
        tw_begin(&t, 0);
        tw_field(&t, 1, TH_LIST);
        tw_list(&t, TH_STRUCT, w->n_cols);
        for (size_t k = 0; k < w->n_cols; k++) {
            const pw_col *c = &w->col[k];
            unc += m[k].unc, comp += m[k].comp;
            tw_begin(&t, 0);
            tw_i64(&t, 2, m[k].offset);
            tw_begin(&t, 3);
            tw_i32(&t, 1, c->phys);
            tw_field(&t, 2, TH_LIST);
            if (c->max_def || c->max_rep) {
                tw_list(&t, TH_I32, 2);
                tw_zz(&t, PQ_ENC_PLAIN), tw_zz(&t, PQ_ENC_RLE);
            } else {
                tw_list(&t, TH_I32, 1);
                tw_zz(&t, PQ_ENC_PLAIN);
            }
            tw_field(&t, 3, TH_LIST);
            tw_list(&t, TH_BINARY, c->list ? 3 : 1);
            tw_bin(&t, c->name);
            if (c->list) tw_bin(&t, "list"), tw_bin(&t, "element");
            tw_i32(&t, 4, codec);
            tw_i64(&t, 5, m[k].values);
            tw_i64(&t, 6, m[k].unc);
            tw_i64(&t, 7, m[k].comp);
            tw_i64(&t, 9, m[k].offset);
            tw_end(&t);
            tw_end(&t);
        }
        tw_i64(&t, 2, unc);
        tw_i64(&t, 3, w->group_rows[g]);
        tw_i64(&t, 5, m[0].offset);
        tw_i64(&t, 6, comp);
        tw_field(&t, 7, TH_I16), tw_zz(&t, (int64_t)(g < 32767 ? g : 32767));
        tw_end(&t);
    }
    tw_str(&t, 6, "textclust " TC_VERSION);
    tw_end(&t);
}

int tc_parquet_writer_close(tc_parquet_writer *w) {
    if (!w) return 0;
    int rc = w->err;
    if (!rc && (w->cur || w->in_list))
        rc = pw_fail(w, TC_EINVAL, "closed in the middle of a row (column %zu of %zu)", w->cur, w->n_cols);
    if (!rc) rc = group_flush(w);
    tc_sb f = {0};
    if (!rc) {
        footer(w, &f);
        if (f.oom || f.len > UINT32_MAX) rc = pw_oom(w);
    }
    if (!rc) {
        unsigned char tail[8] = {0, 0, 0, 0, 'P', 'A', 'R', '1'};
        for (int b = 0; b < 4; b++) tail[b] = (unsigned char)(f.len >> (8 * b));
        pw_write(w, f.s, f.len);
        rc = pw_write(w, tail, 8);
    }
    tc_sb_free(&f);
    if (!rc) {
        rc = tc_atomic_commit(&w->a);
        memset(&w->a, 0, sizeof w->a);
    }
    tc_parquet_writer_abort(w);
    return rc;
}

void tc_parquet_writer_abort(tc_parquet_writer *w) {
    if (!w) return;
    if (w->a.f) tc_atomic_abort(&w->a);
    for (size_t k = 0; w->col && k < w->n_cols; k++) {
        pw_col *c = &w->col[k];
        free(c->name), free(c->def), free(c->rep);
        tc_sb_free(&c->vals), tc_sb_free(&c->chunk);
    }
    free(w->col);
    free(w->meta), free(w->group_rows);
    tc_sb_free(&w->page), tc_sb_free(&w->comp);
    ZSTD_freeCCtx(w->zc);
    free(w->path);
    free(w);
}
