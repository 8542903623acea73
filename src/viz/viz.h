/* viz.h - private pieces shared by the plots: cluster centres and sizes, the
 * data-to-pixel frame of the map, the palette and its graph colouring, label
 * lookup, and PNG writing with a resolution chunk. Not public API; tests
 * include it to map data coordinates to pixels exactly as the plotter does. */
#ifndef TC_VIZ_H
#define TC_VIZ_H

#include "textclust.h"
#include "util/util.h"
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- clusters */

/* The clusters present in a labelling, in ascending label order. */
typedef struct tc_viz_clusters {
    size_t n;          /* points */
    size_t k;          /* clusters, noise (-1 and any negative label) not counted */
    int64_t *ids;      /* (k) cluster labels, ascending */
    size_t *sizes;     /* (k) members per cluster */
    float *centres;    /* (k, 2) mean xy of the members */
    int32_t *index;    /* (n) compact cluster index 0..k-1 of each point, -1 for noise */
    size_t n_noise;    /* points with a negative label */
} tc_viz_clusters;

/* Groups xy (n, 2) by labels (n). Free with tc_viz_clusters_free. */
int tc_viz_clusters_build(const float *xy, size_t n, const int64_t *labels,
                          tc_viz_clusters *c);
void tc_viz_clusters_free(tc_viz_clusters *c);

/* The name of cluster `label` among names (n_names, any order), or NULL. */
const tc_cluster_label *tc_viz_find_name(const tc_cluster_label *names, size_t n_names,
                                         int64_t label);

/* ---------------------------------------------------------------- frame */

/* Maps data coordinates to image pixels with one scale for both axes (the
 * map keeps its aspect ratio), centred, y pointing up:
 *   px = px0 + (x - x0) * scale,  py = py0 - (y - y0) * scale
 * Pixel (i, j) covers [i, i+1) x [j, j+1). */
typedef struct tc_viz_frame {
    double x0, y0;     /* data point drawn at (px0, py0): the centre of the data box */
    double px0, py0;   /* image centre */
    double scale;      /* pixels per data unit */
} tc_viz_frame;

/* The frame that fits the bounding box of xy (n, 2) into width x height
 * leaving `margin` pixels on every side. n == 0 gives scale 1 at 0,0. */
tc_viz_frame tc_viz_frame_fit(const float *xy, size_t n, int width, int height, double margin);

/* The frame of map.png, with a margin of 3% of the shorter side: the box
 * of the central 99% of the points on each axis, widened by a quarter of
 * its size on every side but never past the bounding box, so that a few far
 * outliers (UMAP leaves some) do not shrink the map into a corner; points
 * outside it are not drawn (map.html shows every point). */
tc_viz_frame tc_viz_map_frame(const float *xy, size_t n, int width, int height);

/* The box map.png frames and map.html opens on: [x0, x1, y0, y1] (the
 * layout of the bounding box above). */
void tc_viz_bulk_box(const float *xy, size_t n, double box[4]);

static inline void tc_viz_to_pixel(const tc_viz_frame *f, double x, double y, double *px,
                                   double *py) {
    *px = f->px0 + (x - f->x0) * f->scale;
    *py = f->py0 - (y - f->y0) * f->scale;
}

/* ---------------------------------------------------------------- palette */

#define TC_VIZ_PALETTE_SIZE 20
#define TC_VIZ_NOISE_RGB 0xc4c4c4u   /* light grey */

/* Colour i (0..TC_VIZ_PALETTE_SIZE-1) as 0xRRGGBB. */
uint32_t tc_viz_palette(int i);

/* Colours k clusters with centres (k, 2) so that neighbouring clusters (each
 * centre's TC_VIZ_NEIGHBOURS nearest centres, both ways) differ: greedy
 * colouring, biggest degree first, each cluster taking the palette colour
 * farthest in colour from its coloured neighbours' (least used on ties).
 * Writes palette indices to colour (k). Deterministic. */
int tc_viz_colour_clusters(const float *centres, size_t k, int *colour);

/* Neighbour lists used by the colouring: nbr (k, TC_VIZ_NEIGHBOURS) of
 * cluster indices, -1 padded. Exposed for the test. */
#define TC_VIZ_NEIGHBOURS 6
int tc_viz_centre_graph(const float *centres, size_t k, int32_t *nbr);

/* ---------------------------------------------------------------- drawing */

/* Adds n anti-aliased discs of radius r (pixels) and colour rgb with opacity
 * alpha to a cairo ARGB32 image (premultiplied, stride in bytes), source-over,
 * touching only rows [y0, y1) (so that bands of rows can be drawn in
 * parallel with the same result). px, py (n) are pixel centres. Fast path of
 * cairo_arc + fill per point. */
void tc_viz_splat_discs(uint32_t *data, int width, int y0, int y1, int stride, const double *px,
                        const double *py, size_t n, double r, uint32_t rgb, double alpha);

/* The naive reference of tc_viz_splat_discs: a cairo arc and fill per point
 * on cr (a cairo_t *). */
void tc_viz_discs_cairo(void *cr, const double *px, const double *py, size_t n, double r,
                        uint32_t rgb, double alpha);

/* Label placement of map.png, in pixels. Clusters are taken biggest first;
 * a box goes at its centre, else at the first free spot on rings of 8
 * positions around it (steps of half its width and its full height, up to
 * TC_VIZ_LABEL_RINGS rings), else it is dropped. Boxes keep `gap` pixels
 * apart and stay inside the image. */
enum { TC_VIZ_LABEL_NONE = 0, TC_VIZ_LABEL_CENTRED = 1, TC_VIZ_LABEL_NUDGED = 2,
       TC_VIZ_LABEL_DROPPED = 3 };
#define TC_VIZ_LABEL_RINGS 4
typedef struct tc_viz_label_box {
    double x, y, w, h; /* top-left corner and size */
    int state;         /* TC_VIZ_LABEL_*; NONE when the cluster has no label */
} tc_viz_label_box;

/* cx, cy (k) centres; w, h (k) box sizes (0 = no label); sizes (k) members;
 * out (k) the boxes. */
int tc_viz_place_labels(const double *cx, const double *cy, const double *w, const double *h,
                        const size_t *sizes, size_t k, int width, int height, double gap,
                        tc_viz_label_box *out);

/* A name map.png shows: a cluster's or a topic-tree node's, at the mean
 * map position of its texts. */
typedef struct tc_viz_site {
    int64_t id;        /* the cluster label, or the tree node index */
    double x, y;       /* data coordinates */
    size_t size;       /* texts */
    const char *name;  /* borrowed */
} tc_viz_site;

/* The tree nodes map.png names (map_names.c): at most max_names (0 = 12),
 * no node together with one of its ancestors, chosen from the root down by
 * size x spread; *out malloc'd, in node order. No tree: none. */
int tc_viz_tree_sites(const tc_topic_node *tree, size_t n_tree, const tc_viz_clusters *cl,
                      const float *xy, int max_names, tc_viz_site **out, size_t *n_out);

/* Appends ,"nodes":[...] to a page's meta JSON (map_names.c): the names the
 * pages place as they zoom, the topic tree's nodes (parent, cluster, size,
 * x, y, r, name), or without a tree the clusters as roots; x, y the mean of
 * a node's texts, r their RMS distance from it. Sets b->oom on failure. */
void tc_viz_name_nodes_json(tc_sb *b, const tc_viz_clusters *cl, const float *xy,
                            const tc_topic_node *tree, size_t n_tree,
                            const tc_cluster_label *names, size_t n_names);

/* The label boxes of map.png as it places them (pixels): the sites (tree
 * sites with a tree, else the named clusters), their boxes (*boxes, one per
 * site, state DROPPED when there was no room) - what the tests check for
 * overlaps. Both malloc'd. */
int tc_viz_map_labels(const float *xy, size_t n, const int64_t *labels,
                      const tc_cluster_label *names, size_t n_names, const tc_topic_node *tree,
                      size_t n_tree, const tc_plot_params *p, tc_viz_site **sites,
                      tc_viz_label_box **boxes, size_t *n_sites);

/* Writes a cairo ARGB32 or RGB24 image surface as PNG to path (atomically, through
 * tc_atomic_open), with a pHYs chunk for dpi (0 = none). The surface is a
 * cairo_surface_t *; void here so that the header needs no cairo include.
 * Same bytes whatever the thread count. */
int tc_viz_write_png(void *surface, const char *path, double dpi);

/* Sets the label font (DejaVu Sans, or sans-serif) on a cairo_t *. */
void tc_viz_set_font(void *cr, double size, int bold);

/* ---------------------------------------------------------------- text */

/* A malloc'd copy of s (NULL = "") with invalid UTF-8 replaced by U+FFFD
 * and control characters other than newline and tab dropped, cut after at
 * most max_chars code points (0 = no limit). NULL on allocation failure. */
char *tc_viz_utf8_clean(const char *s, size_t max_chars);

/* Appends s (valid UTF-8) to b as a JSON string literal that is safe inside
 * an HTML <script> element: quotes, backslashes and control characters
 * escaped, and < > & U+2028 U+2029 written as \uXXXX. */
void tc_viz_json_string(tc_sb *b, const char *s);

/* Appends s to b as one CSV field, quoted when it holds , " CR or LF. */
void tc_viz_csv_field(tc_sb *b, const char *s);

/* Resolved point radius and opacity for n points in a width x height image. */
void tc_viz_point_style(const tc_plot_params *p, size_t n, int width, int height,
                        double *radius, double *alpha);

/* ---------------------------------------------------------------- overlay */

/* Inferred texts over map.png: each point a disc of radius *inner in its
 * cluster's colour (TC_VIZ_OVERLAY_NOISE_RGB for noise and labels the map
 * lacks) on a TC_VIZ_OVERLAY_OUTLINE_RGB disc of radius *outer, all
 * outlines first, drawn over the map's points and under its labels. */
#define TC_VIZ_OVERLAY_OUTLINE_RGB 0x1a1a1au
#define TC_VIZ_OVERLAY_NOISE_RGB 0x8c8c8cu
void tc_viz_overlay_style(size_t n, int width, int height, double *inner, double *outer);

/* tc_plot_map_png and tc_write_map_html with an overlay (NULL = none). */
int tc_viz_map_png(const float *xy, size_t n, const int64_t *labels, const tc_cluster_label *names,
                   size_t n_names, const tc_plot_params *p, const tc_overlay *ov, const char *path);
/* tc_viz_map_png with the names of a topic tree (NULL = the clusters'),
 * reporting on m (NULL: none) from 0 to span as it draws (the PNG's
 * encoding, its last step, reports at its end): TC_ECANCELED once m is
 * stopped, the earlier map.png kept. */
int tc_viz_map_png_tree(const float *xy, size_t n, const int64_t *labels, const tc_cluster_label *names,
                        size_t n_names, const tc_topic_node *tree, size_t n_tree,
                        const tc_plot_params *p, const tc_overlay *ov, const char *path, tc_meter *m,
                        size_t span);
/* tc_write_map_html with the names of a topic tree (NULL = the clusters')
 * and an overlay (NULL = none). */
int tc_viz_map_html(const float *xy, size_t n, const int64_t *labels, const char *const *texts,
                    const tc_cluster_label *names, size_t n_names, const tc_topic_node *tree,
                    size_t n_tree, const tc_overlay *ov, uint64_t seed, const char *path);

/* How every map.html tc_viz_map_html writes starts (the template's first
 * lines), and whether the file at path (a plain file, not a link) does:
 * what lets load and show remove a map.html of ours that map/ replaced. */
#define TC_VIZ_MAP_HTML_MARK "<!DOCTYPE html>\n<!-- map.html template of textclust"
int tc_viz_is_map_html(const char *path);

/* Appends the overlay as the pages read it (overlay.c): a JSON object of
 * n_total, n_noise_total, n, n_noise and the columns x, y, label, distance,
 * id of a seeded sample of at most TC_OVERLAY_HTML_MAX points; flush(arg)
 * (may be NULL) is called after each value, so a writer can empty b. */
int tc_viz_overlay_json(tc_sb *b, const tc_overlay *ov, uint64_t seed, void (*flush)(void *),
                        void *arg);

/* Writes to idx (min(n, max)) a uniform random subset of 0..n-1 in
 * ascending order, the same for the same seed; returns its size. */
size_t tc_viz_overlay_sample(size_t n, size_t max, uint64_t seed, size_t *idx);

/* The compact cluster index of label in c (-1 when c has no such cluster). */
int32_t tc_viz_cluster_slot(const tc_viz_clusters *c, int64_t label);

#endif
