/* draw.c - low-level drawing for the PNG plots: anti-aliased discs written
 * straight into a cairo ARGB32 image (premultiplied alpha, source-over as in
 * Porter & Duff 1984) with the plain cairo path beside it as the reference,
 * and the label font. */
#include "viz/viz.h"
#include "util/util.h"

#include <cairo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- discs */

void tc_viz_splat_discs(uint32_t *data, int width, int row0, int row1, int stride, const double *px,
                        const double *py, size_t n, double r, uint32_t rgb, double alpha) {
    const int sr = rgb >> 16 & 255, sg = rgb >> 8 & 255, sb = rgb & 255;
    const size_t row = (size_t)stride / 4;
    for (size_t i = 0; i < n; i++) {
        double cx = px[i], cy = py[i];
        if (!isfinite(cx) || !isfinite(cy)) continue;
        int x0 = (int)floor(cx - r - 0.5), x1 = (int)ceil(cx + r + 0.5);
        int y0 = (int)floor(cy - r - 0.5), y1 = (int)ceil(cy + r + 0.5);
        if (x1 < 0 || y1 < row0 || x0 >= width || y0 >= row1) continue;
        if (x0 < 0) x0 = 0;
        if (y0 < row0) y0 = row0;
        if (x1 > width) x1 = width;
        if (y1 > row1) y1 = row1;
        for (int y = y0; y < y1; y++) {
            double dy = y + 0.5 - cy;
            uint32_t *line = data + (size_t)y * row;
            for (int x = x0; x < x1; x++) {
                double dx = x + 0.5 - cx;
                double cov = r + 0.5 - sqrt(dx * dx + dy * dy); /* pixel coverage, approx. */
                if (cov <= 0) continue;
                if (cov > 1) cov = 1;
                int a = (int)(alpha * cov * 255 + 0.5);
                if (a <= 0) continue;
                uint32_t d = line[x];
                int ia = 255 - a;
                int da = d >> 24, dr = d >> 16 & 255, dg = d >> 8 & 255, db = d & 255;
                da = a + (da * ia + 127) / 255;
                dr = (sr * a + dr * ia + 127) / 255;
                dg = (sg * a + dg * ia + 127) / 255;
                db = (sb * a + db * ia + 127) / 255;
                line[x] = (uint32_t)da << 24 | (uint32_t)dr << 16 | (uint32_t)dg << 8 | (uint32_t)db;
            }
        }
    }
}

/* The naive reference of tc_viz_splat_discs: one cairo arc and fill per
 * point. cr is a cairo_t *. */
void tc_viz_discs_cairo(void *cr_, const double *px, const double *py, size_t n, double r,
                        uint32_t rgb, double alpha) {
    cairo_t *cr = cr_;
    cairo_set_source_rgba(cr, (rgb >> 16 & 255) / 255.0, (rgb >> 8 & 255) / 255.0,
                          (rgb & 255) / 255.0, alpha);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(px[i]) || !isfinite(py[i])) continue;
        cairo_new_path(cr);
        cairo_arc(cr, px[i], py[i], r, 0, 2 * M_PI);
        cairo_fill(cr);
    }
}

/* ---------------------------------------------------------------- fonts */

void tc_viz_set_font(void *cr, double size, int bold) {
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}
