/* overlay.c - the texts placed on a map after the fit, read from infer's
 * JSONL output (one object per line: id, label, summary, distance, x, y),
 * one or several files (shards, or a merged file) in order. Each line is
 * parsed on its own with cJSON and only x, y, label, distance and id are
 * kept (28 bytes per point plus the id), so memory follows the number of
 * points, not the size of the lines. Nothing in the file says which save
 * folder it was inferred against; labels unknown to the map are counted by
 * the plotters. */
#include "viz/viz.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE (1u << 20)   /* infer writes lines of a few hundred bytes */
#define MAX_ID 256            /* bytes of an id kept (cut on a UTF-8 boundary) */
#define ID_CHARS 300          /* characters of an id the pages show */

/* ---------------------------------------------------------------- storage */

static int grow(tc_overlay *o, size_t *cap) {
    if (o->n < *cap) return 0;
    size_t c = *cap ? *cap * 2 : 1024;
    float *xy = realloc(o->xy, c * 2 * sizeof *xy);
    if (xy) o->xy = xy;
    int64_t *lab = realloc(o->labels, c * sizeof *lab);
    if (lab) o->labels = lab;
    float *d = realloc(o->distance, c * sizeof *d);
    if (d) o->distance = d;
    uint64_t *at = realloc(o->id_at, c * sizeof *at);
    if (at) o->id_at = at;
    if (!xy || !lab || !d || !at) return TC_ENOMEM;
    *cap = c;
    return 0;
}

static int add_id(tc_overlay *o, size_t *cap, const char *s, size_t len) {
    if (len > MAX_ID) {
        len = MAX_ID;
        while (len && ((unsigned char)s[len] & 0xc0) == 0x80) len--;
    }
    if (o->ids_len + len + 1 > *cap) {
        size_t c = *cap ? *cap : 4096;
        while (c < o->ids_len + len + 1) c *= 2;
        char *p = realloc(o->ids, c);
        if (!p) return TC_ENOMEM;
        o->ids = p;
        *cap = c;
    }
    o->id_at[o->n] = o->ids_len;
    memcpy(o->ids + o->ids_len, s, len);
    o->ids[o->ids_len + len] = 0;
    o->ids_len += len + 1;
    return 0;
}

/* ---------------------------------------------------------------- lines */

static int coord(const cJSON *j, const char *key, const char *file, size_t line, float *v) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, key);
    if (!x)
        return tc_error(TC_EFORMAT, "%s: line %zu: %s: missing (infer's output has x and y; "
                        "one written before positions were added needs infer again)", file, line, key);
    if (!cJSON_IsNumber(x)) return tc_error(TC_EFORMAT, "%s: line %zu: %s: not a number", file, line, key);
    if (!isfinite(x->valuedouble) || fabs(x->valuedouble) > 3e38)
        return tc_error(TC_EFORMAT, "%s: line %zu: %s: not a finite 32-bit float", file, line, key);
    *v = (float)x->valuedouble;
    return 0;
}

/* One non-blank line into point o->n. */
static int parse_line(tc_overlay *o, size_t *ids_cap, const char *s, size_t len, const char *file,
                      size_t line) {
    cJSON *j = cJSON_ParseWithLength(s, len);
    if (!j) return tc_error(TC_EFORMAT, "%s: line %zu: not valid JSON", file, line);
    int rc = 0;
    char num[40];
    if (!cJSON_IsObject(j)) { rc = tc_error(TC_EFORMAT, "%s: line %zu: not a JSON object", file, line); goto done; }
    float x, y;
    if ((rc = coord(j, "x", file, line, &x)) || (rc = coord(j, "y", file, line, &y))) goto done;
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(j, "label");
    if (!l) { rc = tc_error(TC_EFORMAT, "%s: line %zu: label: missing", file, line); goto done; }
    double lv = cJSON_IsNumber(l) ? l->valuedouble : NAN;
    if (!(fabs(lv) <= 9007199254740992.0) || lv != floor(lv)) {
        rc = tc_error(TC_EFORMAT, "%s: line %zu: label: not an integer up to 2^53", file, line);
        goto done;
    }
    float dist = NAN;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "distance");
    if (d && cJSON_IsNumber(d)) dist = (float)d->valuedouble;
    else if (d && !cJSON_IsNull(d)) { rc = tc_error(TC_EFORMAT, "%s: line %zu: distance: not a number", file, line); goto done; }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
    const char *ids = "";
    if (cJSON_IsString(id)) ids = id->valuestring;
    else if (cJSON_IsNumber(id)) { snprintf(num, sizeof num, "%.17g", id->valuedouble); ids = num; }
    else if (id && !cJSON_IsNull(id)) { rc = tc_error(TC_EFORMAT, "%s: line %zu: id: not a string or number", file, line); goto done; }
    if (o->n == SIZE_MAX / 32) { rc = tc_error(TC_EINVAL, "%s: too many points", file); goto done; }
    if ((rc = add_id(o, ids_cap, ids, strlen(ids)))) goto done;
    o->xy[2 * o->n] = x;
    o->xy[2 * o->n + 1] = y;
    o->labels[o->n] = (int64_t)lv;
    o->distance[o->n] = dist;
    o->n_noise += lv < 0;
    o->n++;
done:
    cJSON_Delete(j);
    return rc;
}

static int read_file(tc_overlay *o, size_t *cap, size_t *ids_cap, const char *path) {
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) return tc_error(TC_EIO, "%s: %s", path, strerror(errno));
    char *buf = malloc(MAX_LINE + 2);
    int rc = buf ? 0 : TC_ENOMEM;
    size_t line = 0;
    while (!rc && fgets(buf, MAX_LINE + 2, f)) {
        line++;
        size_t len = strlen(buf);
        if (len == MAX_LINE + 1 && buf[len - 1] != '\n') {
            rc = tc_error(TC_EFORMAT, "%s: line %zu: longer than %u bytes", path, line, MAX_LINE);
            break;
        }
        size_t a = 0;
        while (a < len && (buf[a] == ' ' || buf[a] == '\t' || buf[a] == '\r' || buf[a] == '\n')) a++;
        if (a == len) continue;                      /* blank line */
        if ((rc = grow(o, cap))) break;
        rc = parse_line(o, ids_cap, buf, len, path, line);
    }
    if (rc == TC_ENOMEM) rc = tc_error(TC_ENOMEM, "%s: out of memory at line %zu", path, line);
    else if (!rc && ferror(f)) rc = tc_error(TC_EIO, "%s: %s", path, strerror(errno));
    free(buf);
    if (f != stdin) fclose(f);
    return rc;
}

int tc_overlay_read(const char *const *paths, size_t n_paths, tc_overlay *out) {
    memset(out, 0, sizeof *out);
    if (!n_paths) return tc_error(TC_EINVAL, "overlay: no file");
    size_t cap = 0, ids_cap = 0;
    for (size_t i = 0; i < n_paths; i++) {
        int rc = read_file(out, &cap, &ids_cap, paths[i]);
        if (rc) { tc_overlay_free(out); return rc; }
    }
    return 0;
}

void tc_overlay_free(tc_overlay *o) {
    if (!o) return;
    free(o->xy);
    free(o->labels);
    free(o->distance);
    free(o->id_at);
    free(o->ids);
    memset(o, 0, sizeof *o);
}

/* ---------------------------------------------------------------- sample */

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Knuth's selection sampling (TAOCP 3.4.2, Algorithm S): each m-subset
 * equally likely, in ascending order, one pass. */
size_t tc_viz_overlay_sample(size_t n, size_t max, uint64_t seed, size_t *idx) {
    size_t m = n < max ? n : max, t = 0;
    uint64_t s = seed;
    for (size_t i = 0; i < n && t < m; i++) {
        double u = (double)(splitmix(&s) >> 11) * 0x1.0p-53;
        if ((double)(n - i) * u < (double)(m - t)) idx[t++] = i;
    }
    return t;
}

/* ---------------------------------------------------------------- style */

int32_t tc_viz_cluster_slot(const tc_viz_clusters *c, int64_t label) {
    if (label < 0) return -1;
    size_t lo = 0, hi = c->k;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->ids[mid] < label) lo = mid + 1;
        else hi = mid;
    }
    return lo < c->k && c->ids[lo] == label ? (int32_t)lo : -1;
}

/* A little larger than the map's points at the same count, so a few
 * inferred texts stand out and a million still leave the map readable. */
void tc_viz_overlay_style(size_t n, int width, int height, double *inner, double *outer) {
    double r;
    tc_viz_point_style(NULL, n, width, height, &r, &(double){0});
    *inner = fmax(1.5, r);
    *outer = *inner + fmax(1.0, 0.35 * *inner);
}

/* ---------------------------------------------------------------- pages */

static void put_float(tc_sb *b, double v) {
    if (isfinite(v)) tc_sb_printf(b, "%.7g", v);
    else tc_sb_puts(b, "null");
}

int tc_viz_overlay_json(tc_sb *b, const tc_overlay *ov, uint64_t seed, void (*flush)(void *),
                        void *arg) {
    size_t *idx = malloc((ov->n < TC_OVERLAY_HTML_MAX ? ov->n : TC_OVERLAY_HTML_MAX) * sizeof *idx + 1);
    if (!idx) return tc_error(TC_ENOMEM, "overlay: out of memory");
    size_t m = tc_viz_overlay_sample(ov->n, TC_OVERLAY_HTML_MAX, seed, idx), noise = 0;
    for (size_t t = 0; t < m; t++) noise += ov->labels[idx[t]] < 0;
    tc_sb_printf(b, "{\"n_total\":%zu,\"n_noise_total\":%zu,\"n\":%zu,\"n_noise\":%zu", ov->n,
                 ov->n_noise, m, noise);
    static const char *cols[] = {"x", "y", "label", "distance", "id"};
    for (int c = 0; c < 5 && !b->oom; c++) {
        tc_sb_printf(b, ",\"%s\":[", cols[c]);
        for (size_t t = 0; t < m; t++) {
            size_t i = idx[t];
            if (t) tc_sb_append(b, ",", 1);
            if (c < 2) put_float(b, ov->xy[2 * i + c]);
            else if (c == 2) tc_sb_printf(b, "%lld", (long long)ov->labels[i]);
            else if (c == 3) put_float(b, ov->distance[i]);
            else {
                char *id = tc_viz_utf8_clean(ov->ids + ov->id_at[i], ID_CHARS);
                if (!id) { free(idx); return tc_error(TC_ENOMEM, "overlay: out of memory"); }
                tc_viz_json_string(b, id);
                free(id);
            }
            if (flush) flush(arg);
        }
        tc_sb_puts(b, "]");
    }
    tc_sb_puts(b, "}");
    free(idx);
    return b->oom ? tc_error(TC_ENOMEM, "overlay: out of memory") : 0;
}
