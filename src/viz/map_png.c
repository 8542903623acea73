/* map_png.c - the static map (map.png): every projected point, noise in
 * light grey under the clusters, clusters coloured so that neighbours
 * differ, and each cluster's name in a white box at its centre. Labels are
 * placed biggest cluster first; one that would overlap a placed label is
 * nudged to a nearby free spot (with a leader line to its centre) or, when
 * none is free, dropped. Drawn with cairo, text in DejaVu Sans. Texts
 * inferred after the fit (show --overlay) go over the points, under the
 * labels, outlined and a little larger, with a legend line. */
#include "viz/viz.h"
#include "util/util.h"

#include <cairo.h>
#include <omp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

tc_plot_params tc_plot_default_params(void) {
    tc_plot_params p;
    memset(&p, 0, sizeof p);
    p.width = 3600;
    p.height = 2400;
    p.dpi = 300;
    return p;
}

/* ---------------------------------------------------------------- labels */

#define MAX_LINES 3
#define LINE_BYTES 512
#define LABEL_CHARS 160

typedef struct {
    char line[MAX_LINES][LINE_BYTES];
    int n_lines;
    double w, h;       /* box size in pixels, padding included */
} label_box;

static double text_width(cairo_t *cr, const char *s) {
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    return e.x_advance;
}

/* Breaks text into at most MAX_LINES lines of about maxw pixels; the last
 * line ends in an ellipsis when words are left over. */
static void wrap_label(cairo_t *cr, const char *text, double maxw, double fs, label_box *lb) {
    memset(lb, 0, sizeof *lb);
    const char *p = text;
    int li = 0;
    while (*p && li < MAX_LINES) {
        while (*p == ' ' || *p == '\n' || *p == '\t') p++;
        if (!*p) break;
        char *line = lb->line[li];
        size_t len = 0;
        line[0] = 0;
        while (*p) {
            const char *q = p;
            while (*q && *q != ' ' && *q != '\n' && *q != '\t') q++;
            size_t wl = (size_t)(q - p);
            if (len + 1 + wl + 4 >= LINE_BYTES) break;
            char save[LINE_BYTES];
            memcpy(save, line, len + 1);
            if (len) line[len++] = ' ';
            memcpy(line + len, p, wl);
            line[len + wl] = 0;
            if (len > 1 && text_width(cr, line) > maxw) { /* does not fit: next line */
                memcpy(line, save, strlen(save) + 1);
                len = strlen(line);
                break;
            }
            len += wl;
            p = q;
            int newline = *p == '\n';
            while (*p == ' ' || *p == '\t') p++;
            if (newline) break;
        }
        li++;
    }
    lb->n_lines = li;
    while (*p == ' ' || *p == '\n' || *p == '\t') p++;
    if (*p && li > 0) { /* words left over */
        char *last = lb->line[li - 1];
        size_t len = strlen(last);
        if (len + 4 < LINE_BYTES) memcpy(last + len, "\xe2\x80\xa6", 4);
    }
    double w = 0;
    for (int i = 0; i < li; i++) w = fmax(w, text_width(cr, lb->line[i]));
    double pad = 0.35 * fs;
    lb->w = w + 2 * pad;
    lb->h = li * 1.2 * fs + 2 * pad;
}

static int cmp_size_desc(const void *a, const void *b, void *ctx) {
    const size_t *sz = ctx;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (sz[x] != sz[y]) return sz[x] < sz[y] ? 1 : -1;
    return (x > y) - (x < y);
}

int tc_viz_place_labels(const double *cx, const double *cy, const double *w, const double *h,
                        const size_t *sizes, size_t k, int width, int height, double gap,
                        tc_viz_label_box *out) {
    size_t *order = malloc((k ? k : 1) * sizeof *order); /* (k) clusters, biggest first */
    size_t *placed = malloc((k ? k : 1) * sizeof *placed); /* (<= k) cluster ids placed */
    if (!order || !placed) {
        free(order); free(placed);
        return tc_error(TC_ENOMEM, "map.png: out of memory placing %zu labels", k);
    }
    for (size_t j = 0; j < k; j++) {
        order[j] = j;
        out[j] = (tc_viz_label_box){0, 0, 0, 0, TC_VIZ_LABEL_NONE};
    }
    qsort_r(order, k, sizeof *order, cmp_size_desc, (void *)sizes);
    static const double dirs[9][2] = {{0, 0},  {0, -1}, {0, 1},  {-1, 0}, {1, 0},
                                      {-1, -1}, {1, -1}, {-1, 1}, {1, 1}};
    size_t n_placed = 0;
    for (size_t o = 0; o < k; o++) {
        size_t j = order[o];
        if (w[j] <= 0 || h[j] <= 0) continue;
        int found = 0;
        tc_viz_label_box r = {0};
        for (int ring = 0; ring <= TC_VIZ_LABEL_RINGS && !found; ring++) {
            for (int d = ring ? 1 : 0; d < (ring ? 9 : 1) && !found; d++) {
                double ox = dirs[d][0] * ring * (w[j] * 0.5 + gap);
                double oy = dirs[d][1] * ring * (h[j] + gap);
                r = (tc_viz_label_box){cx[j] + ox - w[j] / 2, cy[j] + oy - h[j] / 2, w[j], h[j],
                                       ring ? TC_VIZ_LABEL_NUDGED : TC_VIZ_LABEL_CENTRED};
                if (r.x < 1 || r.y < 1 || r.x + r.w > width - 1 || r.y + r.h > height - 1) continue;
                int free_spot = 1;
                for (size_t t = 0; t < n_placed && free_spot; t++) {
                    const tc_viz_label_box *b = &out[placed[t]];
                    if (r.x < b->x + b->w + gap && b->x < r.x + r.w + gap &&
                        r.y < b->y + b->h + gap && b->y < r.y + r.h + gap)
                        free_spot = 0;
                }
                found = free_spot;
            }
        }
        if (!found) { out[j].state = TC_VIZ_LABEL_DROPPED; continue; }
        out[j] = r;
        placed[n_placed++] = j;
    }
    free(order);
    free(placed);
    return 0;
}

static void draw_box(cairo_t *cr, const tc_viz_label_box *r, const label_box *lb, double fs) {
    double pad = 0.35 * fs;
    cairo_rectangle(cr, r->x, r->y, r->w, r->h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.88);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, 0.25, 0.25, 0.25, 0.9);
    cairo_set_line_width(cr, fmax(1.0, fs / 14));
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.08, 0.08, 0.08);
    for (int i = 0; i < lb->n_lines; i++) {
        double tw = text_width(cr, lb->line[i]);
        cairo_move_to(cr, r->x + (r->w - tw) / 2, r->y + pad + (i + 0.82) * 1.2 * fs - 0.1 * fs);
        cairo_show_text(cr, lb->line[i]);
    }
}

/* The names to place: the tree's sites, or every named cluster's. */
static int label_sites(const tc_viz_clusters *cl, const float *xy, const tc_cluster_label *names,
                       size_t n_names, const tc_topic_node *tree, size_t n_tree, int max_names,
                       tc_viz_site **out, size_t *n_out) {
    if (tree && n_tree) return tc_viz_tree_sites(tree, n_tree, cl, xy, max_names, out, n_out);
    *out = malloc((cl->k ? cl->k : 1) * sizeof **out);
    *n_out = 0;
    if (!*out) return tc_error(TC_ENOMEM, "map.png: out of memory placing labels");
    for (size_t j = 0; j < cl->k; j++) {
        const tc_cluster_label *nm = names ? tc_viz_find_name(names, n_names, cl->ids[j]) : NULL;
        (*out)[(*n_out)++] = (tc_viz_site){cl->ids[j], cl->centres[2 * j], cl->centres[2 * j + 1],
                                           cl->sizes[j], nm && nm->summary ? nm->summary : ""};
    }
    return 0;
}

/* Wraps each site's name (lb) and places the boxes (box), k sites. */
static int layout_labels(cairo_t *cr, const tc_viz_frame *fr, const tc_viz_site *st, size_t k,
                         int width, int height, double fs, label_box *lb, tc_viz_label_box *box) {
    double *geo = malloc((k ? k : 1) * 4 * sizeof *geo);      /* (4, k) centre x, y, box w, h */
    size_t *sizes = malloc((k ? k : 1) * sizeof *sizes);
    int rc = 0;
    if (!geo || !sizes) { rc = tc_error(TC_ENOMEM, "map.png: out of memory placing labels"); goto done; }
    double *cx = geo, *cy = geo + k, *w = geo + 2 * k, *h = geo + 3 * k;
    tc_viz_set_font(cr, fs, 0);
    for (size_t j = 0; j < k; j++) {
        tc_viz_to_pixel(fr, st[j].x, st[j].y, &cx[j], &cy[j]);
        w[j] = h[j] = 0;
        lb[j].n_lines = 0;
        sizes[j] = st[j].size;
        if (!st[j].name || !st[j].name[0]) continue;
        char *text = tc_viz_utf8_clean(st[j].name, LABEL_CHARS);
        if (!text) { rc = tc_error(TC_ENOMEM, "map.png: out of memory"); goto done; }
        wrap_label(cr, text, fmax(12 * fs, 0.15 * width), fs, &lb[j]);
        free(text);
        if (lb[j].n_lines) { w[j] = lb[j].w; h[j] = lb[j].h; }
    }
    rc = tc_viz_place_labels(cx, cy, w, h, sizes, k, width, height, 0.25 * fs, box);
done:
    free(geo);
    free(sizes);
    return rc;
}

/* Lays out, places and draws the labels. */
static int draw_labels(cairo_t *cr, const tc_viz_clusters *cl, const tc_viz_frame *fr, const float *xy,
                       const tc_cluster_label *names, size_t n_names, const tc_topic_node *tree,
                       size_t n_tree, int max_names, int width, int height, double fs) {
    tc_viz_site *st = NULL;
    size_t k = 0;
    int rc = label_sites(cl, xy, names, n_names, tree, n_tree, max_names, &st, &k);
    if (rc) return rc;
    label_box *lb = malloc((k ? k : 1) * sizeof *lb);          /* (k) wrapped text */
    tc_viz_label_box *box = malloc((k ? k : 1) * sizeof *box); /* (k) */
    if (!lb || !box) { rc = tc_error(TC_ENOMEM, "map.png: out of memory placing labels"); goto done; }
    if ((rc = layout_labels(cr, fr, st, k, width, height, fs, lb, box))) goto done;
    size_t n_dropped = 0;
    for (size_t j = 0; j < k; j++) {
        n_dropped += box[j].state == TC_VIZ_LABEL_DROPPED;
        if (box[j].state != TC_VIZ_LABEL_NUDGED) continue;
        /* a leader line from the centre to the nearest point of the moved box */
        const tc_viz_label_box *r = &box[j];
        double cx, cy;
        tc_viz_to_pixel(fr, st[j].x, st[j].y, &cx, &cy);
        double bx = fmin(fmax(cx, r->x), r->x + r->w), by = fmin(fmax(cy, r->y), r->y + r->h);
        cairo_set_source_rgba(cr, 0.2, 0.2, 0.2, 0.8);
        cairo_set_line_width(cr, fmax(1.0, fs / 12));
        cairo_move_to(cr, cx, cy);
        cairo_line_to(cr, bx, by);
        cairo_stroke(cr);
        cairo_arc(cr, cx, cy, fmax(1.5, fs / 6), 0, 2 * M_PI);
        cairo_fill(cr);
    }
    for (size_t j = 0; j < k; j++)
        if (box[j].state == TC_VIZ_LABEL_CENTRED || box[j].state == TC_VIZ_LABEL_NUDGED)
            draw_box(cr, &box[j], &lb[j], fs);
    if (n_dropped) tc_info("map.png: %zu labels left out for lack of room", n_dropped);
done:
    free(st);
    free(lb);
    free(box);
    return rc;
}

/* Image size and label font size of p. */
static int geometry(const tc_plot_params *p, int *W, int *H, double *fs) {
    double dpi = p->dpi > 0 ? p->dpi : 300;
    *W = p->width > 0 ? p->width : (int)lround(12 * dpi);
    *H = p->height > 0 ? p->height : (int)lround(8 * dpi);
    if (*W < 16 || *H < 16 || *W > 32000 || *H > 32000) return TC_EINVAL;
    *fs = p->font_size > 0 ? p->font_size : fmax(10, 0.009 * (*W < *H ? *W : *H));
    return 0;
}

int tc_viz_map_labels(const float *xy, size_t n, const int64_t *labels,
                      const tc_cluster_label *names, size_t n_names, const tc_topic_node *tree,
                      size_t n_tree, const tc_plot_params *p_in, tc_viz_site **sites,
                      tc_viz_label_box **boxes, size_t *n_sites) {
    tc_plot_params p = p_in ? *p_in : tc_plot_default_params();
    *sites = NULL, *boxes = NULL, *n_sites = 0;
    int W, H;
    double fs;
    if (geometry(&p, &W, &H, &fs)) return tc_error(TC_EINVAL, "map.png: image size out of range");
    tc_viz_clusters cl;
    int rc = tc_viz_clusters_build(xy, n, labels, &cl);
    if (rc) return rc;
    tc_viz_frame fr = tc_viz_map_frame(xy, n, W, H);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1); /* to measure text */
    cairo_t *cr = cairo_create(s);
    size_t k = 0;
    label_box *lb = NULL;
    rc = label_sites(&cl, xy, names, n_names, tree, n_tree, p.max_names, sites, &k);
    if (!rc && (!(lb = malloc((k ? k : 1) * sizeof *lb)) || !(*boxes = malloc((k ? k : 1) * sizeof **boxes))))
        rc = tc_error(TC_ENOMEM, "map.png: out of memory");
    if (!rc) rc = layout_labels(cr, &fr, *sites, k, W, H, fs, lb, *boxes);
    if (rc) { free(*sites), free(*boxes), *sites = NULL, *boxes = NULL, k = 0; }
    *n_sites = k;
    free(lb);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    tc_viz_clusters_free(&cl);
    return rc;
}

/* ---------------------------------------------------------------- map */

/* ---------------------------------------------------------------- overlay */

/* Outlines of every overlay point, then their discs, in rows [y0, y1). */
static void splat_overlay(uint32_t *data, int W, int y0, int y1, int stride, const tc_viz_frame *fr,
                          const tc_overlay *ov, const uint32_t *rgb, double inner, double outer) {
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < ov->n; i++) {
            double px, py, r = pass ? inner : outer;
            tc_viz_to_pixel(fr, ov->xy[2 * i], ov->xy[2 * i + 1], &px, &py);
            if (py + r + 1 < y0 || py - r - 1 >= y1) continue;
            tc_viz_splat_discs(data, W, y0, y1, stride, &px, &py, 1, r,
                               pass ? rgb[i] : TC_VIZ_OVERLAY_OUTLINE_RGB, pass ? 1.0 : 0.9);
        }
}

/* Colour per overlay point (n, 0xRRGGBB); counts labels the map lacks. */
static uint32_t *overlay_colours(const tc_overlay *ov, const tc_viz_clusters *cl, const int *colour,
                                 size_t *n_unknown) {
    uint32_t *rgb = malloc((ov->n ? ov->n : 1) * sizeof *rgb);
    *n_unknown = 0;
    for (size_t i = 0; rgb && i < ov->n; i++) {
        int32_t s = tc_viz_cluster_slot(cl, ov->labels[i]);
        *n_unknown += s < 0 && ov->labels[i] >= 0;
        rgb[i] = s < 0 ? TC_VIZ_OVERLAY_NOISE_RGB : tc_viz_palette(colour[s]);
    }
    return rgb;
}

static void draw_legend(cairo_t *cr, const tc_overlay *ov, size_t n_unknown, int H, double fs,
                        double inner, double outer) {
    char text[200];
    int k = snprintf(text, sizeof text, "%zu inferred texts (outlined)", ov->n);
    if (ov->n_noise) k += snprintf(text + k, sizeof text - k, ", %zu far or noise (label -1, grey)", ov->n_noise);
    if (n_unknown) snprintf(text + k, sizeof text - k, ", %zu with labels this map lacks (grey)", n_unknown);
    tc_viz_set_font(cr, fs, 0);
    double r = fmax(outer, 0.4 * fs), pad = 0.35 * fs, w = text_width(cr, text) + 2 * r + 3 * pad;
    double h = 1.2 * fs + 2 * pad, x = pad + 0.5 * fs, y = H - h - 0.5 * fs;
    cairo_rectangle(cr, x, y, w, h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.88);
    cairo_fill(cr);
    double cx = x + pad + r, cy = y + h / 2;
    cairo_arc(cr, cx, cy, r, 0, 2 * M_PI);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_fill(cr);
    cairo_arc(cr, cx, cy, r * inner / outer, 0, 2 * M_PI);
    cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.08, 0.08, 0.08);
    cairo_move_to(cr, cx + r + pad, y + pad + 0.82 * 1.2 * fs - 0.1 * fs);
    cairo_show_text(cr, text);
}

int tc_plot_map_png(const float *xy, size_t n, const int64_t *labels,
                    const tc_cluster_label *names, size_t n_names,
                    const tc_plot_params *p_in, const char *path) {
    return tc_viz_map_png(xy, n, labels, names, n_names, p_in, NULL, path);
}

int tc_viz_map_png(const float *xy, size_t n, const int64_t *labels, const tc_cluster_label *names,
                   size_t n_names, const tc_plot_params *p_in, const tc_overlay *ov, const char *path) {
    return tc_viz_map_png_tree(xy, n, labels, names, n_names, NULL, 0, p_in, ov, path, NULL, 0);
}

int tc_viz_map_png_tree(const float *xy, size_t n, const int64_t *labels, const tc_cluster_label *names,
                        size_t n_names, const tc_topic_node *tree, size_t n_tree,
                        const tc_plot_params *p_in, const tc_overlay *ov, const char *path, tc_meter *m,
                        size_t span) {
    tc_plot_params p = p_in ? *p_in : tc_plot_default_params();
    if (!path) return tc_error(TC_EINVAL, "map.png: no path");
    if (n && (!xy || !labels)) return tc_error(TC_EINVAL, "%s: xy and labels are required", path);
    if (p.dpi <= 0) p.dpi = 300;
    int W = p.width > 0 ? p.width : (int)lround(12 * p.dpi);
    int H = p.height > 0 ? p.height : (int)lround(8 * p.dpi);
    if (W < 16 || H < 16 || W > 32000 || H > 32000)
        return tc_error(TC_EINVAL, "%s: image size %dx%d out of range 16..32000", path, W, H);
    tc_viz_clusters cl;
    int rc = tc_viz_clusters_build(xy, n, labels, &cl);
    if (rc) return rc;
    /* steps: clusters and frame a tenth each, the bands to 0.8, the names and the encoding */
    if ((rc = tc_meter_tick_at(m, span / 10))) {
        tc_viz_clusters_free(&cl);
        return rc;
    }
    int *colour = malloc((cl.k ? cl.k : 1) * sizeof *colour);       /* (k) palette index */
    double *px = malloc((n ? n : 1) * 2 * sizeof *px);              /* (2n) pixel x then y */
    size_t *start = calloc(cl.k + 2, sizeof *start);                /* (k+2) points by cluster */
    uint32_t *by_cluster = malloc((n ? n : 1) * sizeof *by_cluster); /* (n) point ids */
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_t *cr = cairo_create(s);
    uint32_t *ov_rgb = NULL;   /* (ov->n) overlay colours */
    size_t n_unknown = 0;
    if (!colour || !px || !start || !by_cluster || cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        rc = tc_error(TC_ENOMEM, "%s: out of memory for a %dx%d image", path, W, H);
        goto done;
    }
    if ((rc = tc_viz_colour_clusters(cl.centres, cl.k, colour))) goto done;
    if (ov && ov->n && !(ov_rgb = overlay_colours(ov, &cl, colour, &n_unknown))) {
        rc = tc_error(TC_ENOMEM, "%s: out of memory for %zu overlay points", path, ov->n);
        goto done;
    }
    double ov_inner = 0, ov_outer = 0;
    if (ov_rgb) tc_viz_overlay_style(ov->n, W, H, &ov_inner, &ov_outer);
    tc_viz_frame fr = tc_viz_map_frame(xy, n, W, H);
    if ((rc = tc_meter_tick_at(m, span / 5))) goto done;
    double radius, alpha;
    tc_viz_point_style(&p, n, W, H, &radius, &alpha);

    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_surface_flush(s);

    /* group the points: slot 0 = noise, slot j+1 = cluster j, in point order */
    for (size_t i = 0; i < n; i++) start[cl.index[i] + 2]++;
    for (size_t j = 0; j <= cl.k; j++) start[j + 1] += start[j];
    for (size_t i = 0; i < n; i++) by_cluster[start[cl.index[i] + 1]++] = (uint32_t)i;
    /* start[j] is now where slot j ends, for j = 0..k */
    double *gx = px, *gy = px + n;
    for (size_t t = 0; t < n; t++) {
        size_t i = by_cluster[t];
        tc_viz_to_pixel(&fr, xy[2 * i], xy[2 * i + 1], &gx[t], &gy[t]);
    }
    uint32_t *data = (uint32_t *)cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    /* bands of rows in parallel, each drawing every slot in order: the same
     * pixels as one serial pass */
    int n_bands = (H + 63) / 64;
    size_t bands_done = 0; /* atomic */
    #pragma omp parallel for schedule(dynamic) num_threads(tc_threads(0))
    for (int b = 0; b < n_bands; b++) {
        if (tc_meter_stopped(m)) continue;
        int y0 = b * 64, y1 = y0 + 64 < H ? y0 + 64 : H;
        size_t lo = 0;
        for (size_t slot = 0; slot <= cl.k; slot++) {
            size_t hi = start[slot];
            uint32_t rgb = slot == 0 ? TC_VIZ_NOISE_RGB : tc_viz_palette(colour[slot - 1]);
            /* noise stays a little lighter so clusters read on top of it */
            double a = slot == 0 ? alpha * 0.8 : alpha;
            tc_viz_splat_discs(data, W, y0, y1, stride, gx + lo, gy + lo, hi - lo, radius, rgb, a);
            lo = hi;
        }
        if (ov_rgb) splat_overlay(data, W, y0, y1, stride, &fr, ov, ov_rgb, ov_inner, ov_outer);
        size_t k = __atomic_add_fetch(&bands_done, 1, __ATOMIC_RELAXED);
        if (omp_get_thread_num() == 0) (void)tc_meter_tick_at(m, span / 5 + k * (span / 5 * 3) / (size_t)n_bands);
    }
    if ((rc = tc_meter_tick(m))) goto done; /* stopped in a band: TC_ECANCELED */
    cairo_surface_mark_dirty(s);

    double fs = p.font_size > 0 ? p.font_size : fmax(10, 0.009 * (W < H ? W : H));
    if ((names || n_tree) &&
        (rc = draw_labels(cr, &cl, &fr, xy, names, n_names, tree, n_tree, p.max_names, W, H, fs)))
        goto done;
    if (ov && ov->n) draw_legend(cr, ov, n_unknown, H, fs, ov_inner, ov_outer);
    if (n_unknown)
        tc_warn("%s: %zu of the %zu inferred texts have labels that are not clusters of this map "
                "(inferred against another save folder?); drawn grey", path, n_unknown, ov->n);
    cairo_surface_flush(s);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        rc = tc_error(TC_EIO, "%s: drawing failed: %s", path, cairo_status_to_string(cairo_status(cr)));
        goto done;
    }
    if ((rc = tc_meter_tick_at(m, span / 10 * 9))) goto done;
    rc = tc_viz_write_png(s, path, p.dpi);
done:
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    free(colour);
    free(px);
    free(start);
    free(by_cluster);
    free(ov_rgb);
    tc_viz_clusters_free(&cl);
    return rc;
}
