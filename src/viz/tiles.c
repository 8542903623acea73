/* tiles.c - the tiled map, map/ (the layout is in tiles.h): a quadtree of
 * point tiles with density grids, the points by id, the page, and the swap
 * that puts the folder in place of an earlier one. The texts and the search
 * index are tiles_index.c's. */
#define _XOPEN_SOURCE 700
#include "viz/tiles.h"
#include "viz/map_tiles_page.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAME_CHARS 300
#define MAP_MARK "textclust map"

size_t tc_viz_tile_cap(int map_max_points) {
    size_t c = map_max_points > 0 ? (size_t)map_max_points / 8 : 0;
    return c < 256 ? 256 : c > 16384 ? 16384 : c;
}

/* ---------------------------------------------------------------- quadtree */

typedef struct {
    int level;
    uint32_t ix, iy;
    int32_t child[4];   /* node index, -1 = none; quadrant = (bit y) * 2 + (bit x) */
    size_t count;       /* points held */
    size_t start;       /* first of them in the tile order */
    uint32_t *density;  /* (G, G) */
    uint32_t *sample;   /* (G, G) */
} node_t;

typedef struct {
    node_t *v;
    size_t n, cap;
} nodes_t;

static int32_t node_new(nodes_t *t, int level, uint32_t ix, uint32_t iy) {
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        node_t *nv = realloc(t->v, nc * sizeof *nv);
        if (!nv) return -1;
        t->v = nv, t->cap = nc;
    }
    node_t *d = &t->v[t->n];
    memset(d, 0, sizeof *d);
    d->level = level, d->ix = ix, d->iy = iy;
    for (int q = 0; q < 4; q++) d->child[q] = -1;
    d->density = calloc((size_t)TC_VIZ_TILE_GRID * TC_VIZ_TILE_GRID, sizeof *d->density);
    d->sample = calloc((size_t)TC_VIZ_TILE_GRID * TC_VIZ_TILE_GRID, sizeof *d->sample);
    if (!d->density || !d->sample) { free(d->density); free(d->sample); return -1; }
    return (int32_t)t->n++;
}

/* Column (or row) of unit coordinate u in [0, 1] among 2^level. */
static uint32_t cell(double u, int level) {
    double s = ldexp(1.0, level), c = floor(u * s);
    return c < 0 ? 0 : c >= s ? (uint32_t)(s - 1) : (uint32_t)c;
}

/* ---------------------------------------------------------------- helpers */

/* A number JSON can hold (a cluster with a non-finite point has a NaN centre). */
static double fin(double v) { return isfinite(v) ? v : 0; }

static void put_u32(unsigned char *p, uint32_t v) {
    p[0] = v & 255, p[1] = v >> 8 & 255, p[2] = v >> 16 & 255, p[3] = v >> 24;
}
static void put_f32(unsigned char *p, float f) {
    uint32_t v;
    memcpy(&v, &f, 4);
    put_u32(p, v);
}

static int cmp_tile(const void *a, const void *b) {
    const node_t *x = *(node_t *const *)a, *y = *(node_t *const *)b;
    if (x->level != y->level) return x->level - y->level;
    if (x->iy != y->iy) return x->iy < y->iy ? -1 : 1;
    return (x->ix > y->ix) - (x->ix < y->ix);
}

/* The meter of the writer's last steps, for nftw's callbacks (which take
 * no context): fsync of the new map (a cancel stops it) and removal of the
 * earlier one (past the swap: it goes on). */
static _Thread_local const tc_viz_meter *walk_meter;

static int walk_tick(void) {
    return walk_meter ? tc_viz_tick(walk_meter, 3, walk_meter->n ? walk_meter->n - 1 : 0) : 0;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st, (void)ftw;
    (void)walk_tick();
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

int tc_viz_remove_tree(const char *dir) {
    struct stat st;
    if (lstat(dir, &st) != 0) return errno == ENOENT ? 0 : -1;
    return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int tc_viz_is_map_folder(const char *dir) {
    char path[4400], head[64] = {0};
    snprintf(path, sizeof path, "%s/meta.json", dir);
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t got = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    static const char mark[] = "{\"format\":\"" MAP_MARK "\"";  /* how write_tiles starts it */
    return got >= strlen(mark) && !memcmp(head, mark, strlen(mark));
}

/* Unlinks dir/name when it is a plain file (not a link, not a folder). */
static void unlink_ours(const char *dir, const char *name) {
    char path[4500];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) unlink(path);
}

static int real_dir(const char *path) {
    struct stat st;
    return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int tc_viz_remove_map_files(const char *dir) {
    char path[4400], sub[4400], name[96];
    if (!real_dir(dir) || !tc_viz_is_map_folder(dir)) return -1;
    snprintf(path, sizeof path, "%s/meta.json", dir);
    char *text;
    size_t len;
    if (tc_read_regular_file(path, &text, &len)) return -1;
    cJSON *m = cJSON_ParseWithLength(text, len);
    free(text);
    if (!m) return -1;
    const cJSON *tl = cJSON_GetObjectItemCaseSensitive(m, "tiles"), *t;
    snprintf(sub, sizeof sub, "%s/tiles", dir);
    if (real_dir(sub))
        cJSON_ArrayForEach(t, tl) {
            if (cJSON_GetArraySize(t) < 3 || !cJSON_IsNumber(cJSON_GetArrayItem(t, 0)) ||
                !cJSON_IsNumber(cJSON_GetArrayItem(t, 1)) || !cJSON_IsNumber(cJSON_GetArrayItem(t, 2)))
                continue;
            snprintf(name, sizeof name, "%.0f-%.0f-%.0f.bin", cJSON_GetArrayItem(t, 0)->valuedouble,
                     cJSON_GetArrayItem(t, 1)->valuedouble, cJSON_GetArrayItem(t, 2)->valuedouble);
            unlink_ours(sub, name);
        }
    static const char *const subs[2] = {"texts", "search"}, *const ext[2] = {"json", "bin"};
    static const char *const counts[2] = {"n_text_chunks", "n_shards"};
    /* the most the writer makes: 2^32 texts in chunks of TC_VIZ_TEXT_CHUNK, 4096 shards */
    static const double most[2] = {4294967296.0 / TC_VIZ_TEXT_CHUNK + 1, 4096};
    for (int s = 0; s < 2; s++) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(m, counts[s]);
        double k = cJSON_IsNumber(c) ? c->valuedouble : 0;
        snprintf(sub, sizeof sub, "%s/%s", dir, subs[s]);
        if (!real_dir(sub)) continue;
        for (double i = 0; i < k && i < most[s]; i++) {
            snprintf(name, sizeof name, "%.0f.%s", i, ext[s]);
            unlink_ours(sub, name);
        }
    }
    cJSON_Delete(m);
    static const char *const top[] = {"points.bin", "overlay.json", "index.html", "meta.json"};
    for (size_t i = 0; i < sizeof top / sizeof *top; i++) unlink_ours(dir, top[i]);  /* meta.json last */
    static const char *const all[3] = {"tiles", "texts", "search"};
    for (int s = 0; s < 3; s++) {
        snprintf(sub, sizeof sub, "%s/%s", dir, all[s]);
        if (real_dir(sub)) rmdir(sub);  /* fails, leaving it, when the user put a file there */
    }
    rmdir(dir);
    return 0;
}

/* ---------------------------------------------------------------- meta */

/* ---------------------------------------------------------------- writer */

static int write_tiles(const float *xy, size_t n, const int64_t *labels, const char *const *texts,
                       const tc_cluster_label *names, size_t n_names, const tc_topic_node *tree,
                       size_t n_tree, const tc_overlay *ov, uint64_t ov_seed, uint64_t seed, size_t cap,
                       const char *dir, const tc_viz_meter *vm) {
    tc_viz_clusters cl;
    int rc = tc_viz_clusters_build(xy, n, labels, &cl);
    if (rc) return rc;
    const int G = TC_VIZ_TILE_GRID;
    nodes_t t = {0};
    size_t *perm = malloc((n ? n : 1) * sizeof *perm);        /* (n) the seeded order */
    int32_t *home = malloc((n ? n : 1) * sizeof *home);       /* (n) node holding each point */
    double *u = malloc((n ? n : 1) * 2 * sizeof *u);           /* (n, 2) unit coordinates */
    size_t *order = malloc((n ? n : 1) * sizeof *order);      /* (n) points by tile */
    int *colour = malloc((cl.k ? cl.k : 1) * sizeof *colour);
    node_t **sorted = NULL;
    unsigned char *buf = NULL;
    tc_sb b = {0};
    if (!perm || !home || !u || !order || !colour) goto oom;
    if ((rc = tc_viz_colour_clusters(cl.centres, cl.k, colour))) goto done;

    /* the square root box over the finite points */
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        if (!isfinite(x) || !isfinite(y)) continue;
        xmin = fmin(xmin, x), xmax = fmax(xmax, x), ymin = fmin(ymin, y), ymax = fmax(ymax, y);
    }
    if (!(xmin <= xmax)) xmin = xmax = ymin = ymax = 0;
    double side = fmax(xmax - xmin, ymax - ymin);
    if (!(side > 0)) side = 1;
    for (size_t i = 0; i < n; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        u[2 * i] = isfinite(x) && isfinite(y) ? (x - xmin) / side : 0;
        u[2 * i + 1] = isfinite(x) && isfinite(y) ? (y - ymin) / side : 0;
    }
    tc_rng r = tc_rng_derive(seed, 0x7469u);  /* "ti" */
    for (size_t i = 0; i < n; i++) perm[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)tc_rng_below(&r, i), tmp = perm[i - 1];
        perm[i - 1] = perm[j], perm[j] = tmp;
    }
    if (node_new(&t, 0, 0, 0) < 0) goto oom;
    /* each point, in the seeded order, to the first node on its path with room */
    /* pass 1 in thirds: this loop, the density grids, the tile files */
    for (size_t o = 0; o < n; o++) {
        if (o % 65536 == 0 && (rc = tc_viz_tick(vm, 1, o / 3))) goto done;
        size_t i = perm[o];
        int32_t v = 0;
        while (t.v[v].count >= cap && t.v[v].level < TC_VIZ_TILE_LEVELS) {
            int l = t.v[v].level + 1;
            uint32_t cx = cell(u[2 * i], l), cy = cell(u[2 * i + 1], l);
            int q = (int)((cy & 1) * 2 + (cx & 1));
            if (t.v[v].child[q] < 0) {
                int32_t c = node_new(&t, l, cx, cy);
                if (c < 0) goto oom;
                t.v[v].child[q] = c;
            }
            v = t.v[v].child[q];
        }
        home[i] = v;
        t.v[v].count++;
    }
    /* density grids: every node whose box holds the point counts it */
    for (size_t o = 0; o < n; o++) {
        if (o % 65536 == 0 && (rc = tc_viz_tick(vm, 1, n / 3 + o / 3))) goto done;
        size_t i = perm[o];
        uint32_t slot = (uint32_t)(cl.index[i] + 1);
        for (int32_t v = 0; v >= 0;) {
            node_t *d = &t.v[v];
            int l = d->level;
            uint32_t gx = cell(u[2 * i], l + 6) - d->ix * (uint32_t)G, gy = cell(u[2 * i + 1], l + 6) - d->iy * (uint32_t)G;
            if (gx >= (uint32_t)G) gx = G - 1;
            if (gy >= (uint32_t)G) gy = G - 1;
            size_t g = (size_t)gy * G + gx;
            if (!d->density[g]++) d->sample[g] = slot;
            if (l >= TC_VIZ_TILE_LEVELS) break;
            uint32_t cx = cell(u[2 * i], l + 1), cy = cell(u[2 * i + 1], l + 1);
            v = d->child[(cy & 1) * 2 + (cx & 1)];
        }
    }
    _Static_assert(TC_VIZ_TILE_GRID == 64, "the density cell is level + 6");
    /* the points of each tile, in the seeded order */
    size_t at = 0;
    for (size_t v = 0; v < t.n; v++) t.v[v].start = at, at += t.v[v].count, t.v[v].count = 0;
    for (size_t o = 0; o < n; o++) {
        node_t *d = &t.v[home[perm[o]]];
        order[d->start + d->count++] = perm[o];
    }

    char sub[4500], name[96];
    static const char *const subs[] = {"tiles", "texts", "search"};
    for (int s = 0; s < 3; s++) {
        snprintf(sub, sizeof sub, "%s/%s", dir, subs[s]);
        if (mkdir(sub, 0777) != 0) { rc = tc_error(TC_EIO, "%s: %s", sub, strerror(errno)); goto done; }
    }
    size_t most = 0;
    for (size_t v = 0; v < t.n; v++) most = t.v[v].count > most ? t.v[v].count : most;
    size_t head = 16 + (size_t)G * G * 8;
    buf = malloc(head + most * 16);
    if (!buf) goto oom;
    snprintf(sub, sizeof sub, "%s/tiles", dir);
    for (size_t v = 0, written = 0; v < t.n; written += t.v[v++].count) {
        if ((rc = tc_viz_tick(vm, 1, 2 * (n / 3) + written / 3))) goto done;
        const node_t *d = &t.v[v];
        memcpy(buf, "TCT1", 4);
        put_u32(buf + 4, (uint32_t)d->count), put_u32(buf + 8, (uint32_t)G), put_u32(buf + 12, (uint32_t)d->level);
        for (size_t g = 0; g < (size_t)G * G; g++) {
            put_u32(buf + 16 + 4 * g, d->density[g]);
            put_u32(buf + 16 + (size_t)G * G * 4 + 4 * g, d->sample[g]);
        }
        unsigned char *p = buf + head;
        size_t m = d->count;
        for (size_t k = 0; k < m; k++) {
            size_t i = order[d->start + k];
            put_f32(p + 4 * k, isfinite(xy[2 * i]) && isfinite(xy[2 * i + 1]) ? xy[2 * i] : (float)xmin);
            put_f32(p + 4 * (m + k), isfinite(xy[2 * i]) && isfinite(xy[2 * i + 1]) ? xy[2 * i + 1] : (float)ymin);
            put_u32(p + 4 * (2 * m + k), (uint32_t)i);
            put_u32(p + 4 * (3 * m + k), (uint32_t)(cl.index[i] + 1));
        }
        snprintf(name, sizeof name, "%d-%u-%u.bin", d->level, d->ix, d->iy);
        if ((rc = tc_viz_write_bytes(sub, name, buf, head + m * 16))) goto done;
    }
    free(buf);
    buf = malloc((n ? n : 1) * 8);
    if (!buf) goto oom;
    for (size_t i = 0; i < n; i++) {
        uint32_t qx = (uint32_t)lround(fmin(1, fmax(0, u[2 * i])) * 65535);
        uint32_t qy = (uint32_t)lround(fmin(1, fmax(0, u[2 * i + 1])) * 65535);
        put_u32(buf + 8 * i, qx | qy << 16);
        put_u32(buf + 8 * i + 4, (uint32_t)(cl.index[i] + 1));
    }
    if ((rc = tc_viz_write_bytes(dir, "points.bin", buf, n * 8))) goto done;
    size_t n_chunks = 0, n_shards = 0;
    snprintf(sub, sizeof sub, "%s/texts", dir);
    if ((rc = tc_viz_write_text_chunks(texts, n, TC_VIZ_TEXT_CHUNK, sub, &n_chunks, vm))) goto done;
    snprintf(sub, sizeof sub, "%s/search", dir);
    if ((rc = tc_viz_write_search_index(texts, n, sub, &n_shards, vm))) goto done;
    int has_ov = ov && ov->n;
    if (has_ov) {
        if ((rc = tc_viz_overlay_json(&b, ov, ov_seed, NULL, NULL))) goto done;
        if ((rc = tc_viz_write_bytes(dir, "overlay.json", b.s, b.len))) goto done;
        b.len = 0;
    }

    /* meta.json, and the page with it inline */
    double vb[4];
    tc_viz_bulk_box(xy, n, vb);
    if (!(vb[0] <= vb[1] && vb[2] <= vb[3])) vb[0] = xmin, vb[1] = xmax, vb[2] = ymin, vb[3] = ymax;
    tc_sb_printf(&b, "{\"format\":\"" MAP_MARK "\",\"version\":1,\"n\":%zu,\"n_noise\":%zu,"
                 "\"bbox\":[%.17g,%.17g,%.17g,%.17g],\"view\":[%.9g,%.9g,%.9g,%.9g],\"noise_color\":\"#%06x\","
                 "\"tile_cap\":%zu,\"grid\":%d,\"text_chunk\":%d,\"n_text_chunks\":%zu,\"n_shards\":%zu,"
                 "\"overlay\":%s,\"clusters\":[",
                 n, cl.n_noise, xmin, ymin, xmin + side, ymin + side, fin(vb[0]), fin(vb[2]), fin(vb[1]), fin(vb[3]),
                 TC_VIZ_NOISE_RGB, cap, G, TC_VIZ_TEXT_CHUNK, n_chunks, n_shards, has_ov ? "true" : "false");
    for (size_t j = 0; j < cl.k; j++) {
        const tc_cluster_label *nm = tc_viz_find_name(names, n_names, cl.ids[j]);
        char *cn = tc_viz_utf8_clean(nm && nm->summary ? nm->summary : "", NAME_CHARS);
        if (!cn) goto oom;
        tc_sb_printf(&b, "%s{\"id\":%lld,\"name\":", j ? "," : "", (long long)cl.ids[j]);
        tc_viz_json_string(&b, cn);
        free(cn);
        tc_sb_printf(&b, ",\"size\":%zu,\"cx\":%.7g,\"cy\":%.7g,\"color\":\"#%06x\"}", cl.sizes[j],
                     fin(cl.centres[2 * j]), fin(cl.centres[2 * j + 1]), tc_viz_palette(colour[j]));
    }
    tc_sb_puts(&b, "]");
    tc_viz_name_nodes_json(&b, &cl, xy, tree, n_tree, names, n_names);
    tc_sb_puts(&b, ",\"tiles\":[");
    sorted = malloc(t.n * sizeof *sorted);
    if (!sorted) goto oom;
    for (size_t v = 0; v < t.n; v++) sorted[v] = &t.v[v];
    qsort(sorted, t.n, sizeof *sorted, cmp_tile);
    for (size_t v = 0; v < t.n; v++)
        tc_sb_printf(&b, "%s[%d,%u,%u,%zu]", v ? "," : "", sorted[v]->level, sorted[v]->ix, sorted[v]->iy,
                     sorted[v]->count);
    tc_sb_puts(&b, "]}\n");
    if (b.oom) goto oom;
    if ((rc = tc_viz_write_bytes(dir, "meta.json", b.s, b.len))) goto done;
    {
        tc_sb page = {0};
        tc_sb_puts(&page, tc_map_tiles_head);
        tc_sb_puts(&page, "<script type=\"application/json\" id=\"tc-meta\">");
        tc_sb_append(&page, b.s, b.len);
        tc_sb_puts(&page, "</script>\n");
        tc_sb_puts(&page, tc_map_tiles_code);
        tc_sb_puts(&page, tc_map_tiles_tail);
        rc = page.oom ? tc_error(TC_ENOMEM, "map/index.html: out of memory")
                      : tc_viz_write_bytes(dir, "index.html", page.s, page.len);
        tc_sb_free(&page);
    }
    goto done;
oom:
    rc = tc_error(TC_ENOMEM, "map/: out of memory");
done:
    for (size_t v = 0; v < t.n; v++) free(t.v[v].density), free(t.v[v].sample);
    free(t.v);
    free(sorted);
    free(buf);
    tc_sb_free(&b);
    free(perm);
    free(home);
    free(u);
    free(order);
    free(colour);
    tc_viz_clusters_free(&cl);
    return rc;
}

/* fsync of every file below dir, then of the folders, so the swap never
 * puts a folder in place whose files a crash could still lose. */
static int sync_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st, (void)ftw;
    if (type != FTW_F && type != FTW_DP) return 0;
    if (walk_tick()) return -1;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

int tc_viz_map_tiles(const float *xy, size_t n, const int64_t *labels, const char *const *texts,
                     const tc_cluster_label *names, size_t n_names, const tc_topic_node *tree,
                     size_t n_tree, uint64_t seed, size_t tile_cap, const char *folder) {
    return tc_viz_map_tiles_overlay(xy, n, labels, texts, names, n_names, tree, n_tree, NULL, 0, seed,
                                    tile_cap, folder, NULL);
}

int tc_viz_map_tiles_overlay(const float *xy, size_t n, const int64_t *labels, const char *const *texts,
                             const tc_cluster_label *names, size_t n_names, const tc_topic_node *tree,
                             size_t n_tree, const tc_overlay *ov, uint64_t ov_seed, uint64_t seed,
                             size_t tile_cap, const char *folder, tc_meter *m) {
    if (!folder) return tc_error(TC_EINVAL, "map/: no folder");
    tc_viz_meter vm = {m, n};
    if (n && (!xy || !labels)) return tc_error(TC_EINVAL, "%s/map: xy and labels are required", folder);
    if (n > UINT32_MAX) return tc_error(TC_EINVAL, "%s/map: %zu points, more than the tiles hold", folder, n);
    char target[4400], tmp[4400], old[4400];
    snprintf(target, sizeof target, "%s/map", folder);
    struct stat st;
    int exists = lstat(target, &st) == 0;
    if (exists && (!S_ISDIR(st.st_mode) || !tc_viz_is_map_folder(target)))
        return tc_error(TC_EIO, "%s: exists and is not a map textclust wrote (no map/meta.json of "
                        "ours); move it away, the tiled map is written there", target);
    snprintf(tmp, sizeof tmp, "%s/.textclust-map-XXXXXX", folder);
    if (!mkdtemp(tmp)) return tc_error(TC_EIO, "%s: cannot write in this folder: %s", folder, strerror(errno));
    int rc = write_tiles(xy, n, labels, texts, names, n_names, tree, n_tree, ov, ov_seed, seed,
                         tile_cap ? tile_cap : tc_viz_tile_cap(200000), tmp, &vm);
    walk_meter = &vm;
    if (!rc && nftw(tmp, sync_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        rc = tc_meter_stopped(m) ? TC_ECANCELED : tc_error(TC_EIO, "%s: cannot sync: %s", tmp, strerror(errno));
    walk_meter = NULL;
    if (rc) { tc_viz_remove_tree(tmp); return rc; }
    old[0] = 0;
    if (exists) {
        snprintf(old, sizeof old, "%s/.textclust-map-old-XXXXXX", folder);
        if (!mkdtemp(old) || rename(target, old) != 0) {
            rc = tc_error(TC_EIO, "%s: cannot move the earlier map away: %s", target, strerror(errno));
            if (old[0]) rmdir(old);
            tc_viz_remove_tree(tmp);
            return rc;
        }
    }
    if (rename(tmp, target) != 0) {
        rc = tc_error(TC_EIO, "%s: %s", target, strerror(errno));
        if (exists) rename(old, target);
        tc_viz_remove_tree(tmp);
        return rc;
    }
    tc_fsync_dir(folder);
    walk_meter = &vm;
    if (exists) tc_viz_remove_tree(old);
    walk_meter = NULL;
    return 0;
}
