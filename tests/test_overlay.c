/* test_overlay.c - show --overlay's reader of infer's JSONL (tc_overlay_read:
 * good lines, blank lines, several files; bad lines, huge numbers, missing
 * fields, each refused with its file and line), the seeded sample map.html
 * takes above TC_OVERLAY_HTML_MAX, and map.png with an overlay: it differs
 * from the map without one only on the overlay discs (and the legend), and
 * on every one of them. Lines are parsed by cJSON, one at a time, so no
 * fuzz target of our own (fuzzing cJSON is cJSON's business). */
#include "textclust.h"
#include "viz/viz.h"
#include "check.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static const char *write_tmp(const char *name, const char *content) {
    static char path[8][128];
    static int k;
    char *p = path[k++ % 8];
    snprintf(p, 128, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    fputs(content, f);
    fclose(f);
    return p;
}

static int read1(const char *path, tc_overlay *o) { return tc_overlay_read(&path, 1, o); }

/* ---------------------------------------------------------------- reader */

static void test_good(void) {
    const char *a = write_tmp("good.jsonl",
        "{\"id\":\"t0\",\"label\":3,\"summary\":\"a, b\",\"distance\":0.25,\"x\":1.5,\"y\":-2}\n"
        "\n   \t\r\n"
        "{\"id\":17,\"label\":-1,\"summary\":null,\"distance\":null,\"x\":-1e3,\"y\":3.25e-2}\n"
        "{\"label\":0,\"x\":0,\"y\":0}");               /* no id, no distance, no newline at the end */
    const char *b = write_tmp("good2.jsonl", "{\"id\":\"b\\u00e9\",\"label\":9007199254740992,\"x\":2,\"y\":3}\n");
    tc_overlay o;
    CHECK_OK(read1(a, &o));
    CHECK(o.n == 3 && o.n_noise == 1);
    if (o.n == 3) {
        CHECK(o.xy[0] == 1.5f && o.xy[1] == -2.0f && o.xy[2] == -1000.0f && o.xy[3] == 3.25e-2f);
        CHECK(o.labels[0] == 3 && o.labels[1] == -1 && o.labels[2] == 0);
        CHECK(o.distance[0] == 0.25f && isnan(o.distance[1]) && isnan(o.distance[2]));
        CHECK_STR(o.ids + o.id_at[0], "t0");
        CHECK_STR(o.ids + o.id_at[1], "17");
        CHECK_STR(o.ids + o.id_at[2], "");
    }
    tc_overlay_free(&o);
    const char *both[] = {a, b};
    CHECK_OK(tc_overlay_read(both, 2, &o));
    CHECK(o.n == 4);
    if (o.n == 4) {
        CHECK(o.labels[3] == 9007199254740992LL);
        CHECK_STR(o.ids + o.id_at[3], "b\xc3\xa9");
    }
    tc_overlay_free(&o);
    tc_overlay_free(&o);                           /* twice, and NULL: no-ops */
    tc_overlay_free(NULL);
    /* an id longer than 256 bytes is cut, on a character boundary */
    char line[2000];
    int k = snprintf(line, sizeof line, "{\"label\":1,\"x\":0,\"y\":0,\"id\":\"");
    for (int i = 0; i < 300; i++) k += snprintf(line + k, sizeof line - k, "\xc3\xa9");
    snprintf(line + k, sizeof line - k, "\"}\n");
    CHECK_OK(read1(write_tmp("longid.jsonl", line), &o));
    CHECK(o.n == 1 && strlen(o.ids) == 256);
    tc_overlay_free(&o);
}

/* The line's error names file, line and field. */
static void bad(const char *content, size_t line, const char *field) {
    const char *p = write_tmp("bad.jsonl", content);
    tc_overlay o;
    int rc = read1(p, &o);
    char want[300];
    snprintf(want, sizeof want, "%s: line %zu: %s", p, line, field);
    CHECK_MSG(rc == TC_EFORMAT, "rc %d for %s", rc, content);
    CHECK_MSG(strstr(tc_last_error(), want) != NULL, "'%s' lacks '%s'", tc_last_error(), want);
    CHECK(o.n == 0 && o.xy == NULL);
}

static void test_bad(void) {
    const char *ok = "{\"label\":1,\"x\":0,\"y\":0}\n";
    char buf[400];
    struct { const char *line, *field; } cases[] = {
        {"{\"label\":1,\"y\":0}", "x: missing"},
        {"{\"label\":1,\"x\":0}", "y: missing"},
        {"{\"id\":\"a\",\"label\":1,\"summary\":\"s\",\"distance\":0.5}", "x: missing"},
        {"{\"x\":0,\"y\":0}", "label: missing"},
        {"{\"label\":1,\"x\":\"1\",\"y\":0}", "x: not a number"},
        {"{\"label\":1,\"x\":null,\"y\":0}", "x: not a number"},
        {"{\"label\":1,\"x\":0,\"y\":1e400}", "y: not a finite"},
        {"{\"label\":1,\"x\":-1e39,\"y\":0}", "x: not a finite"},
        {"{\"label\":1.5,\"x\":0,\"y\":0}", "label: not an integer"},
        {"{\"label\":1e30,\"x\":0,\"y\":0}", "label: not an integer"},
        {"{\"label\":\"3\",\"x\":0,\"y\":0}", "label: not an integer"},
        {"{\"label\":1,\"x\":0,\"y\":0,\"distance\":\"far\"}", "distance: not a number"},
        {"{\"label\":1,\"x\":0,\"y\":0,\"id\":[1]}", "id: not a string"},
        {"[1,2]", "not a JSON object"},
        {"{\"label\":1,\"x\":0,", "not valid JSON"},
        {"x,y\n", "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(buf, sizeof buf, "%s\n%s%s\n%s", ok, ok, cases[i].line, ok);  /* line 4, after a blank one */
        bad(buf, 4, cases[i].field);
    }
    /* a line of more than 1 MiB */
    size_t big = (1u << 20) + 100;
    char *s = malloc(big + 64);
    int k = sprintf(s, "%s{\"label\":1,\"x\":0,\"y\":0,\"id\":\"", ok);
    memset(s + k, 'a', big);
    strcpy(s + k + big, "\"}\n");
    bad(s, 2, "longer than");
    free(s);
    /* a missing file; the second file's error names it */
    tc_overlay o;
    const char *none = "/nonexistent/overlay.jsonl";
    CHECK(read1(none, &o) == TC_EIO && strstr(tc_last_error(), none));
    const char *two[] = {write_tmp("a.jsonl", ok), write_tmp("b.jsonl", "{\"label\":1,\"x\":0}\n")};
    CHECK(tc_overlay_read(two, 2, &o) == TC_EFORMAT);
    CHECK(strstr(tc_last_error(), "b.jsonl: line 1: y: missing") != NULL);
    CHECK(tc_overlay_read(two, 0, &o) == TC_EINVAL);
}

/* ---------------------------------------------------------------- sample */

static void test_sample(void) {
    size_t idx[1000], idx2[1000];
    CHECK(tc_viz_overlay_sample(10, 100, 1, idx) == 10);
    for (size_t i = 0; i < 10; i++) CHECK(idx[i] == i);
    size_t m = tc_viz_overlay_sample(5000, 1000, 7, idx);
    CHECK(m == 1000 && tc_viz_overlay_sample(5000, 1000, 7, idx2) == 1000);
    CHECK(memcmp(idx, idx2, sizeof idx) == 0);
    int sorted = 1;
    for (size_t i = 1; i < m; i++) sorted &= idx[i] > idx[i - 1];
    CHECK(sorted && idx[m - 1] < 5000);
    tc_viz_overlay_sample(5000, 1000, 8, idx2);
    CHECK(memcmp(idx, idx2, sizeof idx) != 0);
    /* uniform: over 400 seeds each tenth of 0..4999 gets about a tenth */
    double bins[10] = {0};
    for (uint64_t seed = 0; seed < 400; seed++) {
        tc_viz_overlay_sample(5000, 1000, seed, idx);
        for (size_t i = 0; i < 1000; i++) bins[idx[i] / 500] += 1;
    }
    for (int b = 0; b < 10; b++) CHECK_NEAR(bins[b] / 400000.0, 0.1, 0.004);
}

/* ---------------------------------------------------------------- map.html */

/* Above TC_OVERLAY_HTML_MAX points the page holds the seeded sample. */
static void test_html_cap(void) {
    size_t n = TC_OVERLAY_HTML_MAX + 50;
    tc_overlay ov = {0};
    ov.n = n;
    ov.xy = calloc(2 * n, sizeof *ov.xy);
    ov.labels = calloc(n, sizeof *ov.labels);
    ov.distance = calloc(n, sizeof *ov.distance);
    ov.id_at = calloc(n, sizeof *ov.id_at);
    ov.ids = calloc(1, 1);
    ov.ids_len = 1;
    for (size_t i = 0; i < n; i++) ov.labels[i] = i % 10 == 0 ? -1 : 0, ov.n_noise += i % 10 == 0;
    float xy[4] = {0, 0, 1, 1};
    int64_t lab[2] = {0, 0};
    char path[128];
    snprintf(path, sizeof path, "%s/cap.html", dir);
    CHECK_OK(tc_viz_map_html(xy, 2, lab, NULL, NULL, 0, NULL, 0, &ov, 42, path));
    FILE *f = fopen(path, "rb");
    char *page = malloc(8 << 20);
    size_t len = f ? fread(page, 1, (8 << 20) - 1, f) : 0;
    page[len] = 0;
    if (f) fclose(f);
    char want[120];
    snprintf(want, sizeof want, "{\"n_total\":%zu,\"n_noise_total\":%zu,\"n\":%d,", n, ov.n_noise, TC_OVERLAY_HTML_MAX);
    CHECK_MSG(strstr(page, want) != NULL, "no '%s' in map.html", want);
    /* the x column has exactly TC_OVERLAY_HTML_MAX entries */
    const char *x = strstr(page, "\"x\":["), *end = x ? strchr(x, ']') : NULL;
    size_t commas = 0;
    for (const char *p = x; p && p < end; p++) commas += *p == ',';
    CHECK_MSG(x && end && commas + 1 == TC_OVERLAY_HTML_MAX, "%zu x values", commas + 1);
    free(page);
    tc_overlay_free(&ov);
}

/* ---------------------------------------------------------------- map.png */

static void test_png(void) {
    enum { N = 3000, NOV = 40, W = 640, H = 480 };
    float *xy = malloc(N * 2 * sizeof *xy);
    int64_t *lab = malloc(N * sizeof *lab);
    uint64_t s = 5;
    for (int i = 0; i < N; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        int c = (int)(s >> 61) % 4;                         /* 4 blobs and some noise */
        double u = (double)(s >> 11 & 0xfffff) / 0xfffff, v = (double)(s >> 31 & 0xfffff) / 0xfffff;
        xy[2 * i] = (float)(c * 3 + u * 2);
        xy[2 * i + 1] = (float)((c % 2) * 3 + v * 2);
        lab[i] = (s >> 60) == 15 ? -1 : c;
    }
    char ov_text[NOV * 100], *p = ov_text;
    for (int j = 0; j < NOV; j++)                           /* spread over the map, labels 0..3, -1, 7 (unknown) */
        p += sprintf(p, "{\"id\":\"n%d\",\"label\":%d,\"distance\":0.5,\"x\":%.3f,\"y\":%.3f}\n", j,
                     j % 6 == 4 ? -1 : j % 6 == 5 ? 7 : j % 4, 0.3 + (j % 10) * 1.1, 0.5 + (j / 10) * 1.2);
    tc_overlay ov;
    CHECK_OK(read1(write_tmp("ov.jsonl", ov_text), &ov));
    char a[128], b[128];
    snprintf(a, sizeof a, "%s/plain.png", dir);
    snprintf(b, sizeof b, "%s/over.png", dir);
    tc_plot_params pp = tc_plot_default_params();
    pp.width = W, pp.height = H;
    CHECK_OK(tc_viz_map_png(xy, N, lab, NULL, 0, &pp, NULL, a));
    CHECK_OK(tc_viz_map_png(xy, N, lab, NULL, 0, &pp, &ov, b));
    cairo_surface_t *sa = cairo_image_surface_create_from_png(a), *sb = cairo_image_surface_create_from_png(b);
    CHECK(cairo_surface_status(sa) == CAIRO_STATUS_SUCCESS && cairo_surface_status(sb) == CAIRO_STATUS_SUCCESS);
    const uint32_t *da = (const uint32_t *)cairo_image_surface_get_data(sa);
    const uint32_t *db = (const uint32_t *)cairo_image_surface_get_data(sb);
    int stride = cairo_image_surface_get_stride(sa) / 4;
    tc_viz_frame fr = tc_viz_map_frame(xy, N, W, H);
    double inner, outer, fs = fmax(10, 0.009 * H);
    tc_viz_overlay_style(NOV, W, H, &inner, &outer);
    double px[NOV], py[NOV];
    for (int j = 0; j < NOV; j++) tc_viz_to_pixel(&fr, ov.xy[2 * j], ov.xy[2 * j + 1], &px[j], &py[j]);
    size_t stray = 0, on_discs = 0, legend = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            if (da[y * stride + x] == db[y * stride + x]) continue;
            int near = 0;
            for (int j = 0; j < NOV && !near; j++)
                near = hypot(x + 0.5 - px[j], y + 0.5 - py[j]) < outer + 0.5;
            if (near) on_discs++;
            else if (y >= H - 3 * fs && x < W * 0.9) legend++;
            else stray++;
        }
    CHECK_MSG(stray == 0, "%zu changed pixels away from the overlay points and the legend", stray);
    CHECK(legend > 100 && on_discs > NOV * 10);
    size_t marked = 0, grey = 0;
    for (int j = 0; j < NOV; j++) {
        int x = (int)floor(px[j]), y = (int)floor(py[j]);
        marked += da[y * stride + x] != db[y * stride + x];
        uint32_t c = db[y * stride + x] & 0xffffff;
        grey += c == TC_VIZ_OVERLAY_NOISE_RGB;
        /* the rim: a pixel between the disc and the outline is darker than before */
        int rx = (int)floor(px[j] + (inner + outer) / 2);
        uint32_t r = db[y * stride + rx] & 0xffffff, r0 = da[y * stride + rx] & 0xffffff;
        int sum = (r >> 16) + (r >> 8 & 255) + (r & 255), sum0 = (r0 >> 16) + (r0 >> 8 & 255) + (r0 & 255);
        CHECK_MSG(sum < 400 && sum < sum0, "point %d rim %06x, was %06x", j, r, r0);
    }
    CHECK_MSG(marked == NOV, "%zu of %d overlay centres changed", marked, NOV);
    size_t want_grey = 0;
    for (int j = 0; j < NOV; j++) want_grey += j % 6 >= 4;
    CHECK_MSG(grey == want_grey, "%zu grey centres, want %zu (noise and unknown labels)", grey, want_grey);
    cairo_surface_destroy(sa);
    cairo_surface_destroy(sb);
    tc_overlay_free(&ov);
    free(xy);
    free(lab);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/test_overlay.XXXXXX");
    if (!mkdtemp(dir)) return 1;
    test_good();
    test_bad();
    test_sample();
    test_html_cap();
    test_png();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) return 1;
    printf("test_overlay: %d passed, %d failed\n", check_passed, check_failed);
    return check_failed != 0;
}
