/* test_viz_tiles.c - the tiled map's writer (src/viz/tiles.c, tiles_index.c):
 * every point in exactly one tile, tiles within the bound, a child only
 * below a full tile, points inside their tile's box, density grids that
 * count every point of the box, the files parse back, the search index
 * against a scan of the texts, the same bytes for the same seed, odd input
 * (no points, all noise, identical points), the swap of map/, and its
 * removal file by file (tc_viz_remove_map_files).
 *   test_viz_tiles                       the checks
 *   test_viz_tiles --write N CAP DIR [html]
 *                                        writes DIR/map of N points in
 *                                        blobs and DIR/texts.json (the
 *                                        input texts), for the browser
 *                                        test and the benchmark (bench/
 *                                        viz_tiles.sh); with html also
 *                                        DIR/map.html of the same points;
 *                                        prints the writers' seconds */
#include "check.h"
#include "viz/tiles.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const WORDS[] = {"river", "stone", "garden", "engine", "violin", "harbour", "pepper",
                                    "lantern", "copper", "meadow", "glacier", "orbit"};

/* n points in k blobs (the last tenth noise) with texts of three words of
 * the blob's vocabulary; texts[i] malloc'd. */
static void make_map(size_t n, uint64_t seed, float *xy, int64_t *labels, char **texts) {
    tc_rng r = tc_rng_seed(seed);
    int k = 8;
    for (size_t i = 0; i < n; i++) {
        int c = (int)(i % (size_t)k);
        int noise = i % 10 == 9;
        double u1 = tc_rng_uniform(&r) + 1e-12, u2 = tc_rng_uniform(&r);
        double g = sqrt(-2 * log(u1)), a = 6.283185307179586 * u2;
        xy[2 * i] = noise ? (float)(tc_rng_uniform(&r) * 40 - 20) : (float)(10 * cos(c) + g * cos(a));
        xy[2 * i + 1] = noise ? (float)(tc_rng_uniform(&r) * 40 - 20) : (float)(10 * sin(c) + g * sin(a));
        labels[i] = noise ? -1 : c;
        char t[256];
        snprintf(t, sizeof t, "Text %zu: %s %s and %s%s", i, WORDS[c], WORDS[(c + 1 + i % 3) % 12],
                 WORDS[(c + 5) % 12], i % 997 == 3 ? " zanzibar" : "");
        texts[i] = tc_strdup(t);
    }
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long l = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)l + 1);
    if (s && fread(s, 1, (size_t)l, f) != (size_t)l) { free(s); s = NULL; }
    fclose(f);
    if (s) s[l] = 0, *len = (size_t)l;
    return s;
}

static uint32_t rd32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static cJSON *read_meta(const char *dir) {
    char path[600];
    size_t len;
    snprintf(path, sizeof path, "%s/map/meta.json", dir);
    char *s = slurp(path, &len);
    cJSON *j = s ? cJSON_Parse(s) : NULL;
    free(s);
    return j;
}

/* The structural checks on dir/map of (xy, n); returns the deepest level. */
static int check_tiles(const char *dir, const float *xy, size_t n, const int64_t *labels, size_t cap) {
    cJSON *m = read_meta(dir);
    CHECK(m != NULL);
    if (!m) return -1;
    CHECK((size_t)cJSON_GetObjectItem(m, "n")->valuedouble == n);
    const cJSON *bb = cJSON_GetObjectItem(m, "bbox"), *tl = cJSON_GetObjectItem(m, "tiles");
    double x0 = cJSON_GetArrayItem(bb, 0)->valuedouble, y0 = cJSON_GetArrayItem(bb, 1)->valuedouble;
    double side = cJSON_GetArrayItem(bb, 2)->valuedouble - x0;
    int nt = cJSON_GetArraySize(tl), deepest = 0, G = TC_VIZ_TILE_GRID;
    unsigned char *seen = calloc(n ? n : 1, 1);
    size_t total = 0, dup = 0, outside = 0, over = 0, orphans = 0, bad_slot = 0, bad_density = 0;
    for (int t = 0; t < nt; t++) {
        const cJSON *e = cJSON_GetArrayItem(tl, t);
        int l = cJSON_GetArrayItem(e, 0)->valueint;
        unsigned ix = (unsigned)cJSON_GetArrayItem(e, 1)->valuedouble, iy = (unsigned)cJSON_GetArrayItem(e, 2)->valuedouble;
        size_t cnt = (size_t)cJSON_GetArrayItem(e, 3)->valuedouble;
        deepest = l > deepest ? l : deepest;
        if (cnt > cap && l < TC_VIZ_TILE_LEVELS) over++;
        if (l > 0) { /* the parent is listed and full */
            int found = 0;
            for (int p = 0; p < nt && !found; p++) {
                const cJSON *f = cJSON_GetArrayItem(tl, p);
                found = cJSON_GetArrayItem(f, 0)->valueint == l - 1 &&
                        (unsigned)cJSON_GetArrayItem(f, 1)->valuedouble == ix / 2 &&
                        (unsigned)cJSON_GetArrayItem(f, 2)->valuedouble == iy / 2 &&
                        (size_t)cJSON_GetArrayItem(f, 3)->valuedouble == cap;
            }
            if (!found) orphans++;
        }
        char path[700];
        size_t len = 0;
        snprintf(path, sizeof path, "%s/map/tiles/%d-%u-%u.bin", dir, l, ix, iy);
        unsigned char *b = (unsigned char *)slurp(path, &len);
        CHECK_MSG(b && len >= 16 && !memcmp(b, "TCT1", 4), "%s", path);
        if (!b || len < 16) { free(b); continue; }
        size_t m_pts = rd32(b + 4);
        CHECK(m_pts == cnt && rd32(b + 8) == (uint32_t)G && rd32(b + 12) == (uint32_t)l);
        CHECK(len == 16 + (size_t)G * G * 8 + m_pts * 16);
        if (len != 16 + (size_t)G * G * 8 + m_pts * 16) { free(b); continue; }
        double s = side / (double)(1u << l), tx = x0 + ix * s, ty = y0 + iy * s;
        const unsigned char *p = b + 16 + (size_t)G * G * 8;
        for (size_t k = 0; k < m_pts; k++) {
            float x, y;
            uint32_t ux = rd32(p + 4 * k), uy = rd32(p + 4 * (m_pts + k));
            memcpy(&x, &ux, 4), memcpy(&y, &uy, 4);
            uint32_t id = rd32(p + 4 * (2 * m_pts + k)), slot = rd32(p + 4 * (3 * m_pts + k));
            if (id >= n) { dup++; continue; }
            if (seen[id]++) dup++;
            if (x != xy[2 * id] || y != xy[2 * id + 1] || x < tx - 1e-6 * side || x > tx + s + 1e-6 * side ||
                y < ty - 1e-6 * side || y > ty + s + 1e-6 * side)
                outside++;
            if ((slot == 0) != (labels[id] < 0)) bad_slot++;
            total++;
        }
        /* the density grid counts every point of the box (brute force) */
        size_t lo = 0, hi = 0, got = 0;  /* points inside the box shrunk, and grown, by a hair */
        double eps = 1e-9 * side;
        int last_x = ix + 1 == (1u << l), last_y = iy + 1 == (1u << l);
        for (size_t i = 0; i < n; i++) {
            double x = isfinite(xy[2 * i]) ? xy[2 * i] : x0, y = isfinite(xy[2 * i + 1]) ? xy[2 * i + 1] : y0;
            lo += (ix == 0 || x >= tx + eps) && (x < tx + s - eps || last_x) &&
                  (iy == 0 || y >= ty + eps) && (y < ty + s - eps || last_y);
            hi += (ix == 0 || x >= tx - eps) && (x < tx + s + eps || last_x) &&
                  (iy == 0 || y >= ty - eps) && (y < ty + s + eps || last_y);
        }
        for (size_t g = 0; g < (size_t)G * G; g++) got += rd32(b + 16 + 4 * g);
        if (got < lo || got > hi) bad_density++;
        free(b);
    }
    size_t missing = 0;
    for (size_t i = 0; i < n; i++) missing += !seen[i];
    CHECK_MSG(total == n && missing == 0 && dup == 0, "%zu points in tiles of %zu, %zu missing, %zu twice", total, n,
              missing, dup);
    CHECK_MSG(outside == 0, "%zu points outside their tile or moved", outside);
    CHECK_MSG(over == 0, "%zu tiles above the cap %zu", over, cap);
    CHECK_MSG(orphans == 0, "%zu tiles below a tile that is not full", orphans);
    CHECK_MSG(bad_slot == 0, "%zu points with the wrong cluster slot", bad_slot);
    CHECK_MSG(bad_density == 0, "%zu density grids that miss points of their box", bad_density);
    free(seen);
    cJSON_Delete(m);
    return deepest;
}

static void rm_rf(const char *dir) {
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
}

/* Postings of tok in dir/map/search, decoded; *count ids into ids. */
static size_t lookup(const char *dir, size_t n_shards, const char *tok, uint32_t *ids, size_t cap) {
    char path[700];
    size_t len = 0, got = 0;
    uint32_t h = tc_viz_fnv1a((const unsigned char *)tok, strlen(tok));
    snprintf(path, sizeof path, "%s/map/search/%u.bin", dir, (unsigned)(h % n_shards));
    unsigned char *b = (unsigned char *)slurp(path, &len);
    CHECK(b && len >= 8 && !memcmp(b, "TCS1", 4));
    if (!b) return 0;
    size_t o = 8, nt = rd32(b + 4);
    for (size_t t = 0; t < nt && o < len; t++) {
        size_t l = (size_t)b[o] | (size_t)b[o + 1] << 8;
        int hit = l == strlen(tok) && !memcmp(b + o + 2, tok, l);
        o += 2 + l;
        size_t cnt = rd32(b + o), nb = rd32(b + o + 4);
        o += 8;
        if (hit) {
            int64_t prev = -1;
            for (size_t q = o; q < o + nb && got < cap;) {
                uint64_t v = 0;
                for (int sh = 0;; sh += 7) { unsigned char c = b[q++]; v |= (uint64_t)(c & 127) << sh; if (!(c & 128)) break; }
                prev += (int64_t)v + 1;
                ids[got++] = (uint32_t)prev;
            }
            CHECK(got == cnt);
        }
        o += nb;
    }
    free(b);
    return got;
}

static void test_blobs(void) {
    size_t n = 20000, cap = 500;
    float *xy = malloc(n * 2 * sizeof *xy);
    int64_t *labels = malloc(n * sizeof *labels);
    char **texts = malloc(n * sizeof *texts);
    make_map(n, 7, xy, labels, texts);
    char dir[] = "/tmp/test_viz_tiles.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK_OK(tc_viz_map_tiles(xy, n, labels, (const char *const *)texts, NULL, 0, NULL, 0, 42, cap, dir));
    int deepest = check_tiles(dir, xy, n, labels, cap);
    CHECK_MSG(deepest >= 2 && deepest < TC_VIZ_TILE_LEVELS, "deepest level %d", deepest);

    /* the texts parse back and are the input's */
    cJSON *m = read_meta(dir);
    size_t chunks = (size_t)cJSON_GetObjectItem(m, "n_text_chunks")->valuedouble;
    size_t shards = (size_t)cJSON_GetObjectItem(m, "n_shards")->valuedouble;
    CHECK(chunks == (n + TC_VIZ_TEXT_CHUNK - 1) / TC_VIZ_TEXT_CHUNK && shards >= 1);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(m, "nodes")) == 8);
    size_t wrong = 0, seen = 0;
    for (size_t k = 0; k < chunks; k++) {
        char path[700];
        size_t len;
        snprintf(path, sizeof path, "%s/map/texts/%zu.json", dir, k);
        char *s = slurp(path, &len);
        cJSON *a = s ? cJSON_Parse(s) : NULL;
        CHECK_MSG(cJSON_IsArray(a), "%s", path);
        for (int i = 0; i < cJSON_GetArraySize(a); i++, seen++) {
            const cJSON *t = cJSON_GetArrayItem(a, i);
            if (!cJSON_IsString(t) || strcmp(t->valuestring, texts[k * TC_VIZ_TEXT_CHUNK + (size_t)i])) wrong++;
        }
        cJSON_Delete(a);
        free(s);
    }
    CHECK_MSG(seen == n && wrong == 0, "%zu texts read back, %zu wrong", seen, wrong);

    /* the index against a scan: "zanzibar", "garden" (ASCII folded: "Text" -> "text") */
    static const char *const toks[] = {"zanzibar", "garden", "text", "and"};
    uint32_t *ids = malloc(n * sizeof *ids);
    for (int q = 0; q < 4; q++) {
        size_t got = lookup(dir, shards, toks[q], ids, n), want = 0, bad = 0;
        for (size_t i = 0; i < n; i++) {
            char low[256];
            size_t l = strlen(texts[i]);
            for (size_t c = 0; c <= l; c++) low[c] = (char)(texts[i][c] >= 'A' && texts[i][c] <= 'Z' ? texts[i][c] + 32 : texts[i][c]);
            size_t at = 0;
            char tok[64];
            int has = 0;
            while (!has && tc_viz_next_token(low, &at, tok)) has = !strcmp(tok, toks[q]);
            /* independent of the tokenizer: the word with a non-letter on each side */
            const char *p = strstr(low, toks[q]);
            int scan = 0;
            for (; p && !scan; p = strstr(p + 1, toks[q])) {
                char before = p == low ? ' ' : p[-1], after = p[strlen(toks[q])];
                scan = !((before >= 'a' && before <= 'z') || (after >= 'a' && after <= 'z'));
            }
            if (scan) {
                if (want >= got || ids[want] != i) bad++;
                want++;
            }
            (void)has;
        }
        CHECK_MSG(got == want && bad == 0, "%s: %zu postings, the scan finds %zu (%zu differ)", toks[q], got, want, bad);
        CHECK(want > 0);
    }
    free(ids);
    cJSON_Delete(m);

    /* same seed, same bytes; another seed, other tiles */
    char dir2[] = "/tmp/test_viz_tiles.XXXXXX", dir3[] = "/tmp/test_viz_tiles.XXXXXX";
    CHECK(mkdtemp(dir2) && mkdtemp(dir3));
    CHECK_OK(tc_viz_map_tiles(xy, n, labels, (const char *const *)texts, NULL, 0, NULL, 0, 42, cap, dir2));
    CHECK_OK(tc_viz_map_tiles(xy, n, labels, (const char *const *)texts, NULL, 0, NULL, 0, 43, cap, dir3));
    char cmd[800];
    snprintf(cmd, sizeof cmd, "diff -r '%s/map' '%s/map' >/dev/null", dir, dir2);
    CHECK_MSG(system(cmd) == 0, "two writes with one seed differ");
    snprintf(cmd, sizeof cmd, "cmp -s '%s/map/tiles/0-0-0.bin' '%s/map/tiles/0-0-0.bin'", dir, dir3);
    CHECK_MSG(system(cmd) != 0, "another seed gave the same root tile");

    /* saving again replaces map/ whole and leaves the rest; a foreign map/ is refused */
    char path[700];
    snprintf(path, sizeof path, "%s/mine.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("mine", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/map/tiles/stale.bin", dir);
    f = fopen(path, "w");
    fclose(f);
    CHECK_OK(tc_viz_map_tiles(xy, n / 2, labels, (const char *const *)texts, NULL, 0, NULL, 0, 42, cap, dir));
    check_tiles(dir, xy, n / 2, labels, cap);
    struct stat st;
    CHECK(stat(path, &st) != 0);
    snprintf(path, sizeof path, "%s/mine.txt", dir);
    CHECK(stat(path, &st) == 0);
    snprintf(path, sizeof path, "%s/map/meta.json", dir3);
    CHECK(unlink(path) == 0);
    CHECK(tc_viz_map_tiles(xy, n, labels, (const char *const *)texts, NULL, 0, NULL, 0, 42, cap, dir3) == TC_EIO);
    snprintf(path, sizeof path, "%s/map/tiles/0-0-0.bin", dir3);
    CHECK_MSG(stat(path, &st) == 0, "the refused folder was touched");
    /* removing a map file by file: not ours (no meta.json), nothing goes */
    snprintf(path, sizeof path, "%s/map", dir3);
    CHECK(tc_viz_remove_map_files(path) == -1);
    snprintf(path, sizeof path, "%s/map/tiles/0-0-0.bin", dir3);
    CHECK(stat(path, &st) == 0);
    /* ours: everything written goes, the user's file and its folder stay */
    snprintf(path, sizeof path, "%s/map/tiles/mine.txt", dir2);
    f = fopen(path, "w");
    fclose(f);
    snprintf(path, sizeof path, "%s/map", dir2);
    CHECK(tc_viz_remove_map_files(path) == 0);
    snprintf(cmd, sizeof cmd, "cd '%s' && test \"$(find map | sort | tr '\\n' ' ')\" = 'map map/tiles map/tiles/mine.txt '", dir2);
    CHECK_MSG(system(cmd) == 0, "remove_map_files left other than the user's file");
    /* and with nothing of the user's, the folder goes too */
    CHECK_OK(tc_viz_map_tiles(xy, n, labels, (const char *const *)texts, NULL, 0, NULL, 0, 42, cap, dir));
    snprintf(path, sizeof path, "%s/map", dir);
    CHECK(tc_viz_remove_map_files(path) == 0);
    CHECK(stat(path, &st) != 0);
    rm_rf(dir), rm_rf(dir2), rm_rf(dir3);
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts), free(xy), free(labels);
}

static void test_odd_input(void) {
    char dir[] = "/tmp/test_viz_tiles.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    /* no points */
    CHECK_OK(tc_viz_map_tiles(NULL, 0, NULL, NULL, NULL, 0, NULL, 0, 1, 256, dir));
    check_tiles(dir, NULL, 0, NULL, 256);
    /* all noise, texts NULL */
    size_t n = 3000;
    float *xy = malloc(n * 2 * sizeof *xy);
    int64_t *labels = malloc(n * sizeof *labels);
    for (size_t i = 0; i < n; i++) xy[2 * i] = (float)(i % 61), xy[2 * i + 1] = (float)(i % 53), labels[i] = -1;
    CHECK_OK(tc_viz_map_tiles(xy, n, labels, NULL, NULL, 0, NULL, 0, 1, 256, dir));
    check_tiles(dir, xy, n, labels, 256);
    /* identical points: down to the last level (its tile above the cap), each once */
    for (size_t i = 0; i < n; i++) xy[2 * i] = 1.5f, xy[2 * i + 1] = -2.0f, labels[i] = (int64_t)(i % 3);
    CHECK_OK(tc_viz_map_tiles(xy, n, labels, NULL, NULL, 0, NULL, 0, 1, 64, dir));
    int deepest = check_tiles(dir, xy, n, labels, 64);
    CHECK(deepest == TC_VIZ_TILE_LEVELS);
    /* a non-finite coordinate is placed at the box corner, not lost */
    for (size_t i = 0; i < n; i++) xy[2 * i] = (float)(i % 7), xy[2 * i + 1] = (float)(i % 5);
    xy[10] = NAN;
    CHECK_OK(tc_viz_map_tiles(xy, n, labels, NULL, NULL, 0, NULL, 0, 1, 256, dir));
    cJSON *m = read_meta(dir);
    CHECK(m && (size_t)cJSON_GetObjectItem(m, "n")->valuedouble == n);
    cJSON_Delete(m);
    rm_rf(dir);
    free(xy), free(labels);
}

static int write_fixture(size_t n, size_t cap, const char *dir, int html) {
    float *xy = malloc(n * 2 * sizeof *xy);
    int64_t *labels = malloc(n * sizeof *labels);
    char **texts = malloc(n * sizeof *texts);
    make_map(n, 7, xy, labels, texts);
    tc_cluster_label names[8];
    char nm[8][32];
    for (int c = 0; c < 8; c++) {
        snprintf(nm[c], sizeof nm[c], "%s topic", WORDS[c]);
        names[c].label = c, names[c].summary = nm[c];
    }
    /* a two-level tree over the 8 clusters: root, 2 halves, 8 leaves */
    tc_topic_node tree[11];
    int64_t kid_root[2] = {1, 2}, kid_a[4] = {3, 4, 5, 6}, kid_b[4] = {7, 8, 9, 10};
    char *tn[3] = {"all topics", "first half", "second half"};
    memset(tree, 0, sizeof tree);
    for (int v = 0; v < 11; v++) {
        tree[v].parent = v == 0 ? -1 : v <= 2 ? 0 : v <= 6 ? 1 : 2;
        tree[v].cluster = v >= 3 ? v - 3 : -1;
        tree[v].name = v < 3 ? tn[v] : nm[v - 3];
        tree[v].depth = v == 0 ? 0 : v <= 2 ? 1 : 2;
        tree[v].size = v == 0 ? n : v <= 2 ? n / 2 : n / 10;
    }
    tree[0].children = kid_root, tree[0].n_children = 2;
    tree[1].children = kid_a, tree[1].n_children = 4;
    tree[2].children = kid_b, tree[2].n_children = 4;
    double t0 = tc_now();
    int rc = tc_viz_map_tiles(xy, n, labels, (const char *const *)texts, names, 8, tree, 11, 42, cap, dir);
    if (rc) fprintf(stderr, "test_viz_tiles: %s\n", tc_last_error());
    printf("tiles_s %.3f\n", tc_now() - t0);
    char path[4200];
    if (html && !rc) {
        snprintf(path, sizeof path, "%s/map.html", dir);
        t0 = tc_now();
        rc = tc_viz_map_html(xy, n, labels, (const char *const *)texts, names, 8, tree, 11, NULL, 0, path);
        if (rc) fprintf(stderr, "test_viz_tiles: %s\n", tc_last_error());
        printf("html_s %.3f\n", tc_now() - t0);
    }
    snprintf(path, sizeof path, "%s/texts.json", dir);
    FILE *f = fopen(path, "w");
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateString(texts[i]));
    char *s = cJSON_PrintUnformatted(a);
    fputs(s, f);
    fclose(f);
    free(s);
    cJSON_Delete(a);
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts), free(xy), free(labels);
    return rc ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc >= 5 && strcmp(argv[1], "--write") == 0)
        return write_fixture((size_t)atol(argv[2]), (size_t)atol(argv[3]), argv[4],
                             argc >= 6 && !strcmp(argv[5], "html"));
    test_blobs();
    test_odd_input();
    CHECK(tc_viz_tile_cap(200000) == 16384 && tc_viz_tile_cap(1000) == 256 && tc_viz_tile_cap(40000) == 5000);
    return check_report("test_viz_tiles");
}
