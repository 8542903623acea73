/* plot.c - writes a fitted classifier's pictures into a folder. */
#include "core/core.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int tc_classifier_plot(const tc_classifier *c, const char *folder, const tc_plot_params *p) {
    if (!c->n) return tc_error(TC_EINVAL, "nothing to plot: the classifier is not fitted");
    tc_plot_params pp = p ? *p : tc_plot_default_params();
    char tmp[4200], path[4200];
    int rc;
    /* Each picture goes to a temporary name first, so a failure keeps the old one. */
    snprintf(tmp, sizeof tmp, "%s/.map.png.tmp", folder);
    snprintf(path, sizeof path, "%s/map.png", folder);
    rc = tc_plot_map_png(c->proj, c->n, c->labels, c->names, c->n_names, &pp, tmp);
    if (!rc && rename(tmp, path) != 0) rc = tc_error(TC_EIO, "%s: %s", path, strerror(errno));
    if (rc) { remove(tmp); return rc; }
    snprintf(tmp, sizeof tmp, "%s/.map.html.tmp", folder);
    snprintf(path, sizeof path, "%s/map.html", folder);
    rc = tc_write_map_html(c->proj, c->n, c->labels, (const char *const *)c->texts, c->names,
                           c->n_names, tmp);
    if (!rc && rename(tmp, path) != 0) rc = tc_error(TC_EIO, "%s: %s", path, strerror(errno));
    if (rc) { remove(tmp); return rc; }
    if (c->p.label.topic_mode == TC_TOPIC_SINGLE && c->names)
        rc = tc_plot_topics(c->labels, c->n, c->names, c->n_names, folder);
    return rc;
}
