/* parquet.c - reads one text column (and an optional id column) of a
 * Parquet file: the footer's FileMetaData (Thrift compact protocol, decoded
 * here with a bounded depth, unknown fields skipped), then, one row group
 * at a time, only those column chunks: pages v1 and v2, dictionary pages,
 * PLAIN, PLAIN/RLE_DICTIONARY, DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY
 * values, codecs UNCOMPRESSED, SNAPPY, GZIP and ZSTD. A file may come from
 * anyone: every length and offset is checked against the file size and
 * the caps below before anything is allocated. */
#include "io/parquet.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define PQ_MAX_DEPTH 16               /* Thrift nesting */
/* Threads decoding row groups ahead of the reader, and the row groups in
 * memory (theirs and the one being read). Two decoders read a column faster
 * than anything downstream (the encoder) consumes it; more would only hold
 * more row groups in memory. */
#define PQ_WORKERS 2
#define PQ_SLOTS (PQ_WORKERS + 1)
#define PQ_MAX_FOOTER (64u << 20)     /* FileMetaData bytes */
#define PQ_MAX_PAGE (256u << 20)      /* one page, decompressed */
#define PQ_MAX_ROWS (1u << 24)        /* rows in one row group */
#define PQ_MAX_CHUNK (1ull << 30)     /* one column chunk's decoded bytes */
#define PQ_MAX_SCHEMA (1u << 16)      /* schema elements */
#define PQ_MAX_GROUPS (1u << 20)      /* row groups */

enum { T_BOOL = 0, T_INT32 = 1, T_INT64 = 2, T_BYTES = 6 };

/* ---------------------------------------------------------------- Thrift compact */

typedef struct {
    const uint8_t *p, *e;
    int bad, depth;
} th;

static uint64_t th_varint(th *t) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (t->p >= t->e) break;
        uint8_t b = *t->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
    }
    t->bad = 1;
    return 0;
}

static int64_t th_zz(th *t) {
    uint64_t v = th_varint(t);
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* The next field header of a struct: 1 with the field id and type, 0 at
 * its end. */
static int th_field(th *t, int *last, int *fid, int *type) {
    if (t->bad || t->p >= t->e) return t->bad = 1, 0;
    uint8_t b = *t->p++;
    if (b == 0) return 0;
    *type = b & 15;
    *fid = (b >> 4) ? *last + (b >> 4) : (int)th_zz(t);
    *last = *fid;
    return !t->bad;
}

/* A list or set header: the element count (checked against the bytes
 * left, as every element takes one byte at least) and type. */
static size_t th_list(th *t, int *etype) {
    if (t->p >= t->e) return t->bad = 1, 0;
    uint8_t b = *t->p++;
    *etype = b & 15;
    uint64_t n = b >> 4;
    if (n == 15) n = th_varint(t);
    if (n > (uint64_t)(t->e - t->p)) return t->bad = 1, 0;
    return (size_t)n;
}

static void th_binary(th *t, const uint8_t **s, size_t *n) {
    uint64_t len = th_varint(t);
    if (t->bad || len > (uint64_t)(t->e - t->p)) { t->bad = 1, *s = NULL, *n = 0; return; }
    *s = t->p, *n = (size_t)len;
    t->p += len;
}

static void th_skip(th *t, int type) {
    if (t->bad) return;
    if (++t->depth > PQ_MAX_DEPTH) { t->bad = 1; return; }
    const uint8_t *s;
    size_t n;
    int et, last = 0, fid, ty;
    switch (type) {
    case 1: case 2: break;
    case 3: if (t->p < t->e) t->p++; else t->bad = 1; break;
    case 4: case 5: case 6: th_varint(t); break;
    case 7: if (t->e - t->p >= 8) t->p += 8; else t->bad = 1; break;
    case 8: th_binary(t, &s, &n); break;
    case 9: case 10:
        n = th_list(t, &et);
        for (size_t i = 0; i < n && !t->bad; i++) th_skip(t, et == 1 || et == 2 ? 3 : et);
        break;
    case 11: {
        uint64_t m = th_varint(t);
        if (m == 0) break;
        if (t->bad || m > (uint64_t)(t->e - t->p) || t->p >= t->e) { t->bad = 1; break; }
        uint8_t kv = *t->p++;
        int kt = kv >> 4, vt = kv & 15;
        for (uint64_t i = 0; i < m && !t->bad; i++) {
            th_skip(t, kt == 1 || kt == 2 ? 3 : kt);
            th_skip(t, vt == 1 || vt == 2 ? 3 : vt);
        }
        break;
    }
    case 12:
        while (th_field(t, &last, &fid, &ty)) th_skip(t, ty);
        break;
    default: t->bad = 1;
    }
    t->depth--;
}

/* An integer field of any integer type; anything else is skipped and
 * marks the input bad. */
static int64_t th_int(th *t, int type) {
    if (type == 3) {
        if (t->p >= t->e) return t->bad = 1, 0;
        return (int8_t)*t->p++;
    }
    if (type >= 4 && type <= 6) return th_zz(t);
    th_skip(t, type);
    t->bad = 1;
    return 0;
}

/* ---------------------------------------------------------------- the reader */

typedef struct {
    int type, codec;
    int64_t num_values, data_off, dict_off, size;
} pq_chunk;

typedef struct {
    int64_t num_rows;
    pq_chunk col[2]; /* text, id */
} pq_group;

typedef struct { /* one value of a decoded column chunk, when it is not read in place */
    uint64_t off;
    uint32_t len;
    uint8_t kind; /* 1 in the values' bytes, 2 in the dictionary's, 3 in the pages' */
} pq_val;

/* One data page's rows. A PLAIN string page keeps no index: the reader
 * walks its length prefixes in place as it hands the strings out (one pass
 * over the page, and the bytes it hands out are the ones it just read);
 * other pages put their values in the column's index. */
typedef struct {
    uint64_t at, end;       /* plain: the value bytes [at, end) in pages; else the first index in v */
    uint64_t def;           /* where the rows' definition levels start in def, or PQ_NO_DEF: none null */
    uint32_t rows;
    uint8_t plain;
} pq_seg;

#define PQ_NO_DEF UINT64_MAX

/* A buffer kept from one row group to the next (big ones on huge pages). */
typedef struct {
    uint8_t *b;
    size_t len, cap;
} pq_buf;

typedef struct {
    tc_sb bytes, dict;      /* value bytes; dictionary bytes */
    pq_buf pages;           /* the data pages, decompressed: strings are read in place */
    pq_val *v;              /* (n) the values of pages that are not PLAIN strings */
    size_t n, cap;
    pq_seg *seg;            /* (nseg) one per data page, in row order */
    size_t nseg, segcap;
    uint8_t *def;           /* (ndef) a byte per row of the pages with nulls: 0 null */
    size_t ndef, defcap;
    uint64_t *doff;         /* (nd) dictionary entries: offset and length */
    uint32_t *dlen;
    size_t nd;
    int has_dict;
    /* the reader's place: segment, row in it, byte (plain) or index; bytes prefetched to */
    size_t cs, crow;
    uint64_t cpos, pf;
} pq_col;

/* One row group decoded: its columns and the buffers they came through,
 * kept from one row group to the next (fresh ones cost a page fault per
 * 4 KiB). A reader has PQ_SLOTS: the caller reads one while workers decode
 * the next ones. */
typedef struct pq_slot {
    struct tc_parquet *p;
    pq_col col[2];
    pq_buf chunk, page;     /* a column chunk as read; a dictionary page decompressed */
    uint32_t *lvl;          /* (lvl_cap) levels or dictionary indices of one page */
    size_t lvl_cap;
    ZSTD_DCtx *zd;
    size_t group;           /* the row group it holds (or is loading) */
    size_t used;            /* when it last held one (a free slot with warm buffers is taken first) */
    int state;              /* SLOT_*, under the reader's mu */
    int rc;                 /* a load that failed in a worker: its code and message */
    char err[1024];
} pq_slot;

struct tc_parquet {
    char *path;
    int fd;
    const uint8_t *mem;
    uint64_t size;          /* file bytes */
    uint8_t *footer;        /* a file's footer, read */
    const char *names[2];   /* column names for messages */
    int want_id;            /* the id column exists */
    int max_def[2];         /* 0 required, 1 optional */
    pq_group *groups;
    size_t n_groups, group, row; /* n_groups: the end of the groups read (tc_parquet_limit) */
    int loaded;             /* the current group's columns are decoded */
    pq_slot slot[PQ_SLOTS], *cur; /* cur holds the row group being read */
    /* Read ahead (a file of two row groups or more): the reader queues the
     * groups after cur's in free slots, the workers decode them in order.
     * The slots' states and stop are shared under mu. */
    pthread_t worker[PQ_WORKERS];
    int n_workers, stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t nulls, loads;    /* loads: row groups loaded so far (slot ages) */
    int err;                /* a value that failed to decode: every later call fails the same */
    char errmsg[1024];
};

static int pq_fail(const pq_slot *s, int c, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int pq_fail(const pq_slot *s, int c, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tc_error(TC_EFORMAT, "%s: row group %zu, column \"%s\": %s", s->p->path, s->group,
                    s->p->names[c], msg);
}

/* Reads n bytes at off (already checked against the file size). */
static int pq_pread(tc_parquet *p, uint64_t off, void *buf, size_t n) {
    size_t have = 0;
    while (have < n) {
        ssize_t got = pread(p->fd, (char *)buf + have, n - have, (off_t)(off + have));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return tc_error(TC_EIO, "%s: read failed: %s", p->path, strerror(errno));
        if (got == 0) return tc_error(TC_EFORMAT, "%s: the file shrank while being read", p->path);
        have += (size_t)got;
    }
    return 0;
}

/* ---------------------------------------------------------------- footer */

typedef struct {
    const uint8_t *name;
    size_t name_len;
    int type, rep, children;
} pq_elem;

static void parse_elem(th *t, pq_elem *e) {
    int last = 0, fid, ty;
    memset(e, 0, sizeof *e);
    e->type = -1;
    while (th_field(t, &last, &fid, &ty)) {
        if (fid == 1) e->type = (int)th_int(t, ty);
        else if (fid == 3) e->rep = (int)th_int(t, ty);
        else if (fid == 4 && ty == 8) th_binary(t, &e->name, &e->name_len);
        else if (fid == 5) e->children = (int)th_int(t, ty);
        else th_skip(t, ty);
    }
}

static void parse_colmeta(th *t, pq_chunk *c) {
    int last = 0, fid, ty;
    while (th_field(t, &last, &fid, &ty)) {
        switch (fid) {
        case 1: c->type = (int)th_int(t, ty); break;
        case 4: c->codec = (int)th_int(t, ty); break;
        case 5: c->num_values = th_int(t, ty); break;
        case 7: c->size = th_int(t, ty); break;
        case 9: c->data_off = th_int(t, ty); break;
        case 11: c->dict_off = th_int(t, ty); break;
        default: th_skip(t, ty);
        }
    }
}

/* A ColumnChunk; *external is set when its data lives in another file. */
static void parse_chunk(th *t, pq_chunk *c, int *external) {
    int last = 0, fid, ty;
    memset(c, 0, sizeof *c);
    c->type = -1;
    while (th_field(t, &last, &fid, &ty)) {
        if (fid == 1) *external = 1, th_skip(t, ty);
        else if (fid == 3 && ty == 12) parse_colmeta(t, c);
        else th_skip(t, ty);
    }
}

static void parse_group(th *t, pq_group *g, const size_t leaf[2], int *external, size_t *ncols) {
    int last = 0, fid, ty, et;
    memset(g, 0, sizeof *g);
    g->col[0].type = g->col[1].type = -1;
    *ncols = 0;
    while (th_field(t, &last, &fid, &ty)) {
        if (fid == 1 && ty == 9) {
            size_t n = th_list(t, &et);
            *ncols = n;
            for (size_t i = 0; i < n && !t->bad; i++) {
                if (et != 12) { th_skip(t, et); continue; }
                if (i == leaf[0]) {
                    parse_chunk(t, &g->col[0], external);
                    if (leaf[1] == leaf[0]) g->col[1] = g->col[0]; /* ids from the text column */
                } else if (i == leaf[1]) {
                    parse_chunk(t, &g->col[1], external);
                }
                else th_skip(t, 12);
            }
        } else if (fid == 3) {
            g->num_rows = th_int(t, ty);
        } else {
            th_skip(t, ty);
        }
    }
}

static int name_is(const pq_elem *e, const char *s) {
    return e->name && e->name_len == strlen(s) && memcmp(e->name, s, e->name_len) == 0;
}

/* Finds the columns in the schema and parses the row groups. */
static int parse_footer(tc_parquet *p, const uint8_t *f, size_t n, const char *field,
                        const char *id_field) {
    th t = {f, f + n, 0, 0};
    const uint8_t *sch = NULL, *rgs = NULL;
    int last = 0, fid, ty;
    while (th_field(&t, &last, &fid, &ty)) {
        if (fid == 2 && ty == 9) sch = t.p;
        else if (fid == 4 && ty == 9) rgs = t.p;
        th_skip(&t, ty);
    }
    if (t.bad || !sch)
        return tc_error(TC_EFORMAT, "%s: footer: malformed FileMetaData (Thrift)%s", p->path,
                        t.bad ? "" : ": no schema");
    /* the schema: a root, then its subtree depth first; leaves in that order are the columns */
    th s = {sch, f + n, 0, 0};
    int et;
    size_t ne = th_list(&s, &et);
    if (s.bad || et != 12 || ne < 2 || ne > PQ_MAX_SCHEMA)
        return tc_error(TC_EFORMAT, "%s: footer: schema of %zu elements (expected 2 to %u)",
                        p->path, ne, PQ_MAX_SCHEMA);
    pq_elem *el = malloc(ne * sizeof *el);
    if (!el) return tc_error(TC_ENOMEM, "%s: out of memory", p->path);
    for (size_t i = 0; i < ne && !s.bad; i++) parse_elem(&s, &el[i]);
    size_t leaf[2] = {SIZE_MAX, SIZE_MAX}, nleaf = 0, i = 1;
    const char *want[2] = {field, id_field};
    int rc = 0;
    tc_sb names = {0};
    if (s.bad) rc = tc_error(TC_EFORMAT, "%s: footer: malformed schema (Thrift)", p->path);
    for (int top = 0; rc == 0 && top < el[0].children; top++) {
        if (i >= ne) { rc = tc_error(TC_EFORMAT, "%s: footer: schema ends early", p->path); break; }
        size_t start = i, pending = 1, leaves = 0;
        while (pending && i < ne) { /* the subtree of el[start] */
            pending--;
            if (el[i].children < 0 || (size_t)el[i].children > ne) { pending = SIZE_MAX; break; }
            if (el[i].children == 0) leaves++;
            pending += (size_t)el[i].children, i++;
        }
        if (pending) { rc = tc_error(TC_EFORMAT, "%s: footer: malformed schema tree", p->path); break; }
        const pq_elem *e = &el[start];
        tc_sb_printf(&names, "%s%.*s", names.len ? ", " : "", (int)e->name_len,
                     e->name ? (const char *)e->name : "");
        for (int c = 0; c < 2; c++) {
            if (!want[c] || leaf[c] != SIZE_MAX || !name_is(e, want[c])) continue;
            if (e->children || e->rep == 2) {
                if (c == 1) continue; /* a nested id column is left out */
                rc = tc_error(TC_EFORMAT, "%s: column \"%s\" is %s; only a flat column of "
                              "strings can be read", p->path, field,
                              e->children ? "nested (a group)" : "repeated (a list)");
                break;
            }
            if (e->type != T_BYTES && e->type != T_INT32 && e->type != T_INT64) {
                if (c == 1) continue;
                rc = tc_error(TC_EFORMAT, "%s: column \"%s\" has physical type %d; expected "
                              "BYTE_ARRAY (strings)", p->path, field, e->type);
                break;
            }
            leaf[c] = nleaf, p->max_def[c] = e->rep == 1;
        }
        nleaf += leaves;
    }
    free(el);
    if (rc == 0 && leaf[0] == SIZE_MAX)
        rc = tc_error(TC_ENOTFOUND, "%s: no column \"%s\"; columns: %s", p->path, field,
                      names.s ? names.s : "(none)");
    tc_sb_free(&names);
    if (rc) return rc;
    p->want_id = leaf[1] != SIZE_MAX;
    if (!rgs) return 0; /* no row groups: no rows */
    th g = {rgs, f + n, 0, 0};
    size_t ng = th_list(&g, &et);
    if (g.bad || et != 12 || ng > PQ_MAX_GROUPS)
        return tc_error(TC_EFORMAT, "%s: footer: malformed row group list", p->path);
    if (ng && !(p->groups = calloc(ng, sizeof *p->groups)))
        return tc_error(TC_ENOMEM, "%s: out of memory", p->path);
    for (size_t k = 0; k < ng; k++) {
        int external = 0;
        size_t ncols;
        p->group = k;
        parse_group(&g, &p->groups[k], leaf, &external, &ncols);
        if (g.bad) return tc_error(TC_EFORMAT, "%s: footer: row group %zu: malformed (Thrift)",
                                   p->path, k);
        if (ncols != nleaf)
            return tc_error(TC_EFORMAT, "%s: footer: row group %zu has %zu columns, the schema %zu",
                            p->path, k, ncols, nleaf);
        if (external)
            return tc_error(TC_EFORMAT, "%s: row group %zu: column data in another file is not "
                            "supported", p->path, k);
        pq_group *pg = &p->groups[k];
        if (pg->num_rows < 0 || pg->num_rows > PQ_MAX_ROWS)
            return tc_error(TC_EFORMAT, "%s: row group %zu: %" PRId64 " rows (at most %u are "
                            "read in one row group)", p->path, k, pg->num_rows, PQ_MAX_ROWS);
    }
    p->n_groups = ng, p->group = 0;
    return 0;
}

size_t tc_parquet_rows(const tc_parquet *p) {
    size_t n = 0;
    for (size_t k = 0; k < p->n_groups; k++) n += (size_t)p->groups[k].num_rows;
    return n;
}

int tc_parquet_open(const char *path, const void *mem, size_t len, const char *field,
                    const char *id_field, tc_parquet **out) {
    *out = NULL;
    tc_parquet *p = calloc(1, sizeof *p);
    if (!p || !(p->path = tc_strdup(path))) {
        free(p);
        return tc_error(TC_ENOMEM, "out of memory");
    }
    p->fd = -1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (int i = 0; i < PQ_SLOTS; i++) p->slot[i].p = p;
    p->cur = &p->slot[0];
    p->names[0] = field, p->names[1] = id_field ? id_field : "";
    int rc = 0;
    if (mem) {
        p->mem = mem, p->size = len;
    } else {
        struct stat st;
        if ((p->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            rc = tc_error(errno == ENOENT ? TC_ENOTFOUND : TC_EIO, "%s: %s", path, strerror(errno));
        else if (fstat(p->fd, &st) != 0 || !S_ISREG(st.st_mode))
            rc = tc_error(TC_EFORMAT, "%s: Parquet is read from a regular file only (it is read "
                          "from the end)", path);
        else p->size = (uint64_t)st.st_size;
    }
    uint8_t tail[8], head[4];
    if (rc == 0 && p->size < 12) rc = tc_error(TC_EFORMAT, "%s: too short for a Parquet file "
                                               "(%" PRIu64 " bytes)", path, p->size);
    if (rc == 0 && p->mem) memcpy(head, p->mem, 4), memcpy(tail, p->mem + p->size - 8, 8);
    else if (rc == 0 && !(rc = pq_pread(p, 0, head, 4))) rc = pq_pread(p, p->size - 8, tail, 8);
    if (rc == 0 && (memcmp(head, "PAR1", 4) || memcmp(tail + 4, "PAR1", 4)))
        rc = tc_error(TC_EFORMAT, "%s: not a Parquet file (no PAR1 magic at %s)", path,
                      memcmp(head, "PAR1", 4) ? "the start" : "the end");
    uint32_t flen = rc ? 0 : (uint32_t)tail[0] | (uint32_t)tail[1] << 8 |
                             (uint32_t)tail[2] << 16 | (uint32_t)tail[3] << 24;
    if (rc == 0 && (flen > p->size - 12 || flen > PQ_MAX_FOOTER))
        rc = tc_error(TC_EFORMAT, "%s: footer: length %" PRIu32 " is past the file (%" PRIu64
                      " bytes) or over %u", path, flen, p->size, PQ_MAX_FOOTER);
    const uint8_t *f = NULL;
    if (rc == 0 && p->mem) f = p->mem + p->size - 8 - flen;
    else if (rc == 0 && !(p->footer = malloc(flen ? flen : 1))) rc = tc_error(TC_ENOMEM, "%s: out of memory", path);
    else if (rc == 0 && !(rc = pq_pread(p, p->size - 8 - flen, p->footer, flen))) f = p->footer;
    if (rc == 0) rc = parse_footer(p, f, flen, field, id_field);
    free(p->footer), p->footer = NULL;
    if (rc) {
        tc_parquet_close(p);
        return rc;
    }
    *out = p;
    return 0;
}

/* ---------------------------------------------------------------- pages */

static int rd_varint(const uint8_t *p, size_t n, size_t *i, uint64_t *v) {
    *v = 0;
    for (int shift = 0; shift < 64 && *i < n; shift += 7) {
        uint8_t b = p[(*i)++];
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return 0;
    }
    return -1;
}

static uint64_t bits_at(const uint8_t *p, uint64_t bit, int width) {
    uint64_t v = 0;
    for (int b = 0; b < width; b++, bit++) v |= (uint64_t)((p[bit >> 3] >> (bit & 7)) & 1) << b;
    return v;
}

/* Decodes n values of the RLE / bit-packed hybrid into out; -1 when the
 * data ends first. */
static int rle_decode(const uint8_t *p, size_t len, int bw, uint32_t *out, size_t n) {
    size_t i = 0, got = 0, vb = (size_t)(bw + 7) / 8;
    while (got < n) {
        uint64_t h;
        if (rd_varint(p, len, &i, &h)) return -1;
        if (h & 1) {
            uint64_t groups = h >> 1;
            if (groups > len || groups * (uint64_t)bw > len - i) return -1;
            for (uint64_t k = 0; k < groups * 8 && got < n; k++)
                out[got++] = (uint32_t)bits_at(p + i, k * (uint64_t)bw, bw);
            i += groups * (size_t)bw;
        } else {
            uint64_t run = h >> 1;
            if (vb > len - i) return -1;
            uint32_t v = 0;
            for (size_t k = 0; k < vb; k++) v |= (uint32_t)p[i + k] << (8 * k);
            i += vb;
            for (uint64_t k = 0; k < run && got < n; k++) out[got++] = v;
        }
    }
    return 0;
}

/* DELTA_BINARY_PACKED: up to cap values into out; *count and the bytes
 * used, or -1. */
static long delta_decode(const uint8_t *p, size_t len, int64_t *out, size_t cap, size_t *count) {
    size_t i = 0;
    uint64_t block, mb, total, zz;
    if (rd_varint(p, len, &i, &block) || rd_varint(p, len, &i, &mb) ||
        rd_varint(p, len, &i, &total) || rd_varint(p, len, &i, &zz))
        return -1;
    if (block == 0 || block % 128 || mb == 0 || block % mb || (block / mb) % 32 || total > cap ||
        block > (1u << 20))
        return -1;
    uint64_t prev = (zz >> 1) ^ -(zz & 1), vpm = block / mb;
    size_t got = 0;
    if (total) out[got++] = (int64_t)prev;
    while (got < total) {
        uint64_t md;
        if (rd_varint(p, len, &i, &md) || mb > len - i) return -1;
        uint64_t min_delta = (md >> 1) ^ -(md & 1);
        const uint8_t *widths = p + i;
        i += mb;
        for (size_t m = 0; m < mb && got < total; m++) {
            int bw = widths[m];
            if (bw > 64) return -1;
            size_t nb = (size_t)(vpm * (uint64_t)bw / 8);
            if (nb > len - i) return -1;
            for (uint64_t k = 0; k < vpm && got < total; k++) {
                prev += min_delta + bits_at(p + i, k * (uint64_t)bw, bw);
                out[got++] = (int64_t)prev;
            }
            i += nb;
        }
    }
    *count = got;
    return (long)i;
}

static const char *codec_name(int c) {
    static const char *names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD",
                                  "LZ4_RAW"};
    return c >= 0 && c < 8 ? names[c] : "unknown";
}

/* b with room for need bytes (grown, never shrunk, until close); keep: its
 * first b->len bytes are kept, else it is emptied. */
static int pq_room(pq_slot *s, pq_buf *b, size_t need, int keep) {
    if (!keep) b->len = 0;
    if (need <= b->cap && b->b) return 0;
    size_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < need) cap *= 2;
    /* plain malloc, no huge-page hint: with MADV_HUGEPAGE the kernel spent
     * more time finding and zeroing 2 MiB pages (and the hint stayed on the
     * heap for the texts' blocks) than the TLB saved, 1.8 s against 1.3 s
     * of CPU for three passes over a 1M-row snappy column */
    uint8_t *nb = malloc(cap);
    if (!nb) return tc_error(TC_ENOMEM, "%s: out of memory", s->p->path);
    if (b->len) memcpy(nb, b->b, b->len);
    free(b->b);
    b->b = nb, b->cap = cap;
    return 0;
}

static void pq_buf_free(pq_buf *b) { free(b->b), memset(b, 0, sizeof *b); }

static int decompress(pq_slot *s, int c, int codec, const uint8_t *in, size_t n, uint8_t *out,
                      size_t un) {
    if (codec == 1) {
        if (tc_snappy_decode(in, n, out, un)) return pq_fail(s, c, "corrupt SNAPPY page");
    } else if (codec == 2) {
        z_stream z;
        memset(&z, 0, sizeof z);
        if (inflateInit2(&z, 15 + 32) != Z_OK) return tc_error(TC_ENOMEM, "%s: out of memory", s->p->path);
        z.next_in = (Bytef *)in, z.avail_in = (uInt)n;
        z.next_out = out, z.avail_out = (uInt)un;
        int zr = inflate(&z, Z_FINISH);
        size_t got = z.total_out;
        inflateEnd(&z);
        if (zr != Z_STREAM_END || got != un) return pq_fail(s, c, "corrupt GZIP page");
    } else if (codec == 6) {
        if (!s->zd && !(s->zd = ZSTD_createDCtx())) return tc_error(TC_ENOMEM, "%s: out of memory", s->p->path);
        size_t got = ZSTD_decompressDCtx(s->zd, out, un, in, n);
        if (ZSTD_isError(got) || got != un) return pq_fail(s, c, "corrupt ZSTD page");
    } else {
        return pq_fail(s, c, "codec %s is not supported (UNCOMPRESSED, SNAPPY, GZIP and ZSTD are)",
                       codec_name(codec));
    }
    return 0;
}

/* Array a of *cap elements, n used, with room for one more: doubled from
 * `first` when full; NULL (the error set) when out of memory, a kept. The
 * one growth rule of the slot's value and page lists. */
static void *grow(pq_slot *s, void *a, size_t n, size_t *cap, size_t elem, size_t first) {
    if (n < *cap) return a;
    size_t c = *cap ? *cap * 2 : first;
    void *na = realloc(a, c * elem);
    if (!na) return tc_error(TC_ENOMEM, "%s: out of memory", s->p->path), NULL;
    *cap = c;
    return na;
}

static int col_push(pq_slot *s, int c, uint8_t kind, uint64_t off, uint32_t len) {
    pq_col *k = &s->col[c];
    pq_val *v = grow(s, k->v, k->n, &k->cap, sizeof *v, 1024);
    if (!v) return TC_ENOMEM;
    k->v = v;
    k->v[k->n++] = (pq_val){off, len, kind};
    return 0;
}

/* Appends one value's bytes to sb (the values or the dictionary). */
static int bytes_add(pq_slot *s, int c, tc_sb *sb, const void *v, size_t n, uint64_t *off) {
    if (sb->len + n > PQ_MAX_CHUNK)
        return pq_fail(s, c, "decodes to more than %llu bytes", (unsigned long long)PQ_MAX_CHUNK);
    *off = sb->len;
    tc_sb_append(sb, v, n);
    if (sb->oom) return tc_error(TC_ENOMEM, "%s: out of memory", s->p->path);
    return 0;
}

/* PLAIN values: n of the column's type from d[0..len); each goes to the
 * values (dict 0) or the dictionary (dict 1). */
static int plain_values(pq_slot *s, int c, int type, const uint8_t *d, size_t len, size_t n,
                        int dict) {
    pq_col *k = &s->col[c];
    size_t i = 0;
    if (dict) {
        if (!(k->doff = malloc((n ? n : 1) * sizeof *k->doff)) ||
            !(k->dlen = malloc((n ? n : 1) * sizeof *k->dlen)))
            return tc_error(TC_ENOMEM, "%s: out of memory", s->p->path);
    }
    for (size_t v = 0; v < n; v++) {
        const uint8_t *val;
        size_t sl;
        char num[24];
        if (type == T_BYTES) {
            if (len - i < 4) return pq_fail(s, c, "PLAIN values end early (value %zu of %zu)", v, n);
            uint32_t l = (uint32_t)d[i] | (uint32_t)d[i + 1] << 8 | (uint32_t)d[i + 2] << 16 |
                         (uint32_t)d[i + 3] << 24;
            i += 4;
            if (l > len - i) return pq_fail(s, c, "PLAIN value %zu: length %" PRIu32 " past the page", v, l);
            val = d + i, sl = l, i += l;
        } else {
            size_t w = type == T_INT32 ? 4 : 8;
            if (len - i < w) return pq_fail(s, c, "PLAIN values end early (value %zu of %zu)", v, n);
            uint64_t x = 0;
            for (size_t b = 0; b < w; b++) x |= (uint64_t)d[i + b] << (8 * b);
            i += w;
            int64_t sx = w == 4 ? (int64_t)(int32_t)(uint32_t)x : (int64_t)x;
            sl = (size_t)snprintf(num, sizeof num, "%" PRId64, sx);
            val = (const uint8_t *)num;
        }
        uint64_t off = 0;
        if (!dict && type == T_BYTES) { /* in place */
            int rc = col_push(s, c, 3, (uint64_t)(val - k->pages.b), (uint32_t)sl);
            if (rc) return rc;
            continue;
        }
        int rc = bytes_add(s, c, dict ? &k->dict : &k->bytes, val, sl, &off);
        if (rc) return rc;
        if (dict) k->doff[v] = off, k->dlen[v] = (uint32_t)sl;
        else if ((rc = col_push(s, c, 1, off, (uint32_t)sl))) return rc;
    }
    if (dict) k->nd = n, k->has_dict = 1;
    return 0;
}

/* s->lvl with room for n entries. */
static int lvl_room(pq_slot *s, size_t n) {
    if (n <= s->lvl_cap && s->lvl) return 0;
    uint32_t *nl = realloc(s->lvl, (n ? n : 1) * sizeof *nl);
    if (!nl) return tc_error(TC_ENOMEM, "%s: out of memory", s->p->path);
    s->lvl = nl, s->lvl_cap = n ? n : 1;
    return 0;
}

static int seg_push(pq_slot *s, int c, const pq_seg *g) {
    pq_col *k = &s->col[c];
    pq_seg *g2 = grow(s, k->seg, k->nseg, &k->segcap, sizeof *g2, 16);
    if (!g2) return TC_ENOMEM;
    k->seg = g2;
    k->seg[k->nseg++] = *g;
    return 0;
}

/* A data page of rows rows, nn of them not null, its values at d[0..len)
 * (in the column's pages); its definition levels, if any null, at def in
 * the column's def. PLAIN strings are left in place for the reader to
 * walk; other values go to the index. */
static int page_values(pq_slot *s, int c, int enc, const uint8_t *d, size_t len, size_t rows,
                       uint64_t def, size_t nn) {
    pq_col *k = &s->col[c];
    int type = s->p->groups[s->group].col[c].type, rc;
    pq_seg g = {.at = k->n, .def = def, .rows = (uint32_t)rows};
    if (enc == 0 && type == T_BYTES) {
        g.plain = 1, g.at = (uint64_t)(d - k->pages.b), g.end = g.at + len;
    } else if (enc == 0) {
        if ((rc = plain_values(s, c, type, d, len, nn, 0))) return rc;
    } else if (enc == 2 || enc == 8) {
        if (!k->has_dict) return pq_fail(s, c, "dictionary-encoded page without a dictionary page");
        if (len < 1 || d[0] > 32) return pq_fail(s, c, "dictionary index bit width missing or over 32");
        if ((rc = lvl_room(s, nn))) return rc;
        uint32_t *idx = s->lvl;
        if (rle_decode(d + 1, len - 1, d[0], idx, nn)) return pq_fail(s, c, "dictionary indices end early");
        for (size_t v = 0; v < nn; v++) {
            if (idx[v] >= k->nd)
                return pq_fail(s, c, "dictionary index %" PRIu32 " out of range (%zu entries)", idx[v], k->nd);
            if ((rc = col_push(s, c, 2, k->doff[idx[v]], k->dlen[idx[v]]))) return rc;
        }
    } else if ((enc == 6 || enc == 7) && type == T_BYTES) {
        /* DELTA_LENGTH_BYTE_ARRAY: lengths, then the bytes; DELTA_BYTE_ARRAY:
         * prefix lengths, then suffixes as DELTA_LENGTH_BYTE_ARRAY */
        int64_t *pre = enc == 7 ? malloc((nn ? nn : 1) * sizeof *pre) : NULL;
        int64_t *lens = malloc((nn ? nn : 1) * sizeof *lens);
        size_t got = 0, pos = 0, prev_off = 0, prev_len = 0;
        rc = !lens || (enc == 7 && !pre) ? tc_error(TC_ENOMEM, "%s: out of memory", s->p->path) : 0;
        if (!rc && enc == 7) {
            long used = delta_decode(d, len, pre, nn, &got);
            if (used < 0 || got != nn) rc = pq_fail(s, c, "malformed DELTA_BYTE_ARRAY prefix lengths");
            else pos = (size_t)used;
        }
        if (!rc) {
            long used = delta_decode(d + pos, len - pos, lens, nn, &got);
            if (used < 0 || got != nn) rc = pq_fail(s, c, "malformed DELTA lengths");
            else pos += (size_t)used;
        }
        for (size_t v = 0; v < nn && !rc; v++) {
            int64_t pl = pre ? pre[v] : 0;
            if (lens[v] < 0 || (uint64_t)lens[v] > len - pos || pl < 0 || (uint64_t)pl > prev_len) {
                rc = pq_fail(s, c, "DELTA value %zu: length out of range", v);
                break;
            }
            if (!pre) { /* DELTA_LENGTH_BYTE_ARRAY: in place */
                rc = col_push(s, c, 3, (uint64_t)(d + pos - k->pages.b), (uint32_t)lens[v]);
                pos += (size_t)lens[v];
                continue;
            }
            uint64_t off = k->bytes.len;
            if (pl) { /* the prefix is copied out first: appending may move the bytes */
                char *tmp = malloc((size_t)pl);
                if (!tmp) { rc = tc_error(TC_ENOMEM, "%s: out of memory", s->p->path); break; }
                memcpy(tmp, k->bytes.s + prev_off, (size_t)pl);
                rc = bytes_add(s, c, &k->bytes, tmp, (size_t)pl, &off);
                free(tmp);
                if (rc) break;
            }
            uint64_t o2;
            if ((rc = bytes_add(s, c, &k->bytes, d + pos, (size_t)lens[v], &o2))) break;
            pos += (size_t)lens[v];
            prev_off = off, prev_len = (size_t)pl + (size_t)lens[v];
            if (prev_len > UINT32_MAX) { rc = pq_fail(s, c, "value over 4 GiB"); break; }
            rc = col_push(s, c, 1, off, (uint32_t)prev_len);
        }
        free(pre), free(lens);
        if (rc) return rc;
    } else {
        return pq_fail(s, c, "value encoding %d is not supported (PLAIN, dictionary, "
                       "DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY are)", enc);
    }
    return seg_push(s, c, &g);
}

typedef struct {
    int type, usize, csize;
    int64_t nv, enc, def_len, rep_len, nulls;
    int compressed;
} pq_page;

static void parse_page_header(th *t, pq_page *h) {
    int last = 0, fid, ty;
    memset(h, 0, sizeof *h);
    h->type = -1, h->compressed = 1, h->usize = h->csize = -1;
    while (th_field(t, &last, &fid, &ty)) {
        if (fid == 1) h->type = (int)th_int(t, ty);
        else if (fid == 2) h->usize = (int)th_int(t, ty);
        else if (fid == 3) h->csize = (int)th_int(t, ty);
        else if ((fid == 5 || fid == 7 || fid == 8) && ty == 12) {
            int l2 = 0, f2, t2;
            while (th_field(t, &l2, &f2, &t2)) {
                if (f2 == 1) h->nv = th_int(t, t2);
                else if (f2 == 2 && fid != 8) h->enc = th_int(t, t2);
                else if (fid != 8 || f2 > 7) th_skip(t, t2);
                else if (f2 == 2) h->nulls = th_int(t, t2);
                else if (f2 == 4) h->enc = th_int(t, t2);
                else if (f2 == 5) h->def_len = th_int(t, t2);
                else if (f2 == 6) h->rep_len = th_int(t, t2);
                else if (f2 == 7) h->compressed = t2 == 1;
                else th_skip(t, t2);
            }
        } else th_skip(t, ty);
    }
}

/* Decodes column c of the current row group into s->col[c]. */
static int load_column(pq_slot *s, int c) {
    pq_group *g = &s->p->groups[s->group];
    pq_chunk *ch = &g->col[c];
    int rc;
    if (ch->type != T_BYTES && ch->type != T_INT32 && ch->type != T_INT64)
        return pq_fail(s, c, "missing column metadata or physical type %d", ch->type);
    if (ch->num_values != g->num_rows)
        return pq_fail(s, c, "%" PRId64 " values for %" PRId64 " rows", ch->num_values, g->num_rows);
    int64_t start = ch->dict_off > 0 && ch->dict_off < ch->data_off ? ch->dict_off : ch->data_off;
    uint64_t data_end = s->p->size - 8;
    if (start < 4 || ch->size <= 0 || (uint64_t)start > data_end || (uint64_t)ch->size > data_end - (uint64_t)start)
        return pq_fail(s, c, "chunk at %" PRId64 " of %" PRId64 " bytes is outside the file", start, ch->size);
    size_t total = (size_t)ch->size;
    const uint8_t *d;
    if (s->p->mem) d = s->p->mem + start;
    else {
        if ((rc = pq_room(s, &s->chunk, total, 0))) return rc;
        if ((rc = pq_pread(s->p, (uint64_t)start, s->chunk.b, total))) return rc;
        d = s->chunk.b;
    }
    size_t pos = 0, rows = 0, want = (size_t)g->num_rows;
    while (rows < want) {
        if (pos >= total) return pq_fail(s, c, "pages end after %zu of %zu values", rows, want);
        th t = {d + pos, d + total, 0, 0};
        pq_page h;
        parse_page_header(&t, &h);
        if (t.bad) return pq_fail(s, c, "malformed page header at offset %" PRId64, start + (int64_t)pos);
        pos = (size_t)(t.p - d);
        if (h.csize < 0 || (size_t)h.csize > total - pos || h.usize < 0 || (unsigned)h.usize > PQ_MAX_PAGE)
            return pq_fail(s, c, "page sizes %d/%d past the chunk or over %u", h.csize, h.usize, PQ_MAX_PAGE);
        const uint8_t *raw = d + pos;
        pos += (size_t)h.csize;
        if (h.type != 0 && h.type != 2 && h.type != 3) continue; /* index pages */
        if (h.nv < 0 || (h.type != 2 && (uint64_t)h.nv > want - rows))
            return pq_fail(s, c, "page of %" PRId64 " values past the row group's %zu", h.nv, want);
        size_t lv = 0; /* level bytes before the compressed values (v2) */
        if (h.type == 3) {
            if (h.def_len < 0 || h.rep_len < 0 || h.def_len + h.rep_len > h.csize ||
                h.def_len + h.rep_len > h.usize)
                return pq_fail(s, c, "page v2 level lengths out of range");
            if (h.rep_len) return pq_fail(s, c, "repeated values (repetition levels) are not supported");
            lv = (size_t)h.def_len;
        }
        const uint8_t *page = raw;
        size_t plen = (size_t)h.usize;
        int codec = h.type == 3 && !h.compressed ? 0 : ch->codec;
        if (codec == 0 && h.csize != h.usize)
            return pq_fail(s, c, "uncompressed page of %d bytes says %d", h.csize, h.usize);
        /* A data page goes to the column's pages, whose strings the caller
         * reads in place; a dictionary page is copied out entry by entry. */
        uint8_t *dst = NULL;
        if (h.type != 2) {
            pq_buf *pg = &s->col[c].pages;
            if (pg->len + plen > PQ_MAX_CHUNK)
                return pq_fail(s, c, "decodes to more than %llu bytes", (unsigned long long)PQ_MAX_CHUNK);
            if ((rc = pq_room(s, pg, pg->len + plen, 1))) return rc;
            dst = pg->b + pg->len;
            pg->len += plen;
        } else if (codec != 0) {
            if ((rc = pq_room(s, &s->page, plen, 0))) return rc;
            dst = s->page.b;
        }
        if (codec != 0) {
            memcpy(dst, raw, lv);
            if ((rc = decompress(s, c, codec, raw + lv, (size_t)h.csize - lv, dst + lv, plen - lv)))
                return rc;
            page = dst;
        } else if (dst) {
            memcpy(dst, raw, plen);
            page = dst;
        }
        if (h.type == 2) {
            if (s->col[c].has_dict) return pq_fail(s, c, "a second dictionary page");
            if (h.enc != 0 && h.enc != 2) return pq_fail(s, c, "dictionary page encoding %" PRId64, h.enc);
            if ((uint64_t)h.nv > plen / (ch->type == T_INT64 ? 8 : 4)) return pq_fail(s, c, "dictionary of %" PRId64 " entries in %zu bytes", h.nv, plen);
            if ((rc = plain_values(s, c, ch->type, page, plen, (size_t)h.nv, 1))) return rc;
            continue;
        }
        size_t n = (size_t)h.nv, nn = n, vpos = 0;
        uint64_t def = PQ_NO_DEF;
        if (s->p->max_def[c]) {
            const uint8_t *lp = page;
            size_t ll = lv;
            if (h.type == 0) {
                if (plen < 4) return pq_fail(s, c, "definition levels missing");
                ll = (size_t)page[0] | (size_t)page[1] << 8 | (size_t)page[2] << 16 | (size_t)page[3] << 24;
                if (ll > plen - 4) return pq_fail(s, c, "definition levels of %zu bytes past the page", ll);
                lp = page + 4, vpos = 4 + ll;
            } else vpos = lv;
            if ((rc = lvl_room(s, n))) return rc;
            if (rle_decode(lp, ll, 1, s->lvl, n)) return pq_fail(s, c, "definition levels end early");
            pq_col *k = &s->col[c];
            if (!k->def || k->ndef + n > k->defcap) { /* at most a byte per row of the row group */
                size_t cap = k->defcap ? k->defcap : 4096;
                while (cap < k->ndef + n) cap *= 2;
                uint8_t *nd = realloc(k->def, cap);
                if (!nd) return tc_error(TC_ENOMEM, "%s: out of memory", s->p->path);
                k->def = nd, k->defcap = cap;
            }
            uint8_t *dl = k->def + k->ndef;
            nn = 0;
            for (size_t r = 0; r < n; r++) dl[r] = s->lvl[r] != 0, nn += dl[r];
            if (nn < n) def = k->ndef, k->ndef += n; /* pages without nulls keep no levels */
        } else {
            vpos = lv;
        }
        if ((rc = page_values(s, c, (int)h.enc, page + vpos, plen - vpos, n, def, nn))) return rc;
        rows += n;
    }
    return 0;
}

/* Empties k for the next row group; keep 0 frees its buffers too. */
static void col_reset(pq_col *k, int keep) {
    tc_sb_free(&k->dict);
    free(k->doff), free(k->dlen);
    k->doff = NULL, k->dlen = NULL, k->nd = 0, k->has_dict = 0;
    k->bytes.len = k->pages.len = k->n = k->nseg = k->ndef = 0;
    k->cs = k->crow = 0, k->cpos = k->pf = 0;
    if (!keep) {
        tc_sb_free(&k->bytes), pq_buf_free(&k->pages);
        free(k->v), free(k->seg), free(k->def);
        memset(k, 0, sizeof *k);
    }
}

static void slot_clear(pq_slot *s) { col_reset(&s->col[0], 1), col_reset(&s->col[1], 1); }

/* Decodes row group s->group into s; in a worker, the error's message goes
 * into s (messages are per thread) for the reader to raise. */
static int load_slot(pq_slot *s) {
    slot_clear(s);
    int rc = load_column(s, 0);
    if (!rc && s->p->want_id) rc = load_column(s, 1);
    s->rc = rc;
    if (rc) snprintf(s->err, sizeof s->err, "%s", tc_last_error());
    return rc;
}

enum { SLOT_FREE, SLOT_QUEUED, SLOT_BUSY, SLOT_READY };

/* Under mu: the slot holding (or queued or loading) row group g, or NULL. */
static pq_slot *slot_of(tc_parquet *p, size_t g) {
    for (int i = 0; i < PQ_SLOTS; i++)
        if (p->slot[i].state != SLOT_FREE && p->slot[i].group == g) return &p->slot[i];
    return NULL;
}

/* Under mu: a slot in state, the one of the lowest row group; or NULL. */
static pq_slot *first_slot(tc_parquet *p, int state) {
    pq_slot *best = NULL;
    for (int i = 0; i < PQ_SLOTS; i++)
        if (p->slot[i].state == state && (!best || p->slot[i].group < best->group)) best = &p->slot[i];
    return best;
}

/* Under mu: the free slot used last (its buffers are mapped and warm), or NULL. */
static pq_slot *free_slot(tc_parquet *p) {
    pq_slot *best = NULL;
    for (int i = 0; i < PQ_SLOTS; i++)
        if (p->slot[i].state == SLOT_FREE && (!best || p->slot[i].used > best->used)) best = &p->slot[i];
    return best;
}

static void *worker_main(void *arg) {
    tc_parquet *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        pq_slot *s = NULL;
        while (!p->stop && !(s = first_slot(p, SLOT_QUEUED))) pthread_cond_wait(&p->cv, &p->mu);
        if (p->stop) break;
        s->state = SLOT_BUSY;
        pthread_mutex_unlock(&p->mu);
        load_slot(s);
        pthread_mutex_lock(&p->mu);
        s->state = SLOT_READY;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Starts the workers for a file read from disk with row groups left after
 * the current one (a buffer in memory is decoded in the caller's thread:
 * it is what the fuzzer drives, and small). No thread: no read-ahead. */
static int default_workers = PQ_WORKERS;

int tc_parquet_default_workers(int n) {
    int old = __atomic_load_n(&default_workers, __ATOMIC_RELAXED);
    if (n >= 0) __atomic_store_n(&default_workers, n < PQ_WORKERS ? n : PQ_WORKERS, __ATOMIC_RELAXED);
    return old;
}

static void start_workers(tc_parquet *p) {
    if (p->n_workers || p->mem || p->group + 1 >= p->n_groups) return;
    int want = __atomic_load_n(&default_workers, __ATOMIC_RELAXED);
    while (p->n_workers < want &&
           pthread_create(&p->worker[p->n_workers], NULL, worker_main, p) == 0)
        p->n_workers++;
}

/* Under mu: queues the row groups after cur's in the free slots. */
static void queue_ahead(tc_parquet *p) {
    if (!p->n_workers) return;
    for (size_t g = p->cur->group + 1; g < p->n_groups && g <= p->cur->group + (size_t)p->n_workers; g++) {
        if (slot_of(p, g)) continue;
        pq_slot *s = free_slot(p);
        if (!s) break;
        s->group = g, s->state = SLOT_QUEUED, s->used = ++p->loads;
    }
    pthread_cond_broadcast(&p->cv);
}

/* Row group p->group into cur: a worker's load when one has it, else
 * decoded here (a group queued and not yet taken is taken here too). */
static int load_group(tc_parquet *p) {
    start_workers(p);
    pthread_mutex_lock(&p->mu);
    pq_slot *s = slot_of(p, p->group);
    if (!s || s->state == SLOT_QUEUED) {
        if (!s) s = free_slot(p), s->used = ++p->loads; /* one is free: the others hold later groups */
        s->group = p->group, s->state = SLOT_BUSY;
        pthread_mutex_unlock(&p->mu);
        load_slot(s);
        pthread_mutex_lock(&p->mu);
        s->state = SLOT_READY;
    }
    while (s->state != SLOT_READY) pthread_cond_wait(&p->cv, &p->mu);
    p->cur = s;
    queue_ahead(p);
    pthread_mutex_unlock(&p->mu);
    return s->rc ? tc_error(s->rc, "%s", s->err) : 0;
}

/* Done with cur: its slot may take a later row group. */
static void release(tc_parquet *p) {
    pthread_mutex_lock(&p->mu);
    p->cur->state = SLOT_FREE;
    pthread_mutex_unlock(&p->mu);
}

/* Drops every row group loaded or queued, after the workers' loads end. */
static void unload(tc_parquet *p) {
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < PQ_SLOTS; i++)
        if (p->slot[i].state == SLOT_QUEUED) p->slot[i].state = SLOT_FREE;
    for (int i = 0; i < PQ_SLOTS; i++) {
        while (p->slot[i].state == SLOT_BUSY) pthread_cond_wait(&p->cv, &p->mu);
        p->slot[i].state = SLOT_FREE;
        slot_clear(&p->slot[i]);
    }
    pthread_mutex_unlock(&p->mu);
    p->loaded = 0, p->row = 0;
}

/* How far ahead of the strings handed out the page is prefetched: walking
 * length prefixes through a page of tens of MiB that the decompressor
 * wrote out of cache stalls on every prefix otherwise (the strings are
 * hundreds of bytes apart, too far for the hardware to guess). */
#define PQ_PREFETCH 2048

/* Puts column c's reader at the start of cur's row group. */
static void col_start(pq_col *k) {
    k->cs = k->crow = 0;
    k->cpos = k->pf = k->nseg ? k->seg[0].at : 0;
}

/* The next row of column c in cur: 1 with its value, 0 when it is null,
 * < 0 when a PLAIN string runs past its page. */
static inline int col_next(tc_parquet *p, int c, const char **str, size_t *len) {
    pq_col *k = &p->cur->col[c];
    while (k->crow == k->seg[k->cs].rows) {
        if (k->cs + 1 >= k->nseg) return pq_fail(p->cur, c, "fewer rows in the pages than the row group has");
        k->cs++, k->crow = 0, k->cpos = k->pf = k->seg[k->cs].at;
    }
    const pq_seg *g = &k->seg[k->cs];
    size_t r = k->crow++;
    if (g->def != PQ_NO_DEF && !k->def[g->def + r]) return 0;
    if (!g->plain) {
        const pq_val *v = &k->v[k->cpos++];
        const char *base = v->kind == 1 ? k->bytes.s : v->kind == 2 ? k->dict.s : (const char *)k->pages.b;
        *str = base ? base + v->off : "", *len = v->len;
        return 1;
    }
    const uint8_t *b = k->pages.b;
    uint64_t at = k->cpos;
    if (g->end - at < 4)
        return pq_fail(p->cur, c, "PLAIN values end early (row %zu)", p->row - 1);
    uint32_t l = (uint32_t)b[at] | (uint32_t)b[at + 1] << 8 | (uint32_t)b[at + 2] << 16 |
                 (uint32_t)b[at + 3] << 24;
    if (l > g->end - at - 4)
        return pq_fail(p->cur, c, "PLAIN value of row %zu: length %" PRIu32 " past the page", p->row - 1, l);
    *str = (const char *)b + at + 4, *len = l;
    k->cpos = at + 4 + l;
    uint64_t to = k->cpos + PQ_PREFETCH < g->end ? k->cpos + PQ_PREFETCH : g->end;
    for (; k->pf < to; k->pf += 64) __builtin_prefetch(b + k->pf);
    return 1;
}

/* The next row of cur: 1 with its text (and id: NULL when none or null),
 * 0 when the text is null, < 0 an error. */
static inline int row_next(tc_parquet *p, const char **text, size_t *tlen, const char **id, size_t *ilen) {
    int rc = col_next(p, 0, text, tlen), ri = 0;
    if (p->want_id && (ri = col_next(p, 1, id, ilen)) < 0) return ri;
    if (ri == 0) *id = NULL, *ilen = 0;
    return rc;
}

/* A value that failed: this error now, and again on every later call. */
static int fail_sticky(tc_parquet *p, int rc) {
    p->err = rc;
    snprintf(p->errmsg, sizeof p->errmsg, "%s", tc_last_error());
    unload(p);
    return tc_error(rc, "%s", p->errmsg);
}

int tc_parquet_next(tc_parquet *p, const char **text, size_t *tlen, const char **id,
                    size_t *ilen) {
    if (p->err) return tc_error(p->err, "%s", p->errmsg);
    for (;;) {
        if (p->group >= p->n_groups) return 0;
        if (!p->loaded) {
            int rc = load_group(p);
            if (rc) { unload(p); return rc; }
            p->loaded = 1;
            col_start(&p->cur->col[0]), col_start(&p->cur->col[1]);
            size_t skip = p->row; /* a seek into the row group */
            for (p->row = 0; p->row < skip;)
                if (p->row++, (rc = row_next(p, text, tlen, id, ilen)) < 0) return fail_sticky(p, rc);
        }
        if (p->row >= (size_t)p->groups[p->group].num_rows) {
            release(p);
            p->loaded = 0, p->row = 0;
            p->group++;
            continue;
        }
        p->row++;
        int rc = row_next(p, text, tlen, id, ilen);
        if (rc == 1) return 1;
        if (rc < 0) return fail_sticky(p, rc);
        p->nulls++;
    }
}

size_t tc_parquet_nulls(const tc_parquet *p) { return p->nulls; }

/* ---------------------------------------------------------------- row groups and positions */

size_t tc_parquet_n_groups(const tc_parquet *p) { return p->n_groups; }

unsigned long long tc_parquet_group_rows(const tc_parquet *p, size_t g) {
    return g < p->n_groups ? (unsigned long long)p->groups[g].num_rows : 0;
}

void tc_parquet_limit(tc_parquet *p, size_t g0, size_t g1) {
    unload(p);
    if (g1 > p->n_groups) g1 = p->n_groups;
    p->group = g0 < g1 ? g0 : g1, p->n_groups = g1;
}

unsigned long long tc_parquet_tell(const tc_parquet *p) {
    unsigned long long at = 0;
    for (size_t g = 0; g < p->group && g < p->n_groups; g++) at += (unsigned long long)p->groups[g].num_rows;
    return at + p->row;
}

int tc_parquet_seek(tc_parquet *p, unsigned long long row) {
    unsigned long long at = 0;
    size_t g = 0;
    while (g < p->n_groups && at + (unsigned long long)p->groups[g].num_rows <= row)
        at += (unsigned long long)p->groups[g++].num_rows;
    if ((g == p->n_groups && at != row) || g < p->group)
        return tc_error(TC_EINVAL, "%s: row %llu is outside the row groups read", p->path, row);
    unload(p);
    p->group = g, p->row = (size_t)(row - at);
    return 0;
}

void tc_parquet_close(tc_parquet *p) {
    if (!p) return;
    unload(p);
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n_workers; i++) pthread_join(p->worker[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    for (int i = 0; i < PQ_SLOTS; i++) {
        pq_slot *s = &p->slot[i];
        col_reset(&s->col[0], 0), col_reset(&s->col[1], 0);
        pq_buf_free(&s->page), pq_buf_free(&s->chunk);
        free(s->lvl);
        ZSTD_freeDCtx(s->zd);
    }
    if (p->fd >= 0) close(p->fd);
    free(p->groups);
    free(p->footer);
    free(p->path);
    free(p);
}
