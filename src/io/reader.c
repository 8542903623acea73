/* reader.c - streaming text readers: JSONL (one JSON object per line, via
 * cJSON), CSV (RFC 4180: a header row, fields quoted with "..." may hold
 * delimiters, newlines and doubled quotes ""), TSV (the same parser with a
 * tab; a field is quoted only when it starts with a quote), and plain text
 * (one text per non-blank line, a trailing \r removed). Files may be
 * gzip-compressed (see source.c); a folder is read file by file in name
 * order. Memory is bounded by the batch and the record limit: a text longer
 * than max_text_bytes is cut, a line or record longer than
 * max_record_bytes is an error, and neither is ever buffered whole.
 *
 * What is repaired rather than refused, each counted and warned about once
 * per file with the first file:line: invalid UTF-8 (U+FFFD), NUL characters
 * (raw bytes or \u0000 escapes: dropped, the rest of the text kept, as the
 * JavaScript USE-lite does), unpaired UTF-16 surrogate escapes (U+FFFD),
 * over-long texts (cut on a UTF-8 boundary). */
#include "io/io.h"
#include "io/source.h"
#include "io/parquet.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct tc_reader {
    char *field, *id_field;
    int format;                /* requested, TC_FMT_AUTO or fixed */
    char **files;              /* (n_files) paths, in reading order */
    size_t n_files, next_file;
    tc_source src;
    tc_parquet *pq;            /* the open file when it is Parquet */
    int open, fmt;             /* a file is open; its format */
    /* CSV/TSV state of the open file */
    char delim;
    size_t n_cols, col_text, col_id; /* col_id == SIZE_MAX: no id column */
    tc_sb rec;                 /* fields of the current record, each NUL-terminated */
    size_t *fstart, fcap;      /* (fcap) offsets of fields in rec */
    size_t repaired;
    size_t max_text, max_record; /* bytes */
    const void *mem;           /* a memory reader's bytes (mem_len), borrowed */
    size_t mem_len;
    /* repairs in the open file: counts and the first line of each */
    size_t n_nul, nul_line, n_cut, cut_line, n_surr, surr_line, n_blank;
    /* a part of the input (tc_reader_opts.num_shards > 1): a single text
     * file keeps the records whose first line starts in decoded bytes
     * [lo, hi) (CSV: whose parse starts there); a single Parquet file its
     * row groups, a folder its files (cut in open) */
    int n_shards, shard, ranged, single; /* single: the input is one file */
    unsigned long long lo, hi;
    int skip_bad, bad;         /* skip malformed records; the error at hand is one */
    size_t n_skipped;
    int err;                   /* sticky error code */
    char errmsg[1024];
};

/* ---------------------------------------------------------------- text sets */

/* Strings are stored in blocks of this size (or one block each, when
 * longer): one malloc per block rather than per text, which was a fifth of
 * reading a Parquet column. */
#define TEXT_BLOCK ((size_t)1 << 20)

struct tc_text_block {
    struct tc_text_block *next;
    size_t size, used;
    char data[];
};

void tc_textset_free(tc_textset *t) {
    if (!t) return;
    for (struct tc_text_block *b = t->blocks, *next; b; b = next) next = b->next, free(b);
    free(t->texts);
    free(t->ids);
    memset(t, 0, sizeof *t);
}

/* A copy of s[0..len) and a NUL in t's blocks; NULL when out of memory. A
 * long text gets a block of its own behind the one being filled. */
static char *textset_store(tc_textset *t, const char *s, size_t len) {
    struct tc_text_block *b = t->blocks;
    if (!b || b->size - b->used < len + 1) {
        size_t size = len + 1 > TEXT_BLOCK / 4 ? len + 1 : TEXT_BLOCK;
        struct tc_text_block *nb = malloc(sizeof *nb + size);
        if (!nb) return NULL;
        nb->size = size, nb->used = 0;
        if (b && size != TEXT_BLOCK) nb->next = b->next, b->next = nb;
        else nb->next = b, t->blocks = nb;
        b = nb;
    }
    char *o = b->data + b->used;
    memcpy(o, s, len);
    o[len] = 0;
    b->used += len + 1;
    return o;
}

/* Appends text and id (stored in t's blocks; id may be NULL). */
static int textset_push(tc_textset *t, char *text, char *id) {
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        char **nt = realloc(t->texts, cap * sizeof *nt);
        if (nt) t->texts = nt;
        char **ni = nt && t->ids ? realloc(t->ids, cap * sizeof *ni) : NULL;
        if (ni) t->ids = ni;
        if (!nt || (t->ids && !ni)) return tc_error(TC_ENOMEM, "out of memory (%zu texts)", t->n);
        if (t->ids) memset(t->ids + t->cap, 0, (cap - t->cap) * sizeof *t->ids);
        t->cap = cap;
    }
    if (id && !t->ids) {
        if (!(t->ids = calloc(t->cap, sizeof *t->ids)))
            return tc_error(TC_ENOMEM, "out of memory (%zu ids)", t->n);
    }
    t->texts[t->n] = text;
    if (t->ids) t->ids[t->n] = id;
    t->n++;
    return 0;
}

/* Stores a malloc'd string (NULL: out of memory) in t and frees it. */
static char *textset_take(tc_textset *t, char *s) {
    char *o = s ? textset_store(t, s, strlen(s)) : NULL;
    free(s);
    return o;
}

/* s[0..len) in t with invalid UTF-8 repaired; counts repairs when count is
 * set. */
static char *store_text(tc_reader *r, tc_textset *t, const char *s, size_t len, int count) {
    if (tc_utf8_invalid(s, len)) {
        if (count) r->repaired++;
        return textset_take(t, tc_utf8_repair(s, len));
    }
    return textset_store(t, s, len);
}

/* Cuts an over-long text on a UTF-8 boundary (text is valid UTF-8) and
 * counts it; returns text, possibly shrunk, or NULL (freed) on failure. */
static char *limit_text(tc_reader *r, char *text) {
    if (!text) return NULL;
    size_t len = strlen(text);
    if (len <= r->max_text) return text;
    if (r->n_cut++ == 0) r->cut_line = r->src.line;
    len = tc_utf8_cut(text, len, r->max_text);
    text[len] = 0;
    char *t = realloc(text, len + 1);
    return t ? t : text;
}

/* A text of len bytes at s as the caller gets it, stored in t: repaired,
 * cut to the limit (and counted). The length is known, so valid text is
 * never measured again: this runs once per text. */
static char *store_limited(tc_reader *r, tc_textset *t, const char *s, size_t len) {
    if (tc_utf8_invalid(s, len)) {
        r->repaired++;
        return textset_take(t, limit_text(r, tc_utf8_repair(s, len)));
    }
    if (len > r->max_text) {
        if (r->n_cut++ == 0) r->cut_line = r->src.line;
        len = tc_utf8_cut(s, len, r->max_text);
    }
    return textset_store(t, s, len);
}

/* The next line of the open file with NUL bytes dropped (and counted). */
static int next_line(tc_reader *r, char **line, size_t *len) {
    int rc = tc_source_line(&r->src, line, len);
    if (rc <= 0) return rc;
    char *p = *line, *z = memchr(p, 0, *len);
    if (!z) return rc;
    if (r->n_nul == 0) r->nul_line = r->src.line;
    size_t o = (size_t)(z - p);
    for (size_t i = o; i < *len; i++) {
        if (p[i]) p[o++] = p[i];
        else r->n_nul++;
    }
    p[o] = 0, *len = o;
    return rc;
}

/* One warning per kind of repair in the file just read, then resets. */
static void report_file(tc_reader *r) {
    const char *path = r->src.path ? r->src.path : r->n_files ? r->files[r->next_file - 1] : "";
    if (r->n_nul)
        tc_warn("%s:%zu: %zu NUL character%s dropped (the rest of each text kept; the first on "
                "this line)", path, r->nul_line, r->n_nul, r->n_nul == 1 ? "" : "s");
    if (r->n_surr)
        tc_warn("%s:%zu: %zu unpaired UTF-16 surrogate escape%s replaced by U+FFFD (the first on "
                "this line)", path, r->surr_line, r->n_surr, r->n_surr == 1 ? "" : "s");
    if (r->n_cut)
        tc_warn("%s:%zu: %zu text%s longer than %zu bytes cut to that length (the first on this "
                "line)", path, r->cut_line, r->n_cut, r->n_cut == 1 ? "" : "s", r->max_text);
    if (r->n_blank)
        tc_info("%s: %zu blank line%s skipped", path, r->n_blank, r->n_blank == 1 ? "" : "s");
    r->n_nul = r->n_cut = r->n_surr = r->n_blank = 0;
}

/* ---------------------------------------------------------------- formats */

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* The format a file name implies, or 0 when its extension is not one of ours. */
static int format_of_name(const char *name) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", name);
    if (ends_with(tmp, ".gz")) tmp[strlen(tmp) - 3] = 0;
    if (ends_with(tmp, ".jsonl") || ends_with(tmp, ".json") || ends_with(tmp, ".ndjson"))
        return TC_FMT_JSONL;
    if (ends_with(tmp, ".csv")) return TC_FMT_CSV;
    if (ends_with(tmp, ".tsv") || ends_with(tmp, ".tab")) return TC_FMT_TSV;
    if (ends_with(tmp, ".txt") || ends_with(tmp, ".text")) return TC_FMT_TEXT;
    if (ends_with(name, ".parquet")) return TC_FMT_PARQUET;
    return 0;
}

/* ---------------------------------------------------------------- JSONL */

/* cJSON keeps numbers as doubles, which hold integers exactly only up to
 * 2^53: a 19-digit id such as 1234567890123456789 came back as ...768.
 * Such an integer is copied from the line instead: the one integer literal
 * outside strings that reads as x (none found, or two different ones, and
 * the double is used). */
static int raw_integer(const char *line, size_t len, double x, char *out, size_t cap) {
    int in_str = 0, found = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = line[i];
        if (in_str) {
            if (ch == '\\') i++;
            else if (ch == '"') in_str = 0;
            continue;
        }
        if (ch == '"') { in_str = 1; continue; }
        if (ch != '-' && !isdigit((unsigned char)ch)) continue;
        size_t b = i, e = i + (ch == '-');
        while (e < len && isdigit((unsigned char)line[e])) e++;
        size_t t = e;
        while (t < len && (isdigit((unsigned char)line[t]) || strchr(".eE+-", line[t]))) t++;
        i = t - 1;
        if (t != e || e - b >= cap || e - b < 2) continue; /* not a plain integer */
        char tok[40];
        memcpy(tok, line + b, e - b), tok[e - b] = 0;
        if (strtod(tok, NULL) != x) continue;
        if (found && strcmp(out, tok)) return 0;
        memcpy(out, tok, e - b + 1), found = 1;
    }
    return found;
}

/* A JSON scalar as a malloc'd string: strings as they are, numbers as
 * integers when integral (big ones as written in line), booleans as
 * true/false; NULL for other types. */
static char *json_scalar(cJSON *v, const char *line, size_t len, int *taken) {
    char num[40];
    *taken = 0;
    if (cJSON_IsString(v)) {
        *taken = 1;
        char *s = v->valuestring; /* take the string over from cJSON */
        v->valuestring = NULL;
        return s;
    }
    if (cJSON_IsNumber(v)) {
        double x = v->valuedouble;
        if (x == floor(x) && fabs(x) >= 9007199254740992.0 && raw_integer(line, len, x, num, sizeof num))
            ;
        else if (x == floor(x) && fabs(x) < 9.2e18) snprintf(num, sizeof num, "%lld", (long long)x);
        else {
            snprintf(num, sizeof num, "%.15g", x);
            if (strtod(num, NULL) != x) snprintf(num, sizeof num, "%.17g", x);
        }
        return tc_strdup(num);
    }
    if (cJSON_IsBool(v)) return tc_strdup(cJSON_IsTrue(v) ? "true" : "false");
    return NULL;
}

static const char *json_type_name(const cJSON *v) {
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    return "a boolean";
}

/* Reads one text from the open JSONL file: 1 appended, 0 end, < 0 error. */
static int jsonl_next(tc_reader *r, tc_textset *batch) {
    tc_source *s = &r->src;
    char *line;
    size_t len;
    int rc;
    for (;;) {
        if ((rc = next_line(r, &line, &len)) <= 0) return rc;
        size_t i = 0;
        while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) i++;
        if (i < len) break; /* blank lines are skipped */
    }
    if (r->ranged && s->line_off >= r->hi) return 0; /* the next part's */
    size_t n_nul = 0, n_surr = 0;
    len = tc_json_fix_escapes(line, len, &n_nul, &n_surr);
    if (n_nul && r->n_nul == 0) r->nul_line = s->line;
    if (n_surr && r->n_surr == 0) r->surr_line = s->line;
    r->n_nul += n_nul, r->n_surr += n_surr;
    const char *end = NULL;
    cJSON *obj = cJSON_ParseWithLengthOpts(line, len, &end, 0);
    if (!obj) {
        size_t col = end && end >= line ? (size_t)(end - line) + 1 : 1;
        const char *hint = line[strspn(line, " \t")] == '[' && s->line == 1
                               ? " (a JSON array file? expected one JSON object per line)" : "";
        r->bad = 1;
        return tc_error(TC_EFORMAT, "%s:%zu: malformed JSON at column %zu%s", s->path, s->line,
                        col, hint);
    }
    end += strspn(end, " \t\r");
    if (end < line + len) {
        cJSON_Delete(obj);
        r->bad = 1;
        return tc_error(TC_EFORMAT, "%s:%zu: unexpected text after the JSON value at column %zu",
                        s->path, s->line, (size_t)(end - line) + 1);
    }
    if (!cJSON_IsObject(obj)) {
        r->bad = 1;
        rc = tc_error(TC_EFORMAT, "%s:%zu: expected a JSON object, found %s", s->path, s->line,
                      json_type_name(obj));
        cJSON_Delete(obj);
        return rc;
    }
    cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, r->field);
    if (!v) {
        tc_sb names = {0};
        for (cJSON *c = obj->child; c; c = c->next)
            tc_sb_printf(&names, "%s%s", names.len ? ", " : "", c->string ? c->string : "");
        r->bad = 1;
        rc = tc_error(TC_ENOTFOUND, "%s:%zu: no field \"%s\"; fields: %s", s->path, s->line,
                      r->field, names.len ? names.s : "(none)");
        tc_sb_free(&names);
        cJSON_Delete(obj);
        return rc;
    }
    int taken;
    char *raw = json_scalar(v, line, len, &taken), *text = NULL, *id = NULL;
    if (!raw) {
        r->bad = 1;
        rc = tc_error(TC_EFORMAT, "%s:%zu: field \"%s\" is %s, expected a string", s->path,
                      s->line, r->field, json_type_name(v));
        cJSON_Delete(obj);
        return rc;
    }
    text = store_limited(r, batch, raw, strlen(raw));
    free(raw);
    if (r->id_field && text) {
        cJSON *iv = cJSON_GetObjectItemCaseSensitive(obj, r->id_field);
        char *raw_id = iv ? json_scalar(iv, line, len, &taken) : NULL;
        if (raw_id) {
            if (!(id = store_text(r, batch, raw_id, strlen(raw_id), 0))) text = NULL;
            free(raw_id);
        }
    }
    cJSON_Delete(obj);
    if (!text) return tc_error(TC_ENOMEM, "%s:%zu: out of memory", s->path, s->line);
    if ((rc = textset_push(batch, text, id)) < 0) return rc;
    return 1;
}

/* ---------------------------------------------------------------- CSV / TSV */

static int csv_add_field(tc_reader *r, size_t *nf) {
    if (*nf == r->fcap) {
        size_t cap = r->fcap ? r->fcap * 2 : 16;
        size_t *nfs = realloc(r->fstart, cap * sizeof *nfs);
        if (!nfs) return tc_error(TC_ENOMEM, "%s: out of memory", r->src.path);
        r->fstart = nfs, r->fcap = cap;
    }
    r->fstart[(*nf)++] = r->rec.len;
    return 0;
}

/* Parses the next record into r->rec / r->fstart; returns the field count,
 * 0 at the end, or an error. Blank lines between records are skipped.
 * *first_line is the line the record starts on. */
static long csv_record(tc_reader *r, size_t *first_line) {
    tc_source *s = &r->src;
    char *line, d = r->delim;
    size_t len, full, nf = 0; /* len: without a trailing \r; full: with it */
    int rc;
    for (;;) {
        if ((rc = next_line(r, &line, &full)) <= 0) return rc;
        len = full > 0 && line[full - 1] == '\r' ? full - 1 : full;
        if (len > 0) break;
    }
    *first_line = s->line;
    r->rec.len = 0;
    size_t pos = 0;
    for (;;) { /* one field per turn */
        if ((rc = csv_add_field(r, &nf)) < 0) return rc;
        if (pos < len && line[pos] == '"') {
            size_t quote_line = s->line;
            pos++;
            for (;;) {
                char *q = memchr(line + pos, '"', len - pos);
                if (!q) { /* the field goes on past this line */
                    if (r->rec.len + full - pos > r->max_record)
                        return tc_error(TC_EFORMAT, "%s:%zu: record longer than %zu bytes, the "
                                        "longest read (a quoted field never closed?); the limit "
                                        "is 16 x max_text_bytes", s->path, *first_line,
                                        r->max_record);
                    tc_sb_append(&r->rec, line + pos, full - pos); /* a \r\n stays inside quotes */
                    tc_sb_append(&r->rec, "\n", 1);
                    if ((rc = next_line(r, &line, &full)) < 0) return rc;
                    if (rc == 0)
                        return tc_error(TC_EFORMAT, "%s:%zu: unterminated quoted field (no closing "
                                        "quote before the end of the file)", s->path, quote_line);
                    len = full > 0 && line[full - 1] == '\r' ? full - 1 : full;
                    pos = 0;
                    continue;
                }
                tc_sb_append(&r->rec, line + pos, (size_t)(q - (line + pos)));
                pos = (size_t)(q - line) + 1;
                if (pos < len && line[pos] == '"') { /* "" is one quote */
                    tc_sb_append(&r->rec, "\"", 1);
                    pos++;
                    continue;
                }
                break;
            }
        }
        /* unquoted text (or text after a closing quote, kept as it is) */
        char *e = memchr(line + pos, d, len - pos);
        size_t stop = e ? (size_t)(e - line) : len;
        tc_sb_append(&r->rec, line + pos, stop - pos);
        tc_sb_append(&r->rec, "", 1); /* the field's NUL */
        if (r->rec.oom) return tc_error(TC_ENOMEM, "%s:%zu: out of memory", s->path, s->line);
        if (!e) break;
        pos = stop + 1;
    }
    return (long)nf;
}

static int csv_header(tc_reader *r) {
    size_t line;
    long nf = csv_record(r, &line);
    if (nf <= 0) return (int)nf; /* an empty file: no texts */
    r->n_cols = (size_t)nf;
    r->col_text = r->col_id = SIZE_MAX;
    for (size_t i = 0; i < r->n_cols; i++) {
        const char *name = r->rec.s + r->fstart[i];
        if (r->col_text == SIZE_MAX && strcmp(name, r->field) == 0) r->col_text = i;
        if (r->id_field && r->col_id == SIZE_MAX && strcmp(name, r->id_field) == 0) r->col_id = i;
    }
    if (r->col_text == SIZE_MAX) {
        tc_sb names = {0};
        for (size_t i = 0; i < r->n_cols; i++)
            tc_sb_printf(&names, "%s%s", i ? ", " : "", r->rec.s + r->fstart[i]);
        int rc = tc_error(TC_ENOTFOUND, "%s:%zu: no column \"%s\"; columns: %s", r->src.path, line,
                          r->field, names.s ? names.s : "");
        tc_sb_free(&names);
        return rc;
    }
    return 1;
}

static int csv_next(tc_reader *r, tc_textset *batch) {
    size_t line;
    if (r->ranged && tc_source_offset(&r->src) >= r->hi) return 0;
    long nf = csv_record(r, &line);
    if (nf <= 0) return (int)nf;
    if ((size_t)nf > r->n_cols || (size_t)nf <= r->col_text)
        return r->bad = 1, tc_error(TC_EFORMAT, "%s:%zu: %ld fields, the header has %zu", r->src.path, line, nf,
                        r->n_cols);
    const char *t = r->rec.s + r->fstart[r->col_text];
    char *text = store_limited(r, batch, t, strlen(t)), *id = NULL;
    if (text && r->col_id < (size_t)nf) {
        const char *i = r->rec.s + r->fstart[r->col_id];
        if (!(id = store_text(r, batch, i, strlen(i), 0))) text = NULL;
    }
    if (!text) return tc_error(TC_ENOMEM, "%s:%zu: out of memory", r->src.path, line);
    int rc = textset_push(batch, text, id);
    return rc < 0 ? rc : 1;
}

/* ---------------------------------------------------------------- plain text */

static int blank(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (!strchr(" \t\r\v\f", s[i])) return 0;
    return 1;
}

static int text_next(tc_reader *r, tc_textset *batch) {
    char *line;
    size_t len;
    int rc;
    for (;;) { /* blank lines hold no text to embed: skipped and counted */
        if ((rc = next_line(r, &line, &len)) <= 0) return rc;
        if (!blank(line, len)) break;
        r->n_blank++;
    }
    if (r->ranged && r->src.line_off >= r->hi) return 0;
    if (len > 0 && line[len - 1] == '\r') len--;
    char *text = store_limited(r, batch, line, len);
    if (!text) return tc_error(TC_ENOMEM, "%s:%zu: out of memory", r->src.path, r->src.line);
    rc = textset_push(batch, text, NULL);
    return rc < 0 ? rc : 1;
}

/* ---------------------------------------------------------------- Parquet */

/* 1 when s[0..n) is ASCII without NUL, most text: nothing to repair or
 * drop, found in one pass (rather than a NUL search and a UTF-8 check). */
static int plain_ascii(const char *s, size_t n) {
    const uint64_t hi = 0x8080808080808080ull, one = 0x0101010101010101ull;
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) { /* words loaded one by one: a copy to an array stalls the load */
        uint64_t w0, w1;
        memcpy(&w0, s + i, 8), memcpy(&w1, s + i + 8, 8);
        acc |= w0 | ((w0 - one) & ~w0) | w1 | ((w1 - one) & ~w1); /* a high bit or a zero byte */
    }
    for (; i < n; i++) acc |= (uint8_t)(s[i] - 1) >= 0x7f ? hi : 0;
    return (acc & hi) == 0;
}

static int parquet_next(tc_reader *r, tc_textset *batch) {
    const char *t, *i;
    size_t tl, il;
    int rc = tc_parquet_next(r->pq, &t, &tl, &i, &il);
    if (rc <= 0) return rc;
    r->src.line++; /* the row, for the repair warnings */
    char *clean = NULL, *text, *id = NULL;
    if (tl <= r->max_text && plain_ascii(t, tl)) {
        text = textset_store(batch, t, tl);
    } else {
        if (memchr(t, 0, tl)) { /* NULs dropped, as in the other formats */
            if (!(clean = malloc(tl))) return tc_error(TC_ENOMEM, "out of memory");
            size_t o = 0;
            for (size_t k = 0; k < tl; k++)
                if (t[k]) clean[o++] = t[k];
            if (r->n_nul == 0) r->nul_line = r->src.line;
            r->n_nul += tl - o;
            t = clean, tl = o;
        }
        text = store_limited(r, batch, t, tl);
        free(clean);
    }
    if (text && i && !(id = store_text(r, batch, i, il, 0))) text = NULL;
    if (!text) return tc_error(TC_ENOMEM, "%s: out of memory", r->files[r->next_file - 1]);
    rc = textset_push(batch, text, id);
    return rc < 0 ? rc : 1;
}

/* A Parquet file whose name does not say so: a regular file (or the
 * memory buffer) starting with the magic. */
static int parquet_magic(const tc_reader *r, const char *path) {
    if (r->mem) return r->mem_len >= 4 && memcmp(r->mem, "PAR1", 4) == 0;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    FILE *f = fopen(path, "rb");
    char m[4];
    int yes = f && fread(m, 1, 4, f) == 4 && memcmp(m, "PAR1", 4) == 0;
    if (f) fclose(f);
    return yes;
}

/* ---------------------------------------------------------------- parts */

/* floor(total * i / n), exactly. */
static unsigned long long part_at(unsigned long long total, int i, int n) {
    return (unsigned long long)((unsigned __int128)total * (unsigned)i / (unsigned)n);
}

/* A folder's part: the files whose first byte, counting the files before
 * them in name order, falls in the part's share of the total size. */
static int cut_files(tc_reader *r) {
    unsigned long long total = 0, at = 0, *size = calloc(r->n_files, sizeof *size);
    if (!size) return tc_error(TC_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->n_files; i++) {
        struct stat st;
        size[i] = stat(r->files[i], &st) == 0 ? (unsigned long long)st.st_size : 0;
        total += size[i];
    }
    unsigned long long lo = part_at(total, r->shard, r->n_shards);
    unsigned long long hi = part_at(total, r->shard + 1, r->n_shards);
    size_t kept = 0;
    for (size_t i = 0; i < r->n_files; i++) {
        if (at >= lo && at < hi) r->files[kept++] = r->files[i];
        else free(r->files[i]);
        at += size[i];
    }
    r->n_files = kept;
    free(size);
    return 0;
}

/* A single file's part, set when it is opened: Parquet row groups whose
 * first row falls in the part's share of the rows; for the text formats
 * the share [lo, hi) of the decoded bytes (gzip: one extra decoding pass
 * to learn the size). */
static int range_file(tc_reader *r, const char *path) {
    int i = r->shard, n = r->n_shards;
    if (r->pq) {
        size_t ng = tc_parquet_n_groups(r->pq), g0 = 0, g1 = 0;
        unsigned long long total = 0, at = 0;
        for (size_t g = 0; g < ng; g++) total += tc_parquet_group_rows(r->pq, g);
        unsigned long long lo = part_at(total, i, n), hi = part_at(total, i + 1, n);
        for (size_t g = 0; g < ng; g++) {
            g0 += at < lo, g1 += at < hi;
            at += tc_parquet_group_rows(r->pq, g);
        }
        tc_parquet_limit(r->pq, g0, g1);
        return 0;
    }
    unsigned long long size;
    int rc = tc_source_size(path, &size);
    if (rc) return rc;
    r->lo = part_at(size, i, n), r->hi = part_at(size, i + 1, n), r->ranged = 1;
    return 0;
}

/* Drops what comes before the part's start: whole lines for JSONL and
 * text, parsed records for CSV/TSV (a quoted field may hold newlines, so
 * only parsing from the start finds where records begin). 1 when the
 * start is reached, 0 at the end, < 0 an error. */
static int skip_prefix(tc_reader *r) {
    tc_source *s = &r->src;
    while (tc_source_offset(s) < r->lo) {
        int rc;
        if (r->fmt == TC_FMT_CSV || r->fmt == TC_FMT_TSV) {
            size_t line;
            long nf = r->n_cols ? csv_record(r, &line) : 0;
            rc = nf < 0 ? (int)nf : nf > 0;
        } else {
            char *line;
            size_t len;
            rc = tc_source_line(s, &line, &len);
        }
        if (rc <= 0) return rc;
    }
    return 1;
}

/* ---------------------------------------------------------------- opening */

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the folder's files to read, sorted by name. */
static int list_folder(tc_reader *r, const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return tc_error(errno == ENOENT ? TC_ENOTFOUND : TC_EIO, "%s: %s", dir, strerror(errno));
    size_t cap = 0;
    struct dirent *e;
    int rc = 0;
    size_t dl = strlen(dir);
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (r->format == TC_FMT_AUTO && !format_of_name(e->d_name)) continue;
        size_t need = dl + strlen(e->d_name) + 2;
        char *p = malloc(need);
        if (!p) { rc = tc_error(TC_ENOMEM, "%s: out of memory", dir); break; }
        snprintf(p, need, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", e->d_name);
        struct stat st;
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) { free(p); continue; }
        if (r->n_files == cap) {
            cap = cap ? cap * 2 : 16;
            char **nf = realloc(r->files, cap * sizeof *nf);
            if (!nf) { free(p); rc = tc_error(TC_ENOMEM, "%s: out of memory", dir); break; }
            r->files = nf;
        }
        r->files[r->n_files++] = p;
    }
    closedir(d);
    if (rc) return rc;
    if (r->n_files == 0)
        return tc_error(TC_ENOTFOUND, "%s: no files to read (expected .jsonl, .json, .csv, .tsv or "
                        ".txt, optionally .gz, or .parquet)", dir);
    qsort(r->files, r->n_files, sizeof *r->files, cmp_str);
    return 0;
}

/* The format of a file whose name does not say it: JSONL when its first
 * non-blank line is a JSON object, else text. Looks only at what the source
 * has buffered (its first 4 KiB at least). */
static int sniff_format(const tc_source *s) {
    const char *p = s->buf + s->beg, *e = s->buf + s->end;
    if (e - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
    while (p < e && strchr(" \t\r\n", *p) && *p) p++;
    if (p == e || *p != '{') return TC_FMT_TEXT;
    const char *nl = memchr(p, '\n', (size_t)(e - p));
    cJSON *v = cJSON_ParseWithLength(p, (size_t)((nl ? nl : e) - p));
    int fmt = cJSON_IsObject(v) ? TC_FMT_JSONL : TC_FMT_TEXT;
    cJSON_Delete(v);
    return fmt;
}

static int open_next_file(tc_reader *r) {
    const char *path = r->files[r->next_file++];
    int pq = r->format == TC_FMT_PARQUET ||
             (r->format == TC_FMT_AUTO && (format_of_name(path) == TC_FMT_PARQUET ||
                                           (!format_of_name(path) && parquet_magic(r, path))));
    if (pq) {
        int rc = tc_parquet_open(path, r->mem, r->mem_len, r->field, r->id_field, &r->pq);
        if (rc) return rc;
        r->open = 1, r->fmt = TC_FMT_PARQUET, r->src.line = 0;
        return r->n_shards > 1 && r->single ? range_file(r, path) : 0;
    }
    int rc = r->mem ? tc_source_open_mem(&r->src, path, r->mem, r->mem_len, r->max_record)
                    : tc_source_open(&r->src, path, r->max_record);
    if (rc) return rc;
    r->open = 1;
    r->fmt = r->format ? r->format : format_of_name(path);
    if (!r->fmt) r->fmt = sniff_format(&r->src);
    if (r->fmt == TC_FMT_CSV || r->fmt == TC_FMT_TSV) {
        r->delim = r->fmt == TC_FMT_CSV ? ',' : '\t';
        rc = csv_header(r);
        if (rc < 0) return rc;
        if (rc == 0) r->n_cols = 0; /* empty file */
    }
    return r->n_shards > 1 && r->single ? range_file(r, path) : 0;
}

tc_reader_opts tc_reader_default_opts(void) {
    tc_reader_opts o = {0, 0, 0, 0, 0};
    return o;
}

/* Allocates r and checks the arguments; the files are set by the caller. */
static int reader_new(const char *name, int format, const char *field, const char *id_field,
                      const tc_reader_opts *opts, tc_reader **out) {
    *out = NULL;
    if (format < TC_FMT_AUTO || format > TC_FMT_PARQUET)
        return tc_error(TC_EINVAL, "%s: unknown format %d", name, format);
    long mt = opts && opts->max_text_bytes ? (long)opts->max_text_bytes : TC_MAX_TEXT_BYTES_DEFAULT;
    if (mt <= 0 || mt > TC_MAX_TEXT_BYTES_LIMIT)
        return tc_error(TC_EINVAL, "max_text_bytes %ld: expected 1 to %ld", mt,
                        (long)TC_MAX_TEXT_BYTES_LIMIT);
    if (!field || !*field) field = "text";
    int ns = opts && opts->num_shards > 1 ? opts->num_shards : 1, si = opts ? opts->shard_index : 0;
    if (si < 0 || si >= ns)
        return tc_error(TC_EINVAL, "%s: shard index %d: expected 0 to %d", name, si, ns - 1);
    tc_reader *r = calloc(1, sizeof *r);
    if (!r) return tc_error(TC_ENOMEM, "out of memory");
    r->src.fd = -1;
    r->format = format;
    r->n_shards = ns, r->shard = si;
    r->skip_bad = opts && opts->skip_bad;
    r->max_text = (size_t)mt;
    r->max_record = opts && opts->max_record_bytes ? opts->max_record_bytes : 16 * r->max_text;
    if (r->max_record < r->max_text) r->max_record = r->max_text;
    r->field = tc_strdup(field);
    r->id_field = id_field && *id_field ? tc_strdup(id_field) : NULL;
    if (!r->field || (id_field && *id_field && !r->id_field)) {
        tc_reader_close(r);
        return tc_error(TC_ENOMEM, "out of memory");
    }
    *out = r;
    return 0;
}

int tc_reader_open_opts(const char *path, int format, const char *field, const char *id_field,
                        const tc_reader_opts *opts, tc_reader **out) {
    tc_reader *r;
    int rc = reader_new(path, format, field, id_field, opts, &r);
    if (rc) return rc;
    struct stat st;
    if (stat(path, &st) != 0)
        rc = tc_error(errno == ENOENT ? TC_ENOTFOUND : TC_EIO, "%s: %s", path, strerror(errno));
    else if (S_ISDIR(st.st_mode)) {
        if (!(rc = list_folder(r, path)) && r->n_shards > 1) rc = cut_files(r);
    } else if (!(r->files = malloc(sizeof *r->files)) || !(r->files[0] = tc_strdup(path)))
        rc = tc_error(TC_ENOMEM, "out of memory");
    else r->n_files = 1, r->single = 1;
    /* so that open reports a bad first file; a folder's part may hold none */
    if (rc == 0 && r->n_files) rc = open_next_file(r);
    if (rc) {
        tc_reader_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

int tc_reader_open_files(const char *const *paths, size_t n, int format, const char *field,
                         const char *id_field, const tc_reader_opts *opts, tc_reader **out) {
    *out = NULL;
    if (n == 0) return tc_error(TC_EINVAL, "no files to read");
    tc_reader *r;
    int rc = reader_new(paths[0], format, field, id_field, opts, &r);
    if (rc) return rc;
    if (!(r->files = calloc(n, sizeof *r->files))) rc = tc_error(TC_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < n; i++, r->n_files++)
        if (!(r->files[i] = tc_strdup(paths[i]))) rc = tc_error(TC_ENOMEM, "out of memory");
    if (rc == 0) rc = open_next_file(r);
    if (rc) {
        tc_reader_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

int tc_reader_open(const char *path, int format, const char *field, const char *id_field,
                   tc_reader **out) {
    return tc_reader_open_opts(path, format, field, id_field, NULL, out);
}

int tc_reader_open_mem(const char *name, const void *data, size_t len, int format,
                       const char *field, const char *id_field, const tc_reader_opts *opts,
                       tc_reader **out) {
    if (!name || !*name) name = "(memory)";
    tc_reader *r;
    int rc = reader_new(name, format, field, id_field, opts, &r);
    if (rc) return rc;
    r->mem = data ? data : "", r->mem_len = data ? len : 0;
    r->n_shards = 1, r->shard = 0; /* parts need a file to measure */
    if (!(r->files = malloc(sizeof *r->files)) || !(r->files[0] = tc_strdup(name)))
        rc = tc_error(TC_ENOMEM, "out of memory");
    else r->n_files = 1;
    if (rc == 0) rc = open_next_file(r);
    if (rc) {
        tc_reader_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

/* ---------------------------------------------------------------- reading */

long tc_reader_next(tc_reader *r, size_t max, tc_textset *batch) {
    if (r->err) return tc_error(r->err, "%s", r->errmsg);
    size_t got = 0;
    while (got < max) {
        int rc, opened_now = 0;
        if (!r->open) {
            if (r->next_file == r->n_files) break;
            rc = open_next_file(r);
            opened_now = 1;
        } else if (r->ranged && tc_source_offset(&r->src) < r->lo) {
            if ((rc = skip_prefix(r)) == 1) continue;
            opened_now = 0;
        } else if (r->fmt == TC_FMT_JSONL) {
            rc = jsonl_next(r, batch);
        } else if (r->fmt == TC_FMT_TEXT) {
            rc = text_next(r, batch);
        } else if (r->fmt == TC_FMT_PARQUET) {
            rc = parquet_next(r, batch);
        } else {
            rc = r->n_cols ? csv_next(r, batch) : 0;
        }
        if (rc < 0 && r->bad && r->skip_bad) { /* --on_error skip */
            r->bad = 0;
            if (++r->n_skipped <= 20) tc_warn("%s (skipped)", tc_last_error());
            if (r->n_skipped == 20) tc_warn("further malformed records are skipped without a message");
            continue;
        }
        if (rc < 0) { /* later calls return the same error */
            r->err = rc;
            snprintf(r->errmsg, sizeof r->errmsg, "%s", tc_last_error());
            return rc;
        }
        if (rc == 1) got++;
        else if (rc == 0 && r->open && opened_now == 0) {
            if (r->pq && tc_parquet_nulls(r->pq))
                tc_warn("%s: %zu row%s with a null \"%s\" skipped", r->files[r->next_file - 1],
                        tc_parquet_nulls(r->pq), tc_parquet_nulls(r->pq) == 1 ? "" : "s", r->field);
            report_file(r);
            tc_parquet_close(r->pq), r->pq = NULL;
            tc_source_close(&r->src), r->open = 0;
        }
    }
    return (long)got;
}

size_t tc_reader_repaired(const tc_reader *r) { return r->repaired; }
size_t tc_reader_skipped(const tc_reader *r) { return r->n_skipped; }
size_t tc_reader_n_files(const tc_reader *r) { return r->n_files; }

/* ---------------------------------------------------------------- positions */

void tc_reader_tell(const tc_reader *r, tc_reader_pos *pos) {
    memset(pos, 0, sizeof *pos);
    pos->file = r->open ? r->next_file - 1 : r->next_file;
    if (!r->open) return;
    pos->offset = r->pq ? tc_parquet_tell(r->pq) : tc_source_offset(&r->src);
    pos->line = r->src.line;
}

/* Closes the open file without its repair warnings (a seek passes it). */
static void drop_file(tc_reader *r) {
    tc_parquet_close(r->pq), r->pq = NULL;
    tc_source_close(&r->src), r->open = 0;
    r->n_nul = r->n_cut = r->n_surr = r->n_blank = 0;
}

int tc_reader_seek(tc_reader *r, const tc_reader_pos *pos) {
    if (r->err) return tc_error(r->err, "%s", r->errmsg);
    tc_reader_pos at;
    tc_reader_tell(r, &at);
    const char *name = r->n_files ? r->files[0] : "(input)";
    if (pos->file > r->n_files || pos->file < at.file ||
        (pos->file == at.file && pos->offset < at.offset && pos->offset != 0))
        return tc_error(TC_EINVAL, "%s: position (file %llu, %s %llu) is not ahead of the reader",
                        name, pos->file, r->pq ? "row" : "byte", pos->offset);
    if (pos->file > at.file) {
        if (r->open) drop_file(r);
        r->next_file = (size_t)pos->file;
    }
    if (pos->file == r->n_files) return 0;
    int rc = r->open ? 0 : open_next_file(r);
    tc_reader_tell(r, &at);
    if (rc == 0 && pos->offset > at.offset)  /* not at a file's start, before its CSV header */
        rc = r->pq ? tc_parquet_seek(r->pq, pos->offset)
                   : tc_source_seek(&r->src, pos->offset, (size_t)pos->line);
    if (r->pq && pos->offset > at.offset) r->src.line = (size_t)pos->line;
    if (rc) {
        r->err = rc;
        snprintf(r->errmsg, sizeof r->errmsg, "%s", tc_last_error());
    }
    return rc;
}

void tc_reader_close(tc_reader *r) {
    if (!r) return;
    if (r->open && !r->err) report_file(r); /* a file left part-read */
    tc_source_close(&r->src);
    tc_parquet_close(r->pq);
    for (size_t i = 0; i < r->n_files; i++) free(r->files[i]);
    free(r->files);
    free(r->field);
    free(r->id_field);
    tc_sb_free(&r->rec);
    free(r->fstart);
    free(r);
}

/* Reads r to its end into out, closing it; path names the input. */
static int read_all(tc_reader *r, const char *path, tc_textset *out) {
    long got;
    while ((got = tc_reader_next(r, (size_t)1 << 20, out)) > 0) {}
    size_t repaired = tc_reader_repaired(r);
    tc_reader_close(r);
    if (got < 0) {
        tc_textset_free(out);
        return (int)got;
    }
    if (out->n == 0) return tc_error(TC_EFORMAT, "%s: no texts", path);
    if (repaired)
        tc_warn("%s: %zu text%s had invalid UTF-8; each bad byte was replaced by U+FFFD", path,
                repaired, repaired == 1 ? "" : "s");
    return 0;
}

int tc_read_texts(const char *path, int format, const char *field, const char *id_field,
                  const tc_reader_opts *opts, tc_textset *out) {
    memset(out, 0, sizeof *out);
    tc_reader *r;
    int rc = tc_reader_open_opts(path, format, field, id_field, opts, &r);
    return rc ? rc : read_all(r, path, out);
}

int tc_read_texts_files(const char *const *paths, size_t n, const char *name, int format,
                        const char *field, const char *id_field, const tc_reader_opts *opts,
                        tc_textset *out) {
    memset(out, 0, sizeof *out);
    tc_reader *r;
    int rc = tc_reader_open_files(paths, n, format, field, id_field, opts, &r);
    return rc ? rc : read_all(r, name, out);
}
