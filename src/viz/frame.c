/* frame.c - where a map's points go and how they look: the frame that maps
 * data to pixels (robust to far outliers) and the point radius and opacity
 * for N points. */
#include "viz/viz.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    return frame_of_box(box, width, height, margin);
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

