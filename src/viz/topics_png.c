/* topics_png.c - the single-topic plots, as the reference's
 * plot_distributions makes them: topics_dist.png, horizontal bars of texts
 * per topic (clusters with the same topic merged, largest first),
 * educational_score.png, a histogram of the clusters' scores 1..10, and
 * df_categories_count.csv (category,number_files; RFC 4180 quoting) in the
 * order of the bars. Noise is left out. */
#include "io/io.h"
#include "label/label.h"
#include "viz/viz.h"
#include "util/util.h"

#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAR_RGB 0x3b75afu
#define TOPIC_CHARS 80

typedef struct { char *name; size_t count; } topic_t;

static int cmp_topic_name(const void *a, const void *b) {
    return strcmp(((const topic_t *)a)->name, ((const topic_t *)b)->name);
}
static int cmp_topic_count(const void *a, const void *b) {
    const topic_t *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

/* The topic of a named cluster: .topic, else its summary's category as
 * the reference's datasets read it (tc_summary_split); "None" when there
 * is nothing. */
static char *topic_of(const tc_cluster_label *nm) {
    char *cat = NULL, *score = NULL;
    if (!(nm->topic && nm->topic[0]) && tc_summary_split(nm->summary, &cat, &score)) return NULL;
    free(score);
    const char *t = nm->topic && nm->topic[0] ? nm->topic : cat ? cat : "";
    size_t len = strlen(t);
    while (len && (t[len - 1] == ' ' || t[len - 1] == '\n')) len--;
    while (len && (*t == ' ' || *t == '\n')) { t++; len--; }
    char *cut = strndup(len ? t : "None", len ? len : 4);
    free(cat);
    if (!cut) return NULL;
    char *clean = tc_viz_utf8_clean(cut, 0);
    free(cut);
    return clean;
}

/* The score of a named cluster: .score when 1..10, else the one its
 * summary states; -1 when none. */
static int score_of(const tc_cluster_label *nm) {
    if (nm->score >= 1 && nm->score <= 10) return nm->score;
    int v;
    tc_summary_single_parse(nm->summary, NULL, &v);
    return v;
}

/* A round step for about `target` ticks up to max. */
static double nice_step(double max, int target) {
    if (max <= 0) return 1;
    double raw = max / target, p = pow(10, floor(log10(raw))), f = raw / p;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
    return step < 1 ? 1 : step;
}

static void set_rgb(cairo_t *cr, uint32_t rgb) {
    cairo_set_source_rgb(cr, (rgb >> 16 & 255) / 255.0, (rgb >> 8 & 255) / 255.0, (rgb & 255) / 255.0);
}

static void text_at(cairo_t *cr, double x, double y, const char *s, double ax) {
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    cairo_move_to(cr, x - ax * e.x_advance, y);
    cairo_show_text(cr, s);
}

/* ---------------------------------------------------------------- bars */

static int plot_topic_bars(const topic_t *t, size_t m, const char *path) {
    const int W = 2400;
    const double fs = 22, row = 38;
    int H = (int)fmin(30000, fmax(360, 200 + row * (double)m));
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    tc_viz_set_font(cr, fs, 0);
    /* topic names on the left, cut to fit 40% of the width */
    char **shown = calloc(m ? m : 1, sizeof *shown); /* (m) */
    double left = 100;
    for (size_t i = 0; shown && i < m; i++) {
        shown[i] = tc_viz_utf8_clean(t[i].name, TOPIC_CHARS);
        cairo_text_extents_t e;
        if (shown[i]) cairo_text_extents(cr, shown[i], &e);
        if (shown[i]) left = fmax(left, e.x_advance + 30);
    }
    left = fmin(left, 0.4 * W);
    double right = W - 140, top = 90, bottom = H - 80;
    double max = m ? (double)t[0].count : 1;
    double step = nice_step(max, 8), axis_max = ceil(max / step) * step;
    double scale = (right - left) / axis_max;
    tc_viz_set_font(cr, fs * 1.3, 1);
    set_rgb(cr, 0x141414);
    text_at(cr, W / 2.0, 50, "Number of texts per topic", 0.5);
    tc_viz_set_font(cr, fs, 0);
    /* grid and x ticks */
    cairo_set_line_width(cr, 1);
    for (double v = 0; v <= axis_max + 1e-9; v += step) {
        double x = floor(left + v * scale) + 0.5;
        set_rgb(cr, 0xdddddd);
        cairo_move_to(cr, x, top - 10);
        cairo_line_to(cr, x, bottom);
        cairo_stroke(cr);
        char lab[32];
        snprintf(lab, sizeof lab, "%.0f", v);
        set_rgb(cr, 0x333333);
        text_at(cr, x, bottom + fs + 8, lab, 0.5);
    }
    text_at(cr, (left + right) / 2, bottom + 2 * fs + 24, "number of texts", 0.5);
    for (size_t i = 0; i < m; i++) {
        double y = top + row * (double)i;
        int x0 = (int)lround(left), x1 = (int)lround(left + (double)t[i].count * scale);
        set_rgb(cr, BAR_RGB);
        cairo_rectangle(cr, x0, (int)y + 5, x1 - x0, (int)row - 10);
        cairo_fill(cr);
        set_rgb(cr, 0x141414);
        if (shown && shown[i]) text_at(cr, left - 12, y + row / 2 + fs * 0.35, shown[i], 1);
        char num[32];
        snprintf(num, sizeof num, "%zu", t[i].count);
        text_at(cr, x1 + 8, y + row / 2 + fs * 0.35, num, 0);
    }
    for (size_t i = 0; shown && i < m; i++) free(shown[i]);
    free(shown);
    cairo_surface_flush(s);
    int rc = cairo_status(cr) ? tc_error(TC_ENOMEM, "%s: drawing failed", path)
                              : tc_viz_write_png(s, path, 200);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return rc;
}

/* ---------------------------------------------------------------- histogram */

static int plot_score_hist(const size_t hist[11], const char *path) {
    const int W = 1500, H = 900;
    const double fs = 22;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    double left = 110, right = W - 40, top = 90, bottom = H - 110;
    size_t max = 0;
    for (int v = 1; v <= 10; v++) if (hist[v] > max) max = hist[v];
    double step = nice_step(max ? (double)max : 1, 6);
    double axis_max = fmax(step, ceil(1.08 * (double)max / step) * step);
    double scale = (bottom - top) / axis_max, bw = (right - left) / 10;
    tc_viz_set_font(cr, fs * 1.3, 1);
    set_rgb(cr, 0x141414);
    text_at(cr, W / 2.0, 50, "Educational score of the clusters", 0.5);
    tc_viz_set_font(cr, fs, 0);
    cairo_set_line_width(cr, 1);
    for (double v = 0; v <= axis_max + 1e-9; v += step) {
        double y = floor(bottom - v * scale) + 0.5;
        set_rgb(cr, 0xdddddd);
        cairo_move_to(cr, left, y);
        cairo_line_to(cr, right, y);
        cairo_stroke(cr);
        char lab[32];
        snprintf(lab, sizeof lab, "%.0f", v);
        set_rgb(cr, 0x333333);
        text_at(cr, left - 12, y + fs * 0.35, lab, 1);
    }
    for (int v = 1; v <= 10; v++) {
        double x = left + bw * (v - 1);
        int h = (int)lround((double)hist[v] * scale);
        set_rgb(cr, BAR_RGB);
        cairo_rectangle(cr, (int)(x + 4), (int)bottom - h, (int)(bw - 8), h);
        cairo_fill(cr);
        char lab[16];
        snprintf(lab, sizeof lab, "%d", v);
        set_rgb(cr, 0x333333);
        text_at(cr, x + bw / 2, bottom + fs + 10, lab, 0.5);
    }
    text_at(cr, (left + right) / 2, bottom + 2 * fs + 30, "educational score", 0.5);
    cairo_save(cr);
    cairo_translate(cr, 40, (top + bottom) / 2);
    cairo_rotate(cr, -M_PI / 2);
    text_at(cr, 0, 0, "clusters", 0.5);
    cairo_restore(cr);
    cairo_surface_flush(s);
    int rc = cairo_status(cr) ? tc_error(TC_ENOMEM, "%s: drawing failed", path)
                              : tc_viz_write_png(s, path, 150);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return rc;
}

/* ---------------------------------------------------------------- all three */

static int write_csv(const topic_t *t, size_t m, const char *path) {
    tc_sb b = {0};
    tc_sb_puts(&b, "category,number_files\n");
    for (size_t i = 0; i < m; i++) {
        tc_viz_csv_field(&b, t[i].name);
        tc_sb_printf(&b, ",%zu\n", t[i].count);
    }
    if (b.oom) { tc_sb_free(&b); return tc_error(TC_ENOMEM, "%s: out of memory", path); }
    int rc = tc_atomic_write(path, b.s, b.len);
    tc_sb_free(&b);
    return rc;
}

int tc_plot_topics(const int64_t *labels, size_t n, const tc_cluster_label *names,
                   size_t n_names, const char *folder) {
    if (!folder) return tc_error(TC_EINVAL, "topic plots: no folder");
    if (n && !labels) return tc_error(TC_EINVAL, "topic plots: no labels");
    if (n_names && !names) return tc_error(TC_EINVAL, "topic plots: no names");
    if (strlen(folder) > 3900) return tc_error(TC_EINVAL, "topic plots: folder name too long");
    /* members per named cluster: sort the cluster ids, count by binary search */
    tc_viz_clusters cl;
    float *xy0 = calloc(n ? 2 * n : 1, sizeof *xy0); /* (n, 2) zeros: only sizes are used */
    if (!xy0) return tc_error(TC_ENOMEM, "topic plots: out of memory");
    int rc = tc_viz_clusters_build(xy0, n, labels, &cl);
    free(xy0);
    if (rc) return rc;
    topic_t *t = calloc(n_names ? n_names : 1, sizeof *t); /* (<= n_names) */
    size_t m = 0, hist[11] = {0};
    if (!t) { tc_viz_clusters_free(&cl); return tc_error(TC_ENOMEM, "topic plots: out of memory"); }
    for (size_t j = 0; j < cl.k; j++) {
        const tc_cluster_label *nm = tc_viz_find_name(names, n_names, cl.ids[j]);
        if (!nm) continue;
        int sc = score_of(nm);
        if (sc > 0) hist[sc]++;
        if (!(t[m].name = topic_of(nm))) { rc = tc_error(TC_ENOMEM, "topic plots: out of memory"); goto done; }
        t[m++].count = cl.sizes[j];
    }
    /* merge equal topic names, then order by count */
    qsort(t, m, sizeof *t, cmp_topic_name);
    size_t u = 0;
    for (size_t i = 0; i < m; i++) {
        if (u && strcmp(t[u - 1].name, t[i].name) == 0) {
            t[u - 1].count += t[i].count;
            free(t[i].name);
        } else {
            t[u++] = t[i];
        }
    }
    m = u;
    qsort(t, m, sizeof *t, cmp_topic_count);
    char path[4096];
    snprintf(path, sizeof path, "%s/df_categories_count.csv", folder);
    if ((rc = write_csv(t, m, path))) goto done;
    snprintf(path, sizeof path, "%s/topics_dist.png", folder);
    if ((rc = plot_topic_bars(t, m, path))) goto done;
    snprintf(path, sizeof path, "%s/educational_score.png", folder);
    rc = plot_score_hist(hist, path);
done:
    for (size_t i = 0; i < m; i++) free(t[i].name);
    free(t);
    tc_viz_clusters_free(&cl);
    return rc;
}
