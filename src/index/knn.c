/* knn.c - exact k nearest neighbours by squared Euclidean distance, with BLAS.
 *
 * The brute-force method of faiss's IndexFlatL2 (Johnson, Douze, Jegou,
 * "Billion-scale similarity search with GPUs", 2017, section 3): one matrix
 * product per tile gives ||q||^2 + ||b||^2 - 2 q.b for a block of queries
 * against a block of base rows, and a small per-query list keeps the k best.
 *
 * Exactness: the product's float estimate only shortlists. A row whose
 * estimate is within a rounding-error bound of the current k-th distance
 * gets its distance summed in double (rounded to float), and that exact
 * value ranks it. So the result is the top k by (float distance, id) of the
 * true distances, whatever the product's rounding, tiling or thread count:
 * duplicated rows tie exactly and come out lower id first, and the output
 * equals the naive reference (knn_naive.c) id for id. The re-checks cost
 * about k ln(n / k) d-long sums per query, noise next to the product.
 *
 * Memory: the m x n distance matrix never exists. Each worker thread owns
 * one tile of query_block x base_block floats (1024 x 1024 = 4 MiB by
 * default; at most 4 MiB per thread unless the caller's tiling says
 * otherwise), reused for every product, plus (n + m) norms and, when few
 * queries split the base between threads, (threads - 1) x m x k list
 * entries.
 *
 * Threads: OpenMP threads take whole (query tile, base slice) items and each
 * runs its own single-threaded sgemm (BLAS is switched to one thread for
 * the call and restored after); BLAS is never called with several threads
 * from inside the parallel region. On 2 cores this measured faster than
 * letting OpenBLAS thread each product and selecting in a separate OpenMP
 * region (bench/index.md): no hand-over between two thread pools per tile,
 * and each thread selects from a tile still in its own cache.
 *
 * Order: nearest first, ties to the lower id. Base rows are offered to a
 * query in ascending id order, so a candidate only enters when it is
 * strictly nearer than the current k-th. Negative estimates (rounding of
 * the expansion for near-identical vectors) are clamped to 0; NaN or
 * infinite distances are never neighbours. */
#include "index/knn.h"
#include "util/cpu.h"
#include "util/util.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* Tile of 1024 x 1024 floats = 4 MiB per thread: large enough that
 * OpenBLAS's packing of each operand (once per product) costs about 3% of
 * the product, measured best among 256..2048 x 1024..16384 on this
 * machine's Sapphire Rapids cores (bench/index.md). */
#define DEFAULT_QUERY_BLOCK 1024
#define DEFAULT_BASE_BLOCK 1024
/* Below this many queries per thread the base is split between threads. */
#define MIN_QUERIES_PER_THREAD 64
#define MAX_SLICES 64
/* Up to this k the best-so-far list is a sorted insertion buffer; above, a
 * max-heap (insertions cost log k instead of k). */
#define SORTED_MAX_K 64

/* ---------------------------------------------------------------- top-k lists */

/* A query's best-so-far list lives in its own row of the output arrays:
 * d (k) and id (k), cnt entries filled. */

/* Sorted buffer, ascending by (d, id). The caller has checked that v beats
 * the current threshold; equal distances keep their earlier (lower) ids. */
static inline void sorted_push(float *d, int64_t *id, int *cnt, int k, float v, int64_t j) {
    int pos = *cnt < k ? (*cnt)++ : k - 1;
    while (pos > 0 && d[pos - 1] > v) {
        d[pos] = d[pos - 1], id[pos] = id[pos - 1];
        pos--;
    }
    d[pos] = v, id[pos] = j;
}

/* Max-heap by (d, id): the root is the worst of the k kept. */
static inline int heap_above(const float *d, const int64_t *id, int a, int b) {
    return d[a] > d[b] || (d[a] == d[b] && id[a] > id[b]);
}

static void heap_sift_down(float *d, int64_t *id, int cnt, int i) {
    for (;;) {
        int l = 2 * i + 1, r = l + 1, top = i;
        if (l < cnt && heap_above(d, id, l, top)) top = l;
        if (r < cnt && heap_above(d, id, r, top)) top = r;
        if (top == i) return;
        float td = d[i]; d[i] = d[top]; d[top] = td;
        int64_t ti = id[i]; id[i] = id[top]; id[top] = ti;
        i = top;
    }
}

static void heap_push(float *d, int64_t *id, int *cnt, int k, float v, int64_t j) {
    if (*cnt < k) {
        int i = (*cnt)++;
        d[i] = v, id[i] = j;
        while (i > 0) {
            int p = (i - 1) / 2;
            if (!heap_above(d, id, i, p)) break;
            float td = d[i]; d[i] = d[p]; d[p] = td;
            int64_t ti = id[i]; id[i] = id[p]; id[p] = ti;
            i = p;
        }
    } else {
        d[0] = v, id[0] = j;
        heap_sift_down(d, id, k, 0);
    }
}

/* Heap to ascending order in place (heap sort). */
static void heap_sort(float *d, int64_t *id, int cnt) {
    for (int end = cnt - 1; end > 0; end--) {
        float td = d[0]; d[0] = d[end]; d[end] = td;
        int64_t ti = id[0]; id[0] = id[end]; id[end] = ti;
        heap_sift_down(d, id, end, 0);
    }
}

static inline float list_threshold(const float *d, int cnt, int k) {
    if (cnt < k) return INFINITY;
    return k <= SORTED_MAX_K ? d[k - 1] : d[0];
}

static inline void list_push(float *d, int64_t *id, int *cnt, int k, float v, int64_t j) {
    if (k <= SORTED_MAX_K) sorted_push(d, id, cnt, k, v, j);
    else heap_push(d, id, cnt, k, v, j);
}

/* Sorts (heap case) and pads a finished list: dist +inf, id -1. */
static void list_finish(float *d, int64_t *id, int cnt, int k) {
    if (k > SORTED_MAX_K) heap_sort(d, id, cnt);
    for (int r = cnt; r < k; r++) d[r] = INFINITY, id[r] = -1;
}

/* ---------------------------------------------------------------- selection */

/* Squared L2 distance summed in double over 8 lanes (vectorises). Its
 * rounding to float is the distance we rank by and return: position- and
 * tile-independent, so duplicated rows tie exactly. */
static inline float exact_dist(const float *a, const float *b, int d) {
    double s[8] = {0};
    int t = 0;
    for (; t + 8 <= d; t += 8)
        for (int l = 0; l < 8; l++) {
            double e = (double)a[t + l] - (double)b[t + l];
            s[l] += e * e;
        }
    double r = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
    for (; t < d; t++) {
        double e = (double)a[t] - (double)b[t];
        r += e * e;
    }
    return (float)r;
}

/* Offers base rows j0 .. j0 + nb - 1 (rows b) to the query qr. c (nb)
 * holds -2 q.b from the product, bn (nb) the rows' squared norms, qn the
 * query's. The product's estimate max(0, (qn + bn) + c) only filters: a
 * row goes on when its estimate is below the k-th kept distance plus
 * `margin`, a bound on the estimate's rounding error; then its exact
 * distance decides. So the kept list is the exact top k by (float distance,
 * id) whatever the rounding of the product. scan finds the rows to try. */
static void scan_row(tc_knn_scan_fn *scan, const float *c, const float *bn, float qn,
                     const float *qr, const float *b, int dim, size_t j0, size_t nb, int k,
                     float margin, float *d, int64_t *id, int *cnt) {
    float thr = list_threshold(d, *cnt, k) + margin;
    for (size_t j = scan(c, bn, qn, thr, 0, nb); j < nb; j = scan(c, bn, qn, thr, j + 1, nb)) {
        float e = exact_dist(qr, b + j * (size_t)dim, dim);
        if (e < list_threshold(d, *cnt, k)) {
            list_push(d, id, cnt, k, e, (int64_t)(j0 + j));
            thr = list_threshold(d, *cnt, k) + margin;
        }
    }
}

/* The scan of the CPU's level, chosen once per search. */
static tc_knn_scan_fn *scan_kernel(void) {
#if TC_CPU_X86
    if (tc_cpu_level() >= TC_CPU_AVX512) return tc_knn_scan_avx512;
#endif
    return tc_knn_scan_baseline;
}

/* ---------------------------------------------------------------- search */

/* Squared norms of rows x (n, d) into out (n), summed in double over 8
 * lanes as exact_dist does. */
static void row_norms(const float *x, size_t n, int d, int nt, float *out) {
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t i = 0; i < n; i++) {
        const float *r = x + i * (size_t)d;
        double s[8] = {0};
        int t = 0;
        for (; t + 8 <= d; t += 8)
            for (int l = 0; l < 8; l++) s[l] += (double)r[t + l] * r[t + l];
        double v = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
        for (; t < d; t++) v += (double)r[t] * r[t];
        out[i] = (float)v;
    }
}

/* Bound on |estimate - exact| for a query of squared norm qn: the float
 * dot product of length d errs by at most d u |q| |b| (u = 2^-24, Higham's
 * gamma_d), doubled by the factor -2, plus a few roundings of the norms and
 * sums; 2 |q| |b| <= qn + bn_max. A factor 2 on top keeps it safe. */
static float error_margin(float qn, float bn_max, int d) {
    return (float)(2.0 * (d + 4) * 0x1.0p-24 * ((double)qn + bn_max));
}

/* Progress of one work item: `share` queries of the meter (a query tile's
 * part for its base slice) spread over the base rows [b0, b1). After the
 * block that ends at row j1 the item has counted share * (j1 - b0) / (b1 -
 * b0) of them; the calling thread (OpenMP's thread 0) reports when due. */
typedef struct item_meter {
    tc_meter *m;
    size_t share, counted;
} item_meter;

static void item_progress(item_meter *im, size_t b0, size_t b1, size_t j1) {
    size_t now = (size_t)((double)im->share * (double)(j1 - b0) / (double)(b1 - b0));
    if (j1 == b1) now = im->share;
    if (now <= im->counted) return;
    tc_meter_add(im->m, now - im->counted);
    im->counted = now;
    if (omp_get_thread_num() == 0) tc_meter_tick(im->m);
}

/* One query tile against the base rows b0 .. b1 - 1, tile by tile: qt
 * queries from q0, with the worker's own distance tile c (qb, bb) and fill
 * counts cnt (qb); lists go to dist/ids (m, k). Stops early (lists left
 * unfinished) when the meter is stopped. */
static void search_query_tile(tc_knn_scan_fn *scan, const float *base, size_t b0, size_t b1,
                              int d, const float *bn, float bn_max, const float *q,
                              const float *qn, size_t q0, size_t qt, int k, size_t bb, float *c,
                              int *cnt, float *dist, int64_t *ids, item_meter *im) {
    for (size_t i = 0; i < qt; i++) cnt[i] = 0;
    for (size_t j0 = b0; j0 < b1; j0 += bb) {
        if (tc_meter_stopped(im->m)) return;
        size_t nb = b1 - j0 < bb ? b1 - j0 : bb;
        /* c (qt, nb) = -2 q[q0 ..] . base[j0 ..]^T */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)qt, (int)nb, d, -2.0f,
                    q + q0 * (size_t)d, d, base + j0 * (size_t)d, d, 0.0f, c, (int)nb);
        for (size_t i = 0; i < qt; i++) {
            size_t qi = q0 + i;
            scan_row(scan, c + i * nb, bn + j0, qn[qi], q + qi * (size_t)d, base + j0 * (size_t)d, d,
                     j0, nb, k, error_margin(qn[qi], bn_max, d), dist + qi * (size_t)k,
                     ids + qi * (size_t)k, &cnt[i]);
        }
        item_progress(im, b0, b1, j0 + nb);
    }
    for (size_t i = 0; i < qt; i++)
        list_finish(dist + (q0 + i) * (size_t)k, ids + (q0 + i) * (size_t)k, cnt[i], k);
}

/* Merges the sorted lists of ns base slices (slice s in sd[s], si[s], each
 * (m, k), padded with id -1) into dist/ids by (distance, id). Slice 0 may
 * be dist/ids itself: each query's row is merged through tmp first. */
static void merge_slices(float *const *sd, int64_t *const *si, int ns, size_t m, int k,
                         float *dist, int64_t *ids, float *tmpd, int64_t *tmpi) {
    for (size_t i = 0; i < m; i++) {
        int pos[MAX_SLICES] = {0};
        for (int r = 0; r < k; r++) {
            int best = -1;
            for (int s = 0; s < ns; s++) {
                size_t e = i * (size_t)k + pos[s];
                if (pos[s] >= k || si[s][e] < 0) continue;
                if (best < 0) { best = s; continue; }
                size_t eb = i * (size_t)k + pos[best];
                if (sd[s][e] < sd[best][eb] || (sd[s][e] == sd[best][eb] && si[s][e] < si[best][eb]))
                    best = s;
            }
            if (best < 0) {
                tmpd[r] = INFINITY, tmpi[r] = -1;
            } else {
                size_t eb = i * (size_t)k + pos[best]++;
                tmpd[r] = sd[best][eb], tmpi[r] = si[best][eb];
            }
        }
        memcpy(dist + i * (size_t)k, tmpd, (size_t)k * sizeof *tmpd);
        memcpy(ids + i * (size_t)k, tmpi, (size_t)k * sizeof *tmpi);
    }
}

int tc_knn_search_tiled_progress(const float *base, size_t n, int d, const float *q, size_t m,
                                 int k, int n_threads, const tc_knn_tiling *t,
                                 tc_progress_fn progress, void *progress_ctx, float *dist,
                                 int64_t *ids) {
    if (d <= 0 || k <= 0) return tc_error(TC_EINVAL, "knn: d = %d and k = %d must be > 0", d, k);
    if (m == 0) return 0;
    if (!q || !dist || !ids || (n > 0 && !base))
        return tc_error(TC_EINVAL, "knn: NULL array");
    tc_meter meter;
    int rc = tc_meter_start(&meter, progress, progress_ctx, "knn", m);
    if (rc) return rc;
    if (n == 0) {
        for (size_t i = 0; i < m * (size_t)k; i++) dist[i] = INFINITY, ids[i] = -1;
        return tc_meter_report(&meter, m);
    }
    int nt = tc_threads(n_threads);
    tc_knn_scan_fn *scan = scan_kernel();
    int blas_mode = t ? t->blas_threads : 0;
    size_t qb = t && t->query_block > 0 ? (size_t)t->query_block : DEFAULT_QUERY_BLOCK;
    size_t bb = t && t->base_block > 0 ? (size_t)t->base_block : DEFAULT_BASE_BLOCK;
    /* Few queries: split the base into one slice per thread rather than
     * give each thread a product of a few rows against all of it (those are
     * bound by memory bandwidth). Otherwise smaller query tiles so that
     * every thread gets one. The results depend on neither. */
    size_t ns = t && t->base_slices > 0 ? (size_t)t->base_slices : 1;
    if (!(t && t->base_slices > 0) && blas_mode != 2 && nt > 1 &&
        (m + nt - 1) / nt < MIN_QUERIES_PER_THREAD && n >= (size_t)nt * DEFAULT_BASE_BLOCK)
        ns = (size_t)nt;
    if (blas_mode == 2) ns = 1;
    if (ns > MAX_SLICES) ns = MAX_SLICES;
    if (ns > n) ns = n;
    if (!(t && t->query_block > 0) && blas_mode != 2 && ns == 1 && qb > (m + nt - 1) / nt)
        qb = (m + nt - 1) / nt;
    if (qb > m) qb = m;
    if (bb > n) bb = n;
    if (bb > (size_t)INT32_MAX / 2 || (size_t)d > (size_t)INT32_MAX / 2)
        return tc_error(TC_EINVAL, "knn: dimension %d too large for BLAS", d);
    size_t n_qtiles = (m + qb - 1) / qb, n_items = n_qtiles * ns;
    int workers = blas_mode == 2 ? 1 : ((size_t)nt < n_items ? nt : (int)n_items);

    float *bn = malloc(n * sizeof *bn);                        /* (n) base squared norms */
    float *qn = malloc(m * sizeof *qn);                        /* (m) query squared norms */
    float *tiles = malloc((size_t)workers * qb * bb * sizeof *tiles); /* (workers, qb, bb) */
    int *cnts = malloc((size_t)workers * qb * sizeof *cnts);   /* (workers, qb) */
    size_t extra = (ns - 1) * m * (size_t)k;                   /* lists of slices 1 .. ns-1 */
    float *xd = malloc((extra + k) * sizeof *xd);              /* (ns - 1, m, k) + (k) merge row */
    int64_t *xi = malloc((extra + k) * sizeof *xi);
    if (!bn || !qn || !tiles || !cnts || !xd || !xi) {
        free(bn), free(qn), free(tiles), free(cnts), free(xd), free(xi);
        return tc_error(TC_ENOMEM, "knn: out of memory for %zu x %zu tiles", qb, bb);
    }
    row_norms(base, n, d, nt, bn);
    row_norms(q, m, d, nt, qn);
    float bn_max = 0;
    for (size_t j = 0; j < n; j++) bn_max = bn[j] > bn_max ? bn[j] : bn_max;

    tc_blas_serial();
    if (blas_mode == 2) {
        /* each product split over the threads; OpenMP selects over the tile's queries */
        for (size_t q0 = 0; q0 < m && !tc_meter_stopped(&meter); q0 += qb) {
            size_t qt = m - q0 < qb ? m - q0 : qb;
            item_meter im = {&meter, qt, 0};
            for (size_t i = 0; i < qt; i++) cnts[i] = 0;
            for (size_t j0 = 0; j0 < n && !tc_meter_stopped(&meter); j0 += bb) {
                size_t nb = n - j0 < bb ? n - j0 : bb;
                tc_sgemm_nt(nt, qt, nb, d, -2.0f, q + q0 * (size_t)d, d, base + j0 * (size_t)d, d,
                            0.0f, tiles, (int)nb);
#pragma omp parallel for schedule(static) num_threads(nt)
                for (size_t i = 0; i < qt; i++) {
                    size_t qi = q0 + i;
                    scan_row(scan, tiles + i * nb, bn + j0, qn[qi], q + qi * (size_t)d,
                             base + j0 * (size_t)d, d, j0, nb, k,
                             error_margin(qn[qi], bn_max, d), dist + qi * (size_t)k,
                             ids + qi * (size_t)k, &cnts[i]);
                }
                item_progress(&im, 0, n, j0 + nb);
            }
            for (size_t i = 0; i < qt; i++)
                list_finish(dist + (q0 + i) * (size_t)k, ids + (q0 + i) * (size_t)k, cnts[i], k);
        }
    } else {
        /* Each OpenMP thread runs whole (query tile, base slice) items with a
         * one-thread BLAS; slice s > 0 keeps its lists apart for the merge. */
        float *sd[MAX_SLICES];
        int64_t *si[MAX_SLICES];
        sd[0] = dist, si[0] = ids;
        for (size_t sl = 1; sl < ns; sl++)
            sd[sl] = xd + (sl - 1) * m * k, si[sl] = xi + (sl - 1) * m * k;
#pragma omp parallel num_threads(workers)
        {
            int w = omp_get_thread_num();
            float *c = tiles + (size_t)w * qb * bb;
            int *cnt = cnts + (size_t)w * qb;
#pragma omp for schedule(dynamic, 1)
            for (size_t it = 0; it < n_items; it++) {
                if (tc_meter_stopped(&meter)) continue;
                size_t tq = it / ns, sl = it % ns;
                size_t q0 = tq * qb, qt = m - q0 < qb ? m - q0 : qb;
                /* the tile's queries shared between its slices */
                item_meter im = {&meter, qt * (sl + 1) / ns - qt * sl / ns, 0};
                search_query_tile(scan, base, n * sl / ns, n * (sl + 1) / ns, d, bn, bn_max, q, qn, q0,
                                  qt, k, bb, c, cnt, sd[sl], si[sl], &im);
            }
        }
        if (ns > 1 && !tc_meter_stopped(&meter))
            merge_slices(sd, si, (int)ns, m, k, dist, ids, xd + extra, xi + extra);
    }
    free(bn), free(qn), free(tiles), free(cnts), free(xd), free(xi);
    return tc_meter_report(&meter, m);
}

int tc_knn_search_tiled(const float *base, size_t n, int d, const float *q, size_t m, int k,
                        int n_threads, const tc_knn_tiling *t, float *dist, int64_t *ids) {
    return tc_knn_search_tiled_progress(base, n, d, q, m, k, n_threads, t, NULL, NULL, dist, ids);
}

int tc_knn_search(const float *base, size_t n, int d, const float *q, size_t m, int k,
                  int n_threads, float *dist, int64_t *ids) {
    return tc_knn_search_tiled(base, n, d, q, m, k, n_threads, NULL, dist, ids);
}

int tc_knn_search_progress(const float *base, size_t n, int d, const float *q, size_t m, int k,
                           int n_threads, tc_progress_fn progress, void *progress_ctx,
                           float *dist, int64_t *ids) {
    return tc_knn_search_tiled_progress(base, n, d, q, m, k, n_threads, NULL, progress,
                                        progress_ctx, dist, ids);
}
