/* map_html.c - the interactive map (map.html): one self-contained page, the
 * template of map_page.html (compiled in through map_page.h) with the data
 * put in as inert <script> elements, the points before the page's code and
 * the texts after it (so the map is drawn before the texts are read):
 *   tc-meta   JSON: n, bbox, noise colour, clusters (id, name, size, centre,
 *             colour), nodes (the names by zoom: tc_viz_name_nodes_json)
 *   tc-xy     base64 of (n, 2) little-endian uint16, x and y quantised to the bbox
 *   tc-lab    base64 of (n) uint16 (uint32 when "wide"): 0 = noise, c+1 = cluster c
 *   tc-ov     (only with an overlay) JSON: the texts inferred after the fit,
 *             n_total, n, n_noise, and per point x, y, label, distance, id,
 *             at most TC_OVERLAY_HTML_MAX of them (a seeded sample)
 *   tc-texts  JSON array of the texts, each cut to TEXT_CHARS characters
 * JSON strings escape < > & (RFC 8259 \u escapes), so no text can close the
 * script element or open a comment; the page shows texts only through
 * textContent. Colours are those of map.png. */
#include "viz/viz.h"
#include "util/util.h"
#include "viz/map_page.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TEXT_CHARS 1024
#define NAME_CHARS 300

/* ---------------------------------------------------------------- output */

typedef struct {
    FILE *f;
    tc_sb b;
    int err;
} out_t;

static void flush_out(out_t *o, int force) {
    if (o->b.oom) { o->err = TC_ENOMEM; return; }
    if (!force && o->b.len < (1u << 20)) return;
    if (o->b.len && fwrite(o->b.s, 1, o->b.len, o->f) != o->b.len) o->err = TC_EIO;
    o->b.len = 0;
    if (o->b.s) o->b.s[0] = 0;
}

static void base64(tc_sb *b, const unsigned char *p, size_t n) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char chunk[4 * 1024];
    size_t c = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n) v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n) v |= p[i + 2];
        chunk[c++] = tab[v >> 18];
        chunk[c++] = tab[v >> 12 & 63];
        chunk[c++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
        chunk[c++] = i + 2 < n ? tab[v & 63] : '=';
        if (c == sizeof chunk) { tc_sb_append(b, chunk, c); c = 0; }
    }
    tc_sb_append(b, chunk, c);
}

/* Code points in s, counting no further than limit + 1. */
static size_t count_chars(const char *s, size_t limit) {
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && n <= limit; p++)
        if ((*p & 0xc0) != 0x80) n++;
    return n;
}

static void flush_cb(void *o) { flush_out(o, 0); }

/* ---------------------------------------------------------------- page */

int tc_viz_is_map_html(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char head[sizeof TC_VIZ_MAP_HTML_MARK] = {0};
    size_t got = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    return got == sizeof head - 1 && !memcmp(head, TC_VIZ_MAP_HTML_MARK, got);
}

int tc_write_map_html(const float *xy, size_t n, const int64_t *labels,
                      const char *const *texts, const tc_cluster_label *names,
                      size_t n_names, const char *path) {
    return tc_viz_map_html(xy, n, labels, texts, names, n_names, NULL, 0, NULL, 0, path);
}

int tc_viz_map_html(const float *xy, size_t n, const int64_t *labels, const char *const *texts,
                    const tc_cluster_label *names, size_t n_names, const tc_topic_node *tree,
                    size_t n_tree, const tc_overlay *ov, uint64_t seed, const char *path) {
    if (!path) return tc_error(TC_EINVAL, "map.html: no path");
    if (n && (!xy || !labels)) return tc_error(TC_EINVAL, "%s: xy and labels are required", path);
    tc_viz_clusters cl;
    int rc = tc_viz_clusters_build(xy, n, labels, &cl);
    if (rc) return rc;
    int wide = cl.k + 1 > 65535;
    int *colour = malloc((cl.k ? cl.k : 1) * sizeof *colour);          /* (k) */
    uint16_t *q = malloc((n ? n : 1) * 2 * sizeof *q);                  /* (n, 2) */
    unsigned char *lab = malloc((n ? n : 1) * (wide ? 4 : 2));          /* (n) */
    out_t o = {0};
    tc_atomic a = {0};
    if (!colour || !q || !lab) { rc = tc_error(TC_ENOMEM, "%s: out of memory", path); goto done; }
    if ((rc = tc_viz_colour_clusters(cl.centres, cl.k, colour))) goto done;

    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        if (!isfinite(x) || !isfinite(y)) continue;
        xmin = fmin(xmin, x); xmax = fmax(xmax, x);
        ymin = fmin(ymin, y); ymax = fmax(ymax, y);
    }
    if (!(xmin <= xmax)) xmin = xmax = ymin = ymax = 0;
    double w = xmax - xmin > 0 ? xmax - xmin : 1, h = ymax - ymin > 0 ? ymax - ymin : 1;
    for (size_t i = 0; i < n; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        double u = isfinite(x) ? (x - xmin) / w * 65535 : 0, v = isfinite(y) ? (y - ymin) / h * 65535 : 0;
        uint16_t a = (uint16_t)fmin(65535, fmax(0, lround(u))), b = (uint16_t)fmin(65535, fmax(0, lround(v)));
        unsigned char *d = (unsigned char *)&q[2 * i]; /* little-endian whatever the host */
        d[0] = a & 255; d[1] = a >> 8; d[2] = b & 255; d[3] = b >> 8;
        uint32_t s = (uint32_t)(cl.index[i] + 1);
        if (wide) { lab[4 * i] = s & 255; lab[4 * i + 1] = s >> 8 & 255; lab[4 * i + 2] = s >> 16 & 255; lab[4 * i + 3] = s >> 24; }
        else { lab[2 * i] = s & 255; lab[2 * i + 1] = s >> 8 & 255; }
    }

    double vb[4]; /* the bulk's box, x0 x1 y0 y1 */
    tc_viz_bulk_box(xy, n, vb);
    if (!(vb[0] <= vb[1] && vb[2] <= vb[3])) vb[0] = xmin, vb[1] = xmin + w, vb[2] = ymin, vb[3] = ymin + h;
    if ((rc = tc_atomic_open(&a, path))) goto done;
    o.f = a.f;
    tc_sb_puts(&o.b, tc_map_page_head);
    tc_sb_printf(&o.b,
                 "<script type=\"application/json\" id=\"tc-meta\">{\"n\":%zu,\"n_noise\":%zu,"
                 "\"wide\":%d,\"bbox\":[%.9g,%.9g,%.9g,%.9g],\"view\":[%.9g,%.9g,%.9g,%.9g],"
                 "\"noise_color\":\"#%06x\",\"clusters\":[",
                 n, cl.n_noise, wide, xmin, ymin, xmin + w, ymin + h, vb[0], vb[2], vb[1], vb[3],
                 TC_VIZ_NOISE_RGB);
    for (size_t j = 0; j < cl.k; j++) {
        const tc_cluster_label *nm = tc_viz_find_name(names, n_names, cl.ids[j]);
        char *name = tc_viz_utf8_clean(nm && nm->summary ? nm->summary : "", NAME_CHARS);
        if (!name) { rc = tc_error(TC_ENOMEM, "%s: out of memory", path); goto done; }
        tc_sb_printf(&o.b, "%s{\"id\":%lld,\"name\":", j ? "," : "", (long long)cl.ids[j]);
        tc_viz_json_string(&o.b, name);
        free(name);
        tc_sb_printf(&o.b, ",\"size\":%zu,\"cx\":%.7g,\"cy\":%.7g,\"color\":\"#%06x\"}", cl.sizes[j],
                     cl.centres[2 * j], cl.centres[2 * j + 1], tc_viz_palette(colour[j]));
    }
    tc_sb_puts(&o.b, "]");
    tc_viz_name_nodes_json(&o.b, &cl, xy, tree, n_tree, names, n_names);
    tc_sb_puts(&o.b, "}</script>\n<script type=\"text/plain\" id=\"tc-xy\">");
    base64(&o.b, (const unsigned char *)q, n * 4);
    tc_sb_puts(&o.b, "</script>\n<script type=\"text/plain\" id=\"tc-lab\">");
    base64(&o.b, lab, n * (wide ? 4 : 2));
    tc_sb_puts(&o.b, "</script>\n");
    if (ov && ov->n) {
        tc_sb_puts(&o.b, "<script type=\"application/json\" id=\"tc-ov\">");
        if ((rc = tc_viz_overlay_json(&o.b, ov, seed, flush_cb, &o))) goto done;
        tc_sb_puts(&o.b, "</script>\n");
    }
    tc_sb_puts(&o.b, tc_map_page_code);
    tc_sb_puts(&o.b, "<script type=\"application/json\" id=\"tc-texts\">[");
    flush_out(&o, 1);
    for (size_t i = 0; i < n && !o.err; i++) {
        const char *t = texts && texts[i] ? texts[i] : "";
        char *c = tc_viz_utf8_clean(t, TEXT_CHARS);
        if (!c) { rc = tc_error(TC_ENOMEM, "%s: out of memory", path); goto done; }
        if (i) tc_sb_append(&o.b, ",", 1);
        if (count_chars(t, TEXT_CHARS) > TEXT_CHARS) {
            size_t l = strlen(c);
            char *c2 = realloc(c, l + 4);
            if (!c2) { free(c); rc = tc_error(TC_ENOMEM, "%s: out of memory", path); goto done; }
            c = c2;
            memcpy(c + l, "\xe2\x80\xa6", 4); /* ... */
        }
        tc_viz_json_string(&o.b, c);
        free(c);
        flush_out(&o, 0);
    }
    tc_sb_puts(&o.b, "]</script>\n");
    tc_sb_puts(&o.b, tc_map_page_tail);
    flush_out(&o, 1);
    if (o.err) {
        rc = o.err == TC_ENOMEM ? tc_error(TC_ENOMEM, "%s: out of memory", path)
                                : tc_error(TC_EIO, "%s: cannot write: %s", path, strerror(errno));
        goto done;
    }
    o.f = NULL;
    rc = tc_atomic_commit(&a);
done:
    if (a.f) tc_atomic_abort(&a);
    tc_sb_free(&o.b);
    free(colour);
    free(q);
    free(lab);
    tc_viz_clusters_free(&cl);
    return rc;
}
