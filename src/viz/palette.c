/* palette.c - what every map needs before drawing: the clusters of a
 * labelling with their sizes and centres (mean of the members' xy), the
 * frame that maps data to pixels, and a colouring of the clusters that keeps
 * neighbouring clusters apart (greedy graph colouring, Welsh & Powell 1967,
 * on the graph of each centre's nearest centres). */
#include "viz/viz.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- clusters */

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void tc_viz_clusters_free(tc_viz_clusters *c) {
    if (!c) return;
    free(c->ids);
    free(c->sizes);
    free(c->centres);
    free(c->index);
    memset(c, 0, sizeof *c);
}

int tc_viz_clusters_build(const float *xy, size_t n, const int64_t *labels,
                          tc_viz_clusters *c) {
    memset(c, 0, sizeof *c);
    c->n = n;
    if (n && (!xy || !labels)) return tc_error(TC_EINVAL, "viz: xy and labels are required");
    int64_t *sorted = malloc((n ? n : 1) * sizeof *sorted); /* (n) */
    c->index = malloc((n ? n : 1) * sizeof *c->index);
    if (!sorted || !c->index) goto oom;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (labels[i] >= 0) sorted[m++] = labels[i];
    c->n_noise = n - m;
    qsort(sorted, m, sizeof *sorted, cmp_i64);
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        if (i == 0 || sorted[i] != sorted[i - 1]) sorted[k++] = sorted[i];
    c->k = k;
    c->ids = malloc((k ? k : 1) * sizeof *c->ids);
    c->sizes = calloc(k ? k : 1, sizeof *c->sizes);
    c->centres = malloc((k ? k : 1) * 2 * sizeof *c->centres);
    double *sum = calloc((k ? k : 1) * 2, sizeof *sum); /* (k, 2) */
    if (!c->ids || !c->sizes || !c->centres || !sum) { free(sum); goto oom; }
    memcpy(c->ids, sorted, k * sizeof *sorted);
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < 0) { c->index[i] = -1; continue; }
        size_t lo = 0, hi = k; /* binary search: ids[lo] == labels[i] */
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (c->ids[mid] <= labels[i]) lo = mid; else hi = mid;
        }
        c->index[i] = (int32_t)lo;
        c->sizes[lo]++;
        sum[2 * lo] += xy[2 * i];
        sum[2 * lo + 1] += xy[2 * i + 1];
    }
    for (size_t j = 0; j < k; j++) {
        c->centres[2 * j] = (float)(sum[2 * j] / (double)c->sizes[j]);
        c->centres[2 * j + 1] = (float)(sum[2 * j + 1] / (double)c->sizes[j]);
    }
    free(sum);
    free(sorted);
    return 0;
oom:
    free(sorted);
    tc_viz_clusters_free(c);
    return tc_error(TC_ENOMEM, "viz: out of memory grouping %zu points", n);
}

const tc_cluster_label *tc_viz_find_name(const tc_cluster_label *names, size_t n_names,
                                         int64_t label) {
    if (!names) return NULL;
    /* names normally come in ascending label order: try a binary search, then a scan */
    size_t lo = 0, hi = n_names;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (names[mid].label == label) return &names[mid];
        if (names[mid].label < label) lo = mid + 1; else hi = mid;
    }
    for (size_t i = 0; i < n_names; i++)
        if (names[i].label == label) return &names[i];
    return NULL;
}

/* ---------------------------------------------------------------- frame */

static void bounding_box(const float *xy, size_t n, double box[4] /* xmin xmax ymin ymax */) {
    box[0] = box[2] = INFINITY, box[1] = box[3] = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        if (!isfinite(x) || !isfinite(y)) continue;
        box[0] = fmin(box[0], x), box[1] = fmax(box[1], x);
        box[2] = fmin(box[2], y), box[3] = fmax(box[3], y);
    }
}

static tc_viz_frame frame_of_box(const double box[4], int width, int height, double margin) {
    double xmin = box[0], xmax = box[1], ymin = box[2], ymax = box[3];
    tc_viz_frame f = {0, 0, width / 2.0, height / 2.0, 1.0};
    if (!(xmin <= xmax)) return f;
    double w = xmax - xmin, h = ymax - ymin;
    if (w <= 0) w = h > 0 ? h : 1;
    if (h <= 0) h = w;
    double aw = width - 2 * margin, ah = height - 2 * margin;
    if (aw < 1) aw = 1;
    if (ah < 1) ah = 1;
    f.scale = fmin(aw / w, ah / h);
    f.x0 = (xmin + xmax) / 2;
    f.y0 = (ymin + ymax) / 2;
    return f;
}

tc_viz_frame tc_viz_frame_fit(const float *xy, size_t n, int width, int height, double margin) {
    double box[4];
    bounding_box(xy, n, box);
    return frame_of_box(box, width, height, margin);
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

tc_viz_frame tc_viz_map_frame(const float *xy, size_t n, int width, int height) {
    double margin = 0.03 * (width < height ? width : height), box[4];
    tc_viz_bulk_box(xy, n, box);
    return frame_of_box(box, width, height, margin);
}

void tc_viz_bulk_box(const float *xy, size_t n, double box[4]) {
    bounding_box(xy, n, box);
    float *v = malloc((n ? n : 1) * sizeof *v);
    for (int axis = 0; v && axis < 2; axis++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(xy[2 * i]) && isfinite(xy[2 * i + 1])) v[m++] = xy[2 * i + axis];
        if (m < 200) break;  /* too few points for outliers to matter */
        qsort(v, m, sizeof *v, cmp_float);
        double lo = v[m / 200], hi = v[m - 1 - m / 200], pad = 0.25 * (hi - lo);
        box[2 * axis] = fmax(box[2 * axis], lo - pad);
        box[2 * axis + 1] = fmin(box[2 * axis + 1], hi + pad);
    }
    free(v);  /* without memory the bounding box serves */
}

void tc_viz_point_style(const tc_plot_params *p, size_t n, int width, int height,
                        double *radius, double *alpha) {
    double nn = n ? (double)n : 1;
    double r = 0.28 * sqrt((double)width * height / nn);
    double rmax = 0.004 * (width < height ? width : height);
    if (r > rmax) r = rmax;
    if (r < 1.0) r = 1.0;
    double a = 1.05 - 0.15 * log10(nn / 1000);
    if (a > 0.9) a = 0.9;
    if (a < 0.35) a = 0.35;
    *radius = p && p->point_size > 0 ? p->point_size : r;
    *alpha = p && p->alpha > 0 ? (p->alpha > 1 ? 1 : p->alpha) : a;
}

/* ---------------------------------------------------------------- palette */

/* Twenty saturated colours, none of them grey, ordered so that the first ten
 * already differ strongly in hue and lightness. */
static const uint32_t palette[TC_VIZ_PALETTE_SIZE] = {
    0x2f6fd0, 0xe8801a, 0x2e9e44, 0xd62f2f, 0x8a55c2, 0x8c5a3c, 0xe052b0, 0x9aa012,
    0x17b3c9, 0x1d3f8f, 0xf2b705, 0x0f7b6c, 0xa3172d, 0x5bc24a, 0xff6f61, 0x5a2d82,
    0x3aa0ff, 0xb86a00, 0x7b7fe0, 0x4d6b00,
};

uint32_t tc_viz_palette(int i) {
    if (i < 0) return TC_VIZ_NOISE_RGB;
    return palette[i % TC_VIZ_PALETTE_SIZE];
}

/* Perceptual-ish distance between two colours ("redmean" weighted RGB). */
static double colour_dist(uint32_t a, uint32_t b) {
    double r1 = a >> 16 & 255, g1 = a >> 8 & 255, b1 = a & 255;
    double r2 = b >> 16 & 255, g2 = b >> 8 & 255, b2 = b & 255;
    double rm = (r1 + r2) / 2, dr = r1 - r2, dg = g1 - g2, db = b1 - b2;
    return sqrt((2 + rm / 256) * dr * dr + 4 * dg * dg + (2 + (255 - rm) / 256) * db * db);
}

int tc_viz_centre_graph(const float *centres, size_t k, int32_t *nbr) {
    const int K = TC_VIZ_NEIGHBOURS;
    for (size_t i = 0; i < k * K; i++) nbr[i] = -1;
    double best[TC_VIZ_NEIGHBOURS];
    for (size_t i = 0; i < k; i++) {
        int m = 0; /* insertion-sorted list of the K nearest so far */
        for (size_t j = 0; j < k; j++) {
            if (j == i) continue;
            double dx = centres[2 * i] - centres[2 * j], dy = centres[2 * i + 1] - centres[2 * j + 1];
            double d = dx * dx + dy * dy;
            if (m == K && d >= best[K - 1]) continue;
            int t = m < K ? m++ : K - 1;
            while (t > 0 && best[t - 1] > d) {
                best[t] = best[t - 1];
                nbr[i * K + t] = nbr[i * K + t - 1];
                t--;
            }
            best[t] = d;
            nbr[i * K + t] = (int32_t)j;
        }
    }
    return 0;
}

/* Colours at least this far apart count as distinct. */
#define DISTINCT 200.0

typedef struct { int deg; size_t i; } order_item;

static int cmp_order(const void *a, const void *b) {
    const order_item *x = a, *y = b;
    if (x->deg != y->deg) return y->deg - x->deg;
    return (x->i > y->i) - (x->i < y->i);
}

int tc_viz_colour_clusters(const float *centres, size_t k, int *colour) {
    if (k == 0) return 0;
    const int K = TC_VIZ_NEIGHBOURS;
    int32_t *nbr = malloc(k * K * sizeof *nbr);        /* (k, K) nearest centres */
    size_t *start = calloc(k + 1, sizeof *start);      /* (k+1) CSR offsets */
    int32_t *adj = malloc(2 * k * K * sizeof *adj);    /* (<= 2kK) symmetric edges */
    order_item *order = malloc(k * sizeof *order);     /* (k) */
    if (!nbr || !start || !adj || !order) {
        free(nbr); free(start); free(adj); free(order);
        return tc_error(TC_ENOMEM, "viz: out of memory colouring %zu clusters", k);
    }
    tc_viz_centre_graph(centres, k, nbr);
    for (size_t i = 0; i < k; i++)
        for (int t = 0; t < K; t++) {
            int32_t j = nbr[i * K + t];
            if (j < 0) continue;
            start[i + 1]++;
            start[j + 1]++;
        }
    for (size_t i = 0; i < k; i++) start[i + 1] += start[i];
    size_t *fill = calloc(k, sizeof *fill);
    if (!fill) {
        free(nbr); free(start); free(adj); free(order);
        return tc_error(TC_ENOMEM, "viz: out of memory colouring %zu clusters", k);
    }
    for (size_t i = 0; i < k; i++)
        for (int t = 0; t < K; t++) {
            int32_t j = nbr[i * K + t];
            if (j < 0) continue;
            adj[start[i] + fill[i]++] = j;
            adj[start[j] + fill[j]++] = (int32_t)i;
        }
    for (size_t i = 0; i < k; i++) {
        order[i].deg = (int)(start[i + 1] - start[i]);
        order[i].i = i;
        colour[i] = -1;
    }
    qsort(order, k, sizeof *order, cmp_order);
    size_t used[TC_VIZ_PALETTE_SIZE] = {0};
    for (size_t o = 0; o < k; o++) {
        size_t i = order[o].i;
        int best = 0;
        double best_d = -1;
        for (int c = 0; c < TC_VIZ_PALETTE_SIZE; c++) {
            double d = 1e9; /* distance to the nearest colour among the neighbours */
            for (size_t e = start[i]; e < start[i + 1]; e++) {
                int cj = colour[adj[e]];
                if (cj < 0) continue;
                double dc = cj == c ? 0 : colour_dist(palette[c], palette[cj]);
                if (dc < d) d = dc;
            }
            if (d > DISTINCT) d = DISTINCT; /* distinct enough: then prefer the least used */
            if (d > best_d + 1e-9 || (fabs(d - best_d) <= 1e-9 && used[c] < used[best])) {
                best = c;
                best_d = d;
            }
        }
        colour[i] = best;
        used[best]++;
    }
    free(fill); free(nbr); free(start); free(adj); free(order);
    return 0;
}
