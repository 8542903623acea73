/* plot.c - writes a fitted classifier's pictures into a folder, or into a
 * save's staging area so that they are committed with that save. */
#include "core/core.h"
#include "util/util.h"
#include "viz/tiles.h"
#include "viz/viz.h"

#include <stdio.h>
#include <unistd.h>

int tc_classifier_plot(const tc_classifier *c, const char *folder, const tc_plot_params *p) {
    return tc_classifier_plot_overlay(c, folder, p, NULL, 0);
}

int tc_classifier_plot_overlay(const tc_classifier *c, const char *folder, const tc_plot_params *p,
                               const tc_overlay *ov, uint64_t seed) {
    if (!c->n) return tc_error(TC_EINVAL, "nothing to plot: the classifier is not fitted");
    tc_plot_params pp = p ? *p : tc_plot_default_params();
    char path[4200];
    /* stage "plot", in points: map.png the first half (map.html the
     * second) or the first quarter (map/'s three passes the rest) */
    int tiled = c->n > (size_t)(c->p.viz.map_max_points > 0 ? c->p.viz.map_max_points : 200000);
    size_t png_span = tiled ? c->n / 4 : c->n / 2;
    tc_meter m;
    int rc = tc_meter_start(&m, c->p.progress, c->p.progress_ctx, "plot", c->n);
    if (rc) return rc;
    /* Each writer replaces its file atomically, so a failure keeps the old one. */
    snprintf(path, sizeof path, "%s/map.png", folder);
    if ((rc = tc_viz_map_png_tree(c->proj, c->n, c->labels, c->names, c->n_names, c->tree, c->n_tree,
                                  &pp, ov, path, &m, png_span)) ||
        (rc = tc_meter_report(&m, png_span)))
        return rc;
    /* Up to viz.map_max_points one self-contained map.html, above it the
     * tiled map/ (a folder for a web server); a save keeps only the one it
     * wrote (the other is pruned as a file the save did not produce), and
     * a load or show removes the other below. */
    if (tiled) {
        rc = tc_viz_map_tiles_overlay(c->proj, c->n, c->labels, (const char *const *)c->texts, c->names,
                                      c->n_names, c->tree, c->n_tree, ov, seed, c->p.seed,
                                      tc_viz_tile_cap(c->p.viz.map_max_points), folder, &m);
    } else {
        snprintf(path, sizeof path, "%s/map.html", folder);
        rc = tc_viz_map_html(c->proj, c->n, c->labels, (const char *const *)c->texts, c->names,
                             c->n_names, c->tree, c->n_tree, ov, seed, path);
    }
    if (rc) return rc;
    /* the other form of the map, when an earlier load or show (or save)
     * wrote it here: only our files go (a save's staging folder has none) */
    if (tiled) {
        snprintf(path, sizeof path, "%s/map.html", folder);
        if (tc_viz_is_map_html(path)) unlink(path);
    } else {
        snprintf(path, sizeof path, "%s/map", folder);
        tc_viz_remove_map_files(path);
    }
    if (c->p.label.topic_mode == TC_TOPIC_SINGLE && c->names)
        rc = tc_plot_topics(c->labels, c->n, c->names, c->n_names, folder);
    return rc ? rc : tc_meter_report(&m, c->n);
}

int tc_classifier_plot_to(const tc_classifier *c, tc_save_folder *f, const tc_plot_params *p) {
    const char *stage;
    int rc = tc_save_folder_stage(f, &stage);
    return rc ? rc : tc_classifier_plot(c, stage, p);
}
