/* test_viz.c - the plots: map.png decoded back with cairo (size, cluster
 * colours around their centres, grey noise, label boxes, resolution chunk),
 * the fast disc splatter against cairo's own arcs, the colouring of
 * neighbouring clusters, text escaping, and the single-topic plots and CSV.
 *
 *   test_viz                 run the checks
 *   test_viz --html PATH [N] write the map.html used by tests/viz_html_test.sh:
 *                            N points (2000) in 5 clusters + noise, text i =
 *                            "text <i> cluster <c> <word>..." (see make_text),
 *                            and one text that tries to break out of the page.
 *   test_viz --html-tree PATH write a map.html with a topic tree: 2 groups
 *                            far apart of 3 and 4 tight clusters, for the
 *                            names-by-zoom checks of tests/viz_html_test.sh. */
#include "check.h"
#include "textclust.h"
#include "viz/viz.h"

#include <cairo.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- data */

/* k clusters on a circle of radius 6, gaussian spread sd, then n_noise
 * uniform points in [-9, 9]^2. xy (n, 2), labels (n) */
static void make_blobs(size_t per, int k, double sd, size_t n_noise, uint64_t seed, float *xy,
                       int64_t *labels) {
    tc_rng r = tc_rng_seed(seed);
    size_t i = 0;
    for (int c = 0; c < k; c++) {
        double cx = 6 * cos(2 * M_PI * c / k), cy = 6 * sin(2 * M_PI * c / k);
        for (size_t t = 0; t < per; t++, i++) {
            double u1 = tc_rng_uniform(&r) + 1e-12, u2 = tc_rng_uniform(&r);
            double g = sqrt(-2 * log(u1));
            xy[2 * i] = (float)(cx + sd * g * cos(2 * M_PI * u2));
            xy[2 * i + 1] = (float)(cy + sd * g * sin(2 * M_PI * u2));
            labels[i] = 10 + 3 * c; /* non-contiguous ids on purpose */
        }
    }
    for (size_t t = 0; t < n_noise; t++, i++) {
        xy[2 * i] = (float)(18 * tc_rng_uniform(&r) - 9);
        xy[2 * i + 1] = (float)(18 * tc_rng_uniform(&r) - 9);
        labels[i] = -1;
    }
}

static uint32_t pixel_rgb(cairo_surface_t *s, int x, int y) {
    const uint32_t *d = (const uint32_t *)cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s) / 4;
    return d[(size_t)y * stride + x] & 0xffffff; /* opaque image: premultiplied == plain */
}

static int near_rgb(uint32_t a, uint32_t b, int tol) {
    for (int sh = 0; sh <= 16; sh += 8) {
        int x = a >> sh & 255, y = b >> sh & 255;
        if (abs(x - y) > tol) return 0;
    }
    return 1;
}

static char tmpdir[256];

static const char *tmp_path(const char *name) {
    static char buf[4][512];
    static int slot;
    slot = (slot + 1) % 4;
    snprintf(buf[slot], sizeof buf[slot], "%s/%s", tmpdir, name);
    return buf[slot];
}

/* ---------------------------------------------------------------- map.png */

static void test_map_png(void) {
    enum { K = 5, PER = 400, NOISE = 300, N = K * PER + NOISE + 1, W = 600, H = 400 };
    float *xy = malloc(N * 2 * sizeof *xy);
    int64_t *labels = malloc(N * sizeof *labels);
    make_blobs(PER, K, 0.35, NOISE, 3, xy, labels);
    /* one isolated noise point in an empty corner, to look at its pixel */
    xy[2 * (N - 1)] = -9.5f;
    xy[2 * (N - 1) + 1] = 9.5f;
    labels[N - 1] = -1;

    tc_plot_params p = tc_plot_default_params();
    CHECK(p.width == 3600 && p.height == 2400 && p.dpi == 300);
    p.width = W;
    p.height = H;
    p.alpha = 1;
    p.point_size = 3;
    const char *path = tmp_path("map.png");
    CHECK_OK(tc_plot_map_png(xy, N, labels, NULL, 0, &p, path));

    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    CHECK(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS);
    CHECK(cairo_image_surface_get_width(s) == W && cairo_image_surface_get_height(s) == H);

    tc_viz_clusters cl;
    CHECK_OK(tc_viz_clusters_build(xy, N, labels, &cl));
    CHECK(cl.k == K && cl.n_noise == NOISE + 1 && cl.ids[1] == 13 && cl.sizes[2] == PER);
    int colour[K];
    CHECK_OK(tc_viz_colour_clusters(cl.centres, cl.k, colour));
    tc_viz_frame fr = tc_viz_map_frame(xy, N, W, H);
    for (int c = 0; c < K; c++) {
        /* the centre is the members' mean, close to where the blob was drawn */
        CHECK_NEAR(cl.centres[2 * c], 6 * cos(2 * M_PI * c / K), 0.1);
        double cx, cy;
        tc_viz_to_pixel(&fr, cl.centres[2 * c], cl.centres[2 * c + 1], &cx, &cy);
        uint32_t want = tc_viz_palette(colour[c]);
        int hit = 0, other = 0, total = 0;
        for (int y = (int)cy - 6; y <= (int)cy + 6; y++)
            for (int x = (int)cx - 6; x <= (int)cx + 6; x++, total++) {
                uint32_t got = pixel_rgb(s, x, y);
                if (near_rgb(got, want, 40)) hit++;
                for (int o = 0; o < K; o++)
                    if (colour[o] != colour[c] && near_rgb(got, tc_viz_palette(colour[o]), 20)) other++;
            }
        CHECK_MSG(hit > total * 6 / 10, "cluster %d: %d of %d pixels in its colour %06x", c, hit,
                  total, want);
        CHECK_MSG(other == 0, "cluster %d: %d pixels in another cluster's colour", c, other);
    }
    /* neighbours on the circle get different colours */
    for (int c = 0; c < K; c++) CHECK(colour[c] != colour[(c + 1) % K]);
    /* the lone noise point is grey, the background white */
    double nx, ny;
    tc_viz_to_pixel(&fr, xy[2 * (N - 1)], xy[2 * (N - 1) + 1], &nx, &ny);
    uint32_t g = pixel_rgb(s, (int)nx, (int)ny);
    int gr = g >> 16, gg = g >> 8 & 255, gb = g & 255;
    CHECK_MSG(gr == gg && gg == gb && gr > 120 && gr < 240, "noise pixel %06x", g);
    CHECK(pixel_rgb(s, (int)nx + 8, (int)ny + 8) == 0xffffff);
    cairo_surface_destroy(s);

    /* the resolution chunk follows IHDR: 300 dpi = 11811 pixels per metre */
    FILE *f = fopen(path, "rb");
    unsigned char head[64] = {0};
    CHECK(f && fread(head, 1, sizeof head, f) == sizeof head);
    if (f) fclose(f);
    CHECK(memcmp(head + 37, "pHYs", 4) == 0);
    CHECK(((uint32_t)head[41] << 24 | head[42] << 16 | head[43] << 8 | head[44]) == 11811);

    /* with names: a light label box at the centre of every cluster, dark text inside */
    tc_cluster_label names[K];
    char buf[K][64];
    for (int c = 0; c < K; c++) {
        snprintf(buf[c], sizeof buf[c], "Cluster number %d", c);
        names[c] = (tc_cluster_label){.label = cl.ids[c], .summary = buf[c], .score = -1};
    }
    p.font_size = 12;
    CHECK_OK(tc_plot_map_png(xy, N, labels, names, K, &p, path));
    s = cairo_image_surface_create_from_png(path);
    for (int c = 0; c < K; c++) {
        double cx, cy;
        tc_viz_to_pixel(&fr, cl.centres[2 * c], cl.centres[2 * c + 1], &cx, &cy);
        int light = 0, dark = 0;
        for (int y = (int)cy - 5; y <= (int)cy + 5; y++)
            for (int x = (int)cx - 30; x <= (int)cx + 30; x++) {
                uint32_t px = pixel_rgb(s, x, y);
                int lum = ((px >> 16) + (px >> 8 & 255) + (px & 255)) / 3;
                light += lum > 225;
                dark += lum < 80;
            }
        CHECK_MSG(light > 300 && dark > 10, "label of cluster %d: %d light, %d dark", c, light, dark);
    }
    cairo_surface_destroy(s);

    /* errors come back as codes */
    p.width = 5;
    CHECK(tc_plot_map_png(xy, N, labels, NULL, 0, &p, path) == TC_EINVAL);
    p.width = W;
    CHECK(tc_plot_map_png(xy, N, labels, NULL, 0, &p, "/nonexistent/dir/map.png") == TC_EIO);
    /* default size, no points: still an image */
    CHECK_OK(tc_plot_map_png(NULL, 0, NULL, NULL, 0, NULL, path));
    s = cairo_image_surface_create_from_png(path);
    CHECK(cairo_image_surface_get_width(s) == 3600 && cairo_image_surface_get_height(s) == 2400);
    cairo_surface_destroy(s);
    tc_viz_clusters_free(&cl);
    free(xy);
    free(labels);
}

/* The fast splatter draws what cairo's arcs draw. */
static void test_splat_vs_cairo(void) {
    enum { W = 200, H = 150, N = 300 };
    double px[N], py[N];
    tc_rng r = tc_rng_seed(11);
    for (int i = 0; i < N; i++) {
        px[i] = 10 + 180 * tc_rng_uniform(&r);
        py[i] = 10 + 130 * tc_rng_uniform(&r);
    }
    cairo_surface_t *a = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_surface_t *b = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_t *ca = cairo_create(a), *cb = cairo_create(b);
    cairo_set_source_rgb(ca, 1, 1, 1);
    cairo_paint(ca);
    cairo_set_source_rgb(cb, 1, 1, 1);
    cairo_paint(cb);
    cairo_surface_flush(a);
    /* in two bands of rows, as the plotter does */
    tc_viz_splat_discs((uint32_t *)cairo_image_surface_get_data(a), W, 0, 70,
                       cairo_image_surface_get_stride(a), px, py, N, 2.5, 0x2f6fd0, 0.6);
    tc_viz_splat_discs((uint32_t *)cairo_image_surface_get_data(a), W, 70, H,
                       cairo_image_surface_get_stride(a), px, py, N, 2.5, 0x2f6fd0, 0.6);
    cairo_surface_mark_dirty(a);
    tc_viz_discs_cairo(cb, px, py, N, 2.5, 0x2f6fd0, 0.6);
    cairo_surface_flush(b);
    double sum = 0;
    int big = 0, coloured = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint32_t u = pixel_rgb(a, x, y), v = pixel_rgb(b, x, y);
            coloured += v != 0xffffff;
            for (int sh = 0; sh <= 16; sh += 8) {
                int d = abs((int)(u >> sh & 255) - (int)(v >> sh & 255));
                sum += d;
                big += d > 48;
            }
        }
    double mean = sum / (3.0 * W * H);
    CHECK_MSG(coloured > 2000, "%d coloured pixels", coloured);
    CHECK_MSG(mean < 1.5, "mean channel difference %.3f", mean);
    CHECK_MSG(big < coloured / 50, "%d channels differ by more than 48", big);
    cairo_destroy(ca);
    cairo_destroy(cb);
    cairo_surface_destroy(a);
    cairo_surface_destroy(b);
}

/* The PNG writer against cairo's: the same pixels come back, opaque images
 * as RGB and images with transparency as RGBA, bands of rows included. */
static void test_png_writer(void) {
    for (int transparent = 0; transparent <= 1; transparent++) {
        enum { W = 257, H = 300 }; /* more than two bands of rows, odd width */
        cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
        cairo_t *cr = cairo_create(s);
        if (!transparent) { cairo_set_source_rgb(cr, 1, 1, 1); cairo_paint(cr); }
        tc_rng r = tc_rng_seed(77 + transparent);
        for (int i = 0; i < 400; i++) {
            cairo_set_source_rgba(cr, tc_rng_uniform(&r), tc_rng_uniform(&r), tc_rng_uniform(&r),
                                  transparent ? tc_rng_uniform(&r) : 1);
            cairo_rectangle(cr, W * tc_rng_uniform(&r), H * tc_rng_uniform(&r), 30 * tc_rng_uniform(&r),
                            30 * tc_rng_uniform(&r));
            cairo_fill(cr);
        }
        cairo_surface_flush(s);
        CHECK_OK(tc_viz_write_png(s, tmp_path("ours.png"), 96));
        CHECK(cairo_surface_write_to_png(s, tmp_path("cairo.png")) == CAIRO_STATUS_SUCCESS);
        cairo_surface_t *a = cairo_image_surface_create_from_png(tmp_path("ours.png"));
        cairo_surface_t *b = cairo_image_surface_create_from_png(tmp_path("cairo.png"));
        CHECK(cairo_surface_status(a) == CAIRO_STATUS_SUCCESS);
        CHECK(cairo_image_surface_get_width(a) == W && cairo_image_surface_get_height(a) == H);
        int bad = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                const uint32_t *da = (const uint32_t *)cairo_image_surface_get_data(a);
                const uint32_t *db = (const uint32_t *)cairo_image_surface_get_data(b);
                uint32_t u = da[y * cairo_image_surface_get_stride(a) / 4 + x];
                uint32_t v = db[y * cairo_image_surface_get_stride(b) / 4 + x];
                if (transparent ? (u >> 24 != v >> 24 || !near_rgb(u, v, 1)) : u != v) bad++;
            }
        CHECK_MSG(bad == 0, "%d pixels differ from cairo's PNG (transparent %d)", bad, transparent);
        cairo_surface_destroy(a);
        cairo_surface_destroy(b);
        cairo_destroy(cr);
        cairo_surface_destroy(s);
    }
}

/* Greedy colouring: no cluster shares its colour with a neighbour. */
static void test_colouring(void) {
    enum { K = 120 };
    float c[K * 2];
    tc_rng r = tc_rng_seed(5);
    for (int i = 0; i < 2 * K; i++) c[i] = (float)tc_rng_uniform(&r);
    int colour[K], colour2[K];
    int32_t nbr[K * TC_VIZ_NEIGHBOURS];
    CHECK_OK(tc_viz_colour_clusters(c, K, colour));
    CHECK_OK(tc_viz_colour_clusters(c, K, colour2));
    CHECK(memcmp(colour, colour2, sizeof colour) == 0);
    tc_viz_centre_graph(c, K, nbr);
    int clash = 0, used[TC_VIZ_PALETTE_SIZE] = {0}, n_used = 0;
    for (int i = 0; i < K; i++) {
        CHECK(colour[i] >= 0 && colour[i] < TC_VIZ_PALETTE_SIZE);
        if (!used[colour[i]]++) n_used++;
        for (int t = 0; t < TC_VIZ_NEIGHBOURS; t++) clash += colour[nbr[i * TC_VIZ_NEIGHBOURS + t]] == colour[i];
        /* the graph lists the truly nearest centre first */
        double best = 1e9;
        int bj = -1;
        for (int j = 0; j < K; j++) {
            if (j == i) continue;
            double d = pow(c[2 * i] - c[2 * j], 2) + pow(c[2 * i + 1] - c[2 * j + 1], 2);
            if (d < best) { best = d; bj = j; }
        }
        CHECK(nbr[i * TC_VIZ_NEIGHBOURS] == bj);
    }
    CHECK_MSG(clash == 0, "%d neighbour pairs share a colour", clash);
    CHECK_MSG(n_used >= 10, "only %d colours used", n_used);
    for (int i = 0; i < TC_VIZ_PALETTE_SIZE; i++) {
        uint32_t v = tc_viz_palette(i);
        CHECK(!((v >> 16) == (v & 255) && (v >> 16) == (v >> 8 & 255))); /* no greys */
    }
}

/* Labels: the biggest cluster keeps its centre, others move aside or drop
 * out, and no two boxes overlap. */
static int boxes_overlap(const tc_viz_label_box *a, const tc_viz_label_box *b) {
    return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

static void test_place_labels(void) {
    enum { K = 40 };
    double cx[K], cy[K], w[K], h[K];
    size_t sizes[K];
    tc_viz_label_box box[K];
    for (int j = 0; j < K; j++) {
        cx[j] = 200; cy[j] = 150; w[j] = 80; h[j] = 20;
        sizes[j] = (size_t)(10 + (j * 7919) % 97); /* distinct sizes */
    }
    sizes[17] = 1000;
    w[3] = 0; /* no name */
    CHECK_OK(tc_viz_place_labels(cx, cy, w, h, sizes, 3, 400, 300, 2, box));
    /* three clusters on one spot: the biggest centred, the other two nudged */
    size_t big = sizes[0] > sizes[1] ? (sizes[0] > sizes[2] ? 0 : 2) : (sizes[1] > sizes[2] ? 1 : 2);
    for (int j = 0; j < 3; j++)
        CHECK(box[j].state == ((size_t)j == big ? TC_VIZ_LABEL_CENTRED : TC_VIZ_LABEL_NUDGED));
    CHECK_NEAR(box[big].x + box[big].w / 2, 200, 1e-9);
    CHECK(!boxes_overlap(&box[0], &box[1]) && !boxes_overlap(&box[0], &box[2]) &&
          !boxes_overlap(&box[1], &box[2]));

    /* forty on one spot in a small image: some drop out, the biggest stays */
    CHECK_OK(tc_viz_place_labels(cx, cy, w, h, sizes, K, 400, 300, 2, box));
    int dropped = 0, placed = 0, clash = 0, outside = 0;
    for (int j = 0; j < K; j++) {
        dropped += box[j].state == TC_VIZ_LABEL_DROPPED;
        if (box[j].state != TC_VIZ_LABEL_CENTRED && box[j].state != TC_VIZ_LABEL_NUDGED) continue;
        placed++;
        outside += box[j].x < 0 || box[j].y < 0 || box[j].x + box[j].w > 400 || box[j].y + box[j].h > 300;
        for (int i = 0; i < j; i++)
            if ((box[i].state == TC_VIZ_LABEL_CENTRED || box[i].state == TC_VIZ_LABEL_NUDGED) &&
                boxes_overlap(&box[i], &box[j]))
                clash++;
    }
    CHECK(box[3].state == TC_VIZ_LABEL_NONE);
    CHECK(box[17].state == TC_VIZ_LABEL_CENTRED);
    CHECK_MSG(dropped > 0 && placed > 5 && dropped + placed == K - 1, "%d dropped, %d placed", dropped, placed);
    CHECK(clash == 0 && outside == 0);
    /* every dropped cluster is smaller than the smallest one placed at the first ring */
    size_t min_ring1 = (size_t)-1;
    for (int j = 0; j < K; j++)
        if (box[j].state == TC_VIZ_LABEL_NUDGED && fabs(box[j].y + box[j].h / 2 - 150) <= 23 &&
            fabs(box[j].x + box[j].w / 2 - 200) <= 43 && sizes[j] < min_ring1)
            min_ring1 = sizes[j];
    for (int j = 0; j < K; j++)
        if (box[j].state == TC_VIZ_LABEL_DROPPED) CHECK(sizes[j] < min_ring1);
}

/* Same input, same bytes. */
static void test_deterministic(void) {
    enum { N = 3000 };
    float *xy = malloc(N * 2 * sizeof *xy);
    int64_t *labels = malloc(N * sizeof *labels);
    make_blobs(500, 5, 0.5, N - 2500, 21, xy, labels);
    tc_cluster_label names[5];
    for (int c = 0; c < 5; c++)
        names[c] = (tc_cluster_label){.label = 10 + 3 * c, .summary = "A fairly long cluster name that wraps", .score = -1};
    tc_plot_params p = tc_plot_default_params();
    p.width = 900; p.height = 600;
    const char *files[2][2] = {{"det1.png", "det2.png"}, {"det1.html", "det2.html"}};
    for (int r = 0; r < 2; r++) {
        CHECK_OK(tc_plot_map_png(xy, N, labels, names, 5, &p, tmp_path(files[0][r])));
        CHECK_OK(tc_write_map_html(xy, N, labels, NULL, names, 5, tmp_path(files[1][r])));
    }
    for (int t = 0; t < 2; t++) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", tmp_path(files[t][0]), tmp_path(files[t][1]));
        CHECK_MSG(system(cmd) == 0, "%s differs between runs", files[t][0]);
    }
    free(xy);
    free(labels);
}

/* ---------------------------------------------------------------- text */

static void test_text(void) {
    tc_sb b = {0};
    tc_viz_json_string(&b, "</script><!-- \"q\" \\ a&b\n\x01 \xe2\x80\xa8 \xc3\xa9");
    CHECK_STR(b.s, "\"\\u003c/script\\u003e\\u003c!-- \\\"q\\\" \\\\ a\\u0026b\\n\\u0001 \\u2028 \xc3\xa9\"");
    tc_sb_free(&b);
    char *c = tc_viz_utf8_clean("ab\xff" "c\xc3\xa9\x02" "def", 5);
    CHECK_STR(c, "ab\xef\xbf\xbd" "c\xc3\xa9");
    free(c);
    c = tc_viz_utf8_clean(NULL, 0);
    CHECK_STR(c, "");
    free(c);
    tc_sb_puts(&b, "");
    tc_viz_csv_field(&b, "plain");
    tc_sb_puts(&b, ",");
    tc_viz_csv_field(&b, "a, \"b\"");
    CHECK_STR(b.s, "plain,\"a, \"\"b\"\"\"");
    tc_sb_free(&b);
}

/* ---------------------------------------------------------------- map.html */

#define EVIL_TEXT "</script><img src=x onerror=window.__pwned=1>"
static const char *const words[] = {"river", "stone", "music", "garden", "number", "light",
                                    "paper", "window", "market", "forest", "silver", "engine"};

/* Text of point i of the HTML fixture: deterministic words, "Zebra" or
 * "zebra" in some, markup in others. */
static char *make_text(size_t i, int c) {
    char buf[400];
    int len = snprintf(buf, sizeof buf, "text %zu cluster %d", i, c);
    for (int w = 0; w < 6; w++)
        len += snprintf(buf + len, sizeof buf - len, " %s", words[(i * 7 + w * 5 + (size_t)c) % 12]);
    if (i % 13 == 0) len += snprintf(buf + len, sizeof buf - len, " %s", i % 2 ? "Zebra" : "zebra");
    if (i % 97 == 0) snprintf(buf + len, sizeof buf - len, "\n<b>bold</b> & <!-- not a comment --> 'q' \"dq\"");
    return strdup(buf);
}

/* Writes the map.html fixture and PATH.expect.json with what the browser
 * test should find. */
/* --html-outliers PATH: 3000 points in 5 clusters within [-9, 9]^2 and 12
 * far outliers (|x| or |y| near 1000), the first view of which
 * tests/viz_frame_test.sh checks. */
static int write_outlier_fixture(const char *path) {
    size_t per = 580, n_noise = 88, n_far = 12, n = 5 * per + n_noise + n_far;
    float *xy = malloc(n * 2 * sizeof *xy);
    int64_t *labels = malloc(n * sizeof *labels);
    char **texts = malloc(n * sizeof *texts);
    make_blobs(per, 5, 0.5, n_noise, 4, xy, labels);
    for (size_t t = 0; t < n_far; t++) {
        size_t i = 5 * per + n_noise + t;
        xy[2 * i] = (float)(t % 2 ? 1000.0 + t : -900.0 + t);
        xy[2 * i + 1] = (float)(t % 3 ? 700.0 - t : -1000.0 + t);
        labels[i] = -1;
    }
    for (size_t i = 0; i < n; i++) texts[i] = make_text(i, (int)labels[i]);
    int rc = tc_write_map_html(xy, n, labels, (const char *const *)texts, NULL, 0, path);
    if (rc) fprintf(stderr, "%s\n", tc_last_error());
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts), free(xy), free(labels);
    return rc ? 1 : 0;
}

/* --html-tree PATH: 2 groups centred at x = -10 and x = 10 of clusters of
 * 300 points (sd 0.3) 1 from the centre, "leaf A1" to "leaf A3" and "leaf
 * B1" to "leaf B3", and a small "leaf A4" (100 points) a quarter from A2,
 * whose name always collides with A2's; the tree is root "all topics",
 * "group A", "group B", then the clusters. At the first view a group's
 * spread is about 40 pixels and the root's 370. */
static int write_tree_fixture(const char *path) {
    enum { PER = 300, K = 7 };
    size_t n = PER * (K - 1) + PER / 3;
    float *xy = malloc(n * 2 * sizeof *xy);
    int64_t *labels = malloc(n * sizeof *labels);
    char **texts = malloc(n * sizeof *texts);
    static const double off[K][2] = {{-1, 0}, {1, 0}, {0, 1}, {1.25, 0.05}, {-1, 0}, {1, 0}, {0, 1}};
    tc_rng r = tc_rng_seed(5);
    for (size_t i = 0; i < n; i++) {
        int c = i < 3 * PER ? (int)(i / PER) : i < 3 * PER + PER / 3 ? 3 : 4 + (int)((i - 3 * PER - PER / 3) / PER);
        double u1 = tc_rng_uniform(&r) + 1e-12, u2 = tc_rng_uniform(&r), d = (c == 3 ? 0.1 : 0.3) * sqrt(-2 * log(u1));
        xy[2 * i] = (float)((c < 4 ? -10 : 10) + off[c][0] + d * cos(2 * M_PI * u2));
        xy[2 * i + 1] = (float)(off[c][1] + d * sin(2 * M_PI * u2));
        labels[i] = c;
        texts[i] = make_text(i, c);
    }
    char nm[K][32];
    tc_cluster_label names[K];
    for (int c = 0; c < K; c++) {
        snprintf(nm[c], sizeof nm[c], "leaf %c%d", c < 4 ? 'A' : 'B', c < 4 ? c + 1 : c - 3);
        names[c] = (tc_cluster_label){.label = c, .summary = nm[c], .score = -1};
    }
    tc_topic_node tree[3 + K];
    int64_t kid_root[2] = {1, 2}, kid_a[4] = {3, 4, 5, 6}, kid_b[3] = {7, 8, 9};
    char *tn[3] = {"all topics", "group A", "group B"};
    memset(tree, 0, sizeof tree);
    for (int v = 0; v < 3 + K; v++) {
        tree[v].parent = v == 0 ? -1 : v <= 2 ? 0 : v <= 6 ? 1 : 2;
        tree[v].cluster = v >= 3 ? v - 3 : -1;
        tree[v].name = v < 3 ? tn[v] : nm[v - 3];
        tree[v].depth = v == 0 ? 0 : v <= 2 ? 1 : 2;
        tree[v].size = v == 0 ? n : v == 1 ? 3 * PER + PER / 3 : v == 2 ? 3 * PER : v == 6 ? PER / 3 : PER;
    }
    tree[0].children = kid_root, tree[0].n_children = 2;
    tree[1].children = kid_a, tree[1].n_children = 4;
    tree[2].children = kid_b, tree[2].n_children = 3;
    int rc = tc_viz_map_html(xy, n, labels, (const char *const *)texts, names, K, tree, 3 + K, NULL, 0, path);
    if (rc) fprintf(stderr, "%s\n", tc_last_error());
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts), free(xy), free(labels);
    return rc ? 1 : 0;
}

static int write_html_fixture(const char *path, size_t n) {
    enum { K = 5 };
    if (n < 100) n = 100;
    size_t n_noise = n / 10, per = (n - n_noise - 2) / K;
    n = per * K + n_noise + 2;
    float *xy = malloc(n * 2 * sizeof *xy);
    int64_t *labels = malloc(n * sizeof *labels);
    char **texts = malloc(n * sizeof *texts);
    make_blobs(per, K, 0.5, n_noise, 9, xy, labels);
    for (size_t i = 0; i < n - 2; i++) texts[i] = make_text(i, (int)labels[i]);
    /* two isolated probes: a normal text in a cluster and the hostile text as noise */
    size_t probe = n - 2, evil = n - 1;
    xy[2 * probe] = -9.5f; xy[2 * probe + 1] = -9.5f; labels[probe] = 10;
    texts[probe] = strdup("the probe text, line one\nline two with <i>markup</i> & Zebra");
    xy[2 * evil] = 9.5f; xy[2 * evil + 1] = 9.5f; labels[evil] = -1;
    texts[evil] = strdup(EVIL_TEXT);
    tc_cluster_label names[K];
    char nb[K][80];
    for (int c = 0; c < K; c++) {
        snprintf(nb[c], sizeof nb[c], "Topic %c</script><b>%d</b>", 'A' + c, c);
        names[c] = (tc_cluster_label){.label = 10 + 3 * c, .summary = nb[c], .score = -1};
    }
    int rc = tc_write_map_html(xy, n, labels, (const char *const *)texts, names, K, path);
    if (rc) { fprintf(stderr, "%s\n", tc_last_error()); return 1; }
    size_t count = 0;
    for (size_t i = 0; i < n; i++) count += strcasestr(texts[i], "zebra") != NULL;
    char ep[600];
    snprintf(ep, sizeof ep, "%s.expect.json", path);
    FILE *f = fopen(ep, "w");
    if (!f) { perror(ep); return 1; }
    tc_sb b = {0};
    tc_sb_printf(&b, "{\"n\":%zu,\"k\":%d,\"n_noise\":%zu,\"word\":\"zebra\",\"count\":%zu,"
                 "\"probe\":%zu,\"evil\":%zu,\"probe_text\":", n, K, n_noise + 1, count, probe, evil);
    tc_viz_json_string(&b, texts[probe]);
    tc_sb_puts(&b, ",\"evil_text\":");
    tc_viz_json_string(&b, texts[evil]);
    tc_sb_puts(&b, ",\"probe_cluster\":");
    tc_viz_json_string(&b, nb[0]);
    tc_sb_puts(&b, "}\n");
    fputs(b.s, f);
    fclose(f);
    tc_sb_free(&b);
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts); free(xy); free(labels);
    return 0;
}

/* The page holds the data as promised: no raw < inside the data, texts cut
 * to 1024 characters, every text present once. */
static void test_map_html(void) {
    const char *path = tmp_path("map.html");
    CHECK(write_html_fixture(path, 400) == 0);
    /* load and show know a map.html of ours by its first lines */
    CHECK(tc_viz_is_map_html(path));
    CHECK(!tc_viz_is_map_html(tmp_path("map.html.expect.json")) && !tc_viz_is_map_html(tmp_path("none.html")));
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f) return;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *page = malloc(len + 1);
    CHECK(fread(page, 1, len, f) == (size_t)len);
    page[len] = 0;
    fclose(f);
    /* each data element holds no '<' at all, so nothing in it can end it */
    static const char *const ids[4] = {"tc-meta", "tc-xy", "tc-lab", "tc-texts"};
    const char *t = NULL;
    for (int e = 0; e < 4; e++) {
        char open[64];
        snprintf(open, sizeof open, "id=\"%s\">", ids[e]);
        const char *a = strstr(page, open);
        CHECK_MSG(a != NULL, "no %s element", ids[e]);
        if (!a) continue;
        a += strlen(open);
        const char *end = strstr(a, "</script>");
        CHECK_MSG(end && !memchr(a, '<', (size_t)(end - a)), "%s: a '<' inside the data", ids[e]);
        if (e == 3) t = a;
    }
    /* the texts come after the page's code, the points before it */
    CHECK(t && strstr(page, "id=\"tc-lab\"") < strstr(page, "'use strict'") &&
          strstr(page, "'use strict'") < t);
    if (t) {
        CHECK(strstr(t, "text 5 cluster 10") != NULL);
        CHECK(strstr(page, "\\u003c/script\\u003e\\u003cimg src=x onerror=window.__pwned=1\\u003e") != NULL);
        CHECK(strstr(page, "\"name\":\"Topic A\\u003c/script\\u003e") != NULL);
        CHECK(strstr(page, "http://") == NULL && strstr(page, "https://") == NULL);
    }
    free(page);

    /* long texts are cut at 1024 characters (multi-byte ones counted once) */
    char *longt = malloc(3000 * 2 + 1);
    for (int i = 0; i < 3000; i++) memcpy(longt + 2 * i, "\xc3\xa9", 2);
    longt[6000] = 0;
    float xy[2] = {0, 0};
    int64_t lab[1] = {0};
    const char *tx[1] = {longt};
    CHECK_OK(tc_write_map_html(xy, 1, lab, tx, NULL, 0, path));
    f = fopen(path, "rb");
    char *pg = malloc(1 << 20);
    size_t got = f ? fread(pg, 1, (1 << 20) - 1, f) : 0;
    pg[got] = 0;
    if (f) fclose(f);
    const char *s = strstr(pg, "id=\"tc-texts\">[\"");
    CHECK(s != NULL);
    if (s) {
        s += strlen("id=\"tc-texts\">[\"");
        size_t e = 0;
        while (strncmp(s + 2 * e, "\xc3\xa9", 2) == 0) e++;
        CHECK_MSG(e == 1024, "%zu characters kept", e);
        CHECK(strncmp(s + 2 * e, "\xe2\x80\xa6\"]", 5) == 0);
    }
    free(pg);
    free(longt);
    CHECK(tc_write_map_html(xy, 1, lab, tx, NULL, 0, "/nonexistent/dir/map.html") == TC_EIO);
    /* no points, no texts, no names: still a page */
    CHECK_OK(tc_write_map_html(NULL, 0, NULL, NULL, NULL, 0, path));
    CHECK(tc_write_map_html(NULL, 3, NULL, NULL, NULL, 0, path) == TC_EINVAL);
}

/* ---------------------------------------------------------------- topics */

/* Lengths of the runs of rows (horizontal = 1) or columns of an image that
 * hold pixels of colour rgb: for each run, the largest count of such pixels
 * in one row (column). Returns the number of runs (<= max). */
static int bar_runs(cairo_surface_t *s, uint32_t rgb, int horizontal, int *len, int max) {
    int W = cairo_image_surface_get_width(s), H = cairo_image_surface_get_height(s);
    int outer = horizontal ? H : W, inner = horizontal ? W : H, runs = 0, in = 0;
    for (int a = 0; a < outer; a++) {
        int c = 0;
        for (int b = 0; b < inner; b++)
            c += pixel_rgb(s, horizontal ? b : a, horizontal ? a : b) == rgb;
        if (c > 0 && !in) { if (runs < max) len[runs] = 0; runs++; }
        if (c > 0 && runs <= max && c > len[runs - 1]) len[runs - 1] = c;
        in = c > 0;
    }
    return runs;
}

static void test_topics(void) {
    /* clusters 0..5; 2 and 4 share a topic; 5 has its topic only in the summary */
    static const int sizes[6] = {30, 50, 20, 70, 45, 10};
    enum { N = 30 + 50 + 20 + 70 + 45 + 10 + 25 };
    int64_t labels[N];
    size_t i = 0;
    for (int c = 0; c < 6; c++)
        for (int t = 0; t < sizes[c]; t++) labels[i++] = c;
    while (i < N) labels[i++] = -1;
    tc_cluster_label names[7] = {
        {.label = 0, .summary = "Linear algebra. Educational score: 9", .topic = "Linear algebra", .score = 9},
        {.label = 1, .summary = "Cooking. Educational score: 3", .topic = "Cooking", .score = 3},
        {.label = 2, .summary = "Art, \"modern\". Educational score: 5", .topic = "Art, \"modern\"", .score = 5},
        {.label = 3, .summary = "Sports. Educational score: 3", .topic = "Sports", .score = 3},
        {.label = 4, .summary = "Art, \"modern\". Educational score: 6", .topic = "Art, \"modern\"", .score = 6},
        {.label = 5, .summary = "Poetry. Educational score: 9", .topic = NULL, .score = -1},
        {.label = 9, .summary = "No members. Educational score: 1", .topic = "No members", .score = 1},
    };
    CHECK_OK(tc_plot_topics(labels, N, names, 7, tmpdir));
    FILE *f = fopen(tmp_path("df_categories_count.csv"), "rb");
    char csv[512] = {0};
    if (f) { CHECK(fread(csv, 1, sizeof csv - 1, f) > 0); fclose(f); }
    CHECK_STR(csv, "category,number_files\nSports,70\n\"Art, \"\"modern\"\"\",65\nCooking,50\n"
                   "Linear algebra,30\nPoetry,10\n");

    cairo_surface_t *s = cairo_image_surface_create_from_png(tmp_path("topics_dist.png"));
    CHECK(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS);
    int len[8];
    int runs = bar_runs(s, 0x3b75af, 1, len, 8);
    CHECK_MSG(runs == 5, "%d bars", runs);
    static const int want[5] = {70, 65, 50, 30, 10};
    for (int b = 0; runs == 5 && b < 5; b++)
        CHECK_NEAR((double)len[b] / len[0], want[b] / 70.0, 0.01);
    cairo_surface_destroy(s);

    s = cairo_image_surface_create_from_png(tmp_path("educational_score.png"));
    CHECK(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS);
    CHECK(cairo_image_surface_get_width(s) == 1500);
    /* scores of clusters with members: 9, 3, 5, 3, 6, 9 -> bars at 3, 5, 6, 9 of 2, 1, 1, 2 */
    runs = bar_runs(s, 0x3b75af, 0, len, 8);
    CHECK_MSG(runs == 4, "%d histogram bars", runs);
    if (runs == 4) {
        CHECK_NEAR((double)len[1] / len[0], 0.5, 0.02);
        CHECK_NEAR((double)len[2] / len[0], 0.5, 0.02);
        CHECK_NEAR((double)len[3] / len[0], 1.0, 0.02);
    }
    cairo_surface_destroy(s);
    CHECK(tc_plot_topics(labels, N, names, 7, "/nonexistent/dir") == TC_EIO);
    /* no clusters at all: empty CSV with its header, plots still written */
    CHECK_OK(tc_plot_topics(labels + N - 25, 25, names, 7, tmpdir));
    f = fopen(tmp_path("df_categories_count.csv"), "rb");
    memset(csv, 0, sizeof csv);
    if (f) { CHECK(fread(csv, 1, sizeof csv - 1, f) > 0); fclose(f); }
    CHECK_STR(csv, "category,number_files\n");
}

/* ---------------------------------------------------------------- main */

/* A few far outliers must not shrink the map into a corner. */
static void test_frame_outliers(void) {
    enum { N = 2000 };
    float *xy = malloc(N * 2 * sizeof *xy);
    for (int i = 0; i < N; i++) xy[2 * i] = (float)(i % 50) / 50, xy[2 * i + 1] = (float)(i / 50) / 40;
    xy[0] = 1000, xy[1] = -1000;  /* one far outlier */
    tc_viz_frame all = tc_viz_frame_fit(xy, N, 600, 400, 0);
    tc_viz_frame map = tc_viz_map_frame(xy, N, 600, 400);
    CHECK_MSG(map.scale > 100 * all.scale, "scale %g vs %g", map.scale, all.scale);
    /* the bulk still fits inside the image */
    double px, py;
    tc_viz_to_pixel(&map, 0.98, 0.98, &px, &py);
    CHECK(px > 0 && px < 600 && py > 0 && py < 400);
    tc_viz_to_pixel(&map, 0.02, 0.02, &px, &py);
    CHECK(px > 0 && px < 600 && py > 0 && py < 400);
    /* without outliers the frame is the bounding box */
    xy[0] = 0.5f, xy[1] = 0.5f;
    map = tc_viz_map_frame(xy, N, 600, 400);
    all = tc_viz_frame_fit(xy, N, 600, 400, 0.03 * 400);
    CHECK_NEAR(map.scale, all.scale, 1e-9);
    free(xy);
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "--html-outliers") == 0) return write_outlier_fixture(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "--html-tree") == 0) return write_tree_fixture(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "--html") == 0)
        return write_html_fixture(argv[2], argc >= 4 ? (size_t)atol(argv[3]) : 2000);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_viz.XXXXXX");
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 1; }
    test_map_png();
    test_frame_outliers();
    test_splat_vs_cairo();
    test_png_writer();
    test_colouring();
    test_place_labels();
    test_deterministic();
    test_text();
    test_map_html();
    test_topics();
    /* drop cairo's and fontconfig's caches so that leak checkers see only ours;
     * fontconfig is loaded with cairo, FcFini found at run time */
    cairo_debug_reset_static_data();
    void (*fc_fini)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "FcFini");
    if (fc_fini) fc_fini();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_report("test_viz");
}
