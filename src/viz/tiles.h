/* tiles.h - the tiled map (map/): a folder a static web server serves, for
 * maps too big for one self-contained map.html. Not public API; tests
 * include it to read the files back. The layout (tiles.c, tiles_index.c):
 *   index.html        the page, with meta.json's content inline
 *   meta.json         n, bbox (the quadtree's square root box x0 y0 x1 y1),
 *                     view (the bulk box the page opens on), clusters, the
 *                     topic-tree nodes (or the clusters) with names and
 *                     positions, tile_cap, grid, text_chunk, n_text_chunks,
 *                     n_shards, overlay (true when overlay.json is
 *                     there), and tiles: [level, ix, iy, points] each
 *   tiles/L-X-Y.bin   one quadtree node (level L, column X, row Y from the
 *                     box's lower left corner), little-endian:
 *                       "TCT1", u32 n_points, u32 grid G, u32 level,
 *                       u32 density[G*G]  points of the whole set in each
 *                                         cell of the tile (row 0 at low y)
 *                       u32 sample[G*G]   cluster slot (0 = noise or empty,
 *                                         c+1) of the cell's first point in
 *                                         the seeded order: a colour for it
 *                       f32 x[n], f32 y[n], u32 id[n], u32 slot[n]
 *   points.bin        per point id: u16 x, u16 y (quantised to bbox), u32
 *                     slot, fetched by the page on its first search
 *   texts/K.json      texts of ids K*text_chunk ... (tiles_index.c)
 *   search/S.bin      the search index's shards (tiles_index.c)
 *   overlay.json      (show --overlay only) the inferred texts drawn over
 *                     the map, as map.html's tc-ov element holds them
 * Points are taken in a seeded random order; each goes to the first node on
 * its quadtree path that holds fewer than tile_cap points, so a node holds
 * a uniform sample of what its ancestors left, the union of the tiles down
 * to any level is a representative subset, and every point is in exactly
 * one tile (the full set at the leaves). Nodes below TC_VIZ_TILE_LEVELS
 * levels are not made: a tile at the last level holds all that reach it
 * (only points closer than 2^-24 of the box, identical ones for example). */
#ifndef TC_VIZ_TILES_H
#define TC_VIZ_TILES_H

#include "viz/viz.h"

#define TC_VIZ_TILE_LEVELS 24  /* deepest level, 0 = the root */
#define TC_VIZ_TILE_GRID 64    /* density cells per tile side */
#define TC_VIZ_TEXT_CHUNK 1024 /* texts per texts/K.json */

/* Most points a tile holds for a given viz.map_max_points: an eighth of
 * it, within [256, 16384]. */
size_t tc_viz_tile_cap(int map_max_points);

/* Writes folder/map: everything in a fresh folder/.textclust-map-XXXXXX
 * first, then swapped in for an earlier folder/map (which must be one of
 * ours: its meta.json says "textclust map"), whose files are then removed.
 * A failure leaves folder/map as it was. tile_cap 0 = tc_viz_tile_cap(200000);
 * tree may be NULL (the clusters are named instead). Same bytes for the
 * same input and seed. */
int tc_viz_map_tiles(const float *xy, size_t n, const int64_t *labels, const char *const *texts,
                     const tc_cluster_label *names, size_t n_names, const tc_topic_node *tree,
                     size_t n_tree, uint64_t seed, size_t tile_cap, const char *folder);

/* tc_viz_map_tiles with the texts inferred after the fit (NULL = none):
 * folder/map/overlay.json, a seeded (ov_seed) sample as map.html's tc-ov
 * element holds it (tc_viz_overlay_json), and "overlay": true in meta. */
int tc_viz_map_tiles_overlay(const float *xy, size_t n, const int64_t *labels, const char *const *texts,
                             const tc_cluster_label *names, size_t n_names, const tc_topic_node *tree,
                             size_t n_tree, const tc_overlay *ov, uint64_t ov_seed, uint64_t seed,
                             size_t tile_cap, const char *folder, tc_meter *m);

/* Progress of the writer's passes over the points on m (NULL: none), a
 * stage of n: pass k (1 tiles, 2 texts, 3 search index) at point i reports
 * (k * n + i) / 4, after the first quarter (map.png, plot.c), never n. */
typedef struct {
    tc_meter *m;
    size_t n;
} tc_viz_meter;
static inline int tc_viz_tick(const tc_viz_meter *vm, int pass, size_t i) {
    return vm && vm->m ? tc_meter_tick_at(vm->m, ((size_t)pass * vm->n + i) / 4) : 0;
}

/* 1 when dir is a map folder that tc_viz_map_tiles wrote. */
int tc_viz_is_map_folder(const char *dir);

/* Removes from dir (a map folder of ours) the files its meta.json says
 * tc_viz_map_tiles wrote, meta.json last, then each of its folders that is
 * left empty: a file the user put there keeps its folder, and dir. 0, or
 * -1 (nothing removed) when dir is not a map folder of ours or its
 * meta.json does not parse. */
int tc_viz_remove_map_files(const char *dir);

/* Deletes a folder and everything below it (symlinks are removed, not
 * followed). 0, or -1 with errno. */
int tc_viz_remove_tree(const char *dir);

/* tiles_index.c: FNV-1a (32 bits) of n bytes, the shard hash. */
uint32_t tc_viz_fnv1a(const unsigned char *s, size_t n);
/* The next search token of s from byte *at (advanced past it) into tok,
 * NUL-terminated; returns its length, 0 at the end. */
size_t tc_viz_next_token(const char *s, size_t *at, char tok[64]);
/* dir/texts: *n_chunks files of chunk texts. */
int tc_viz_write_text_chunks(const char *const *texts, size_t n, size_t chunk, const char *dir,
                             size_t *n_chunks, const tc_viz_meter *vm);
/* dir: the index's *n_shards shard files. */
int tc_viz_write_search_index(const char *const *texts, size_t n, const char *dir, size_t *n_shards,
                              const tc_viz_meter *vm);
/* Writes len bytes to dir/name (a plain write: the folder is private). */
int tc_viz_write_bytes(const char *dir, const char *name, const void *data, size_t len);

#endif
