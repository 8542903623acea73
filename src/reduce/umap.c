/* umap.c - tc_umap_fit: UMAP (McInnes, Healy & Melville, arXiv:1802.03426)
 * from N vectors under cosine distance to N x n_components, with the
 * defaults of umap-learn 0.5 as the reference tool calls it
 * (UMAP(n_components=2, metric="cosine")).
 *
 * Steps: the rows as unit vectors (in place when they are unit or zero, as
 * the encoders' are; else a normalised copy, n x d floats); kNN graph (exact
 * below KNN_EXACT_MAX points, else the RP-forest + NN-descent graph); fuzzy
 * simplicial set; drop edges below max(w) / n_epochs; spectral (or random)
 * initialisation; each coordinate scaled to [0, 10]; SGD layout.
 *
 * Small inputs: N = 1 gives the origin; when N <= n_neighbors every point's
 * neighbourhood is the whole set (k = N, self included), with a warning.
 */
#include "reduce/reduce.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Above this many points TC_KNN_AUTO uses the approximate graph (measured
 * on 512-d text embeddings with 2 threads: bench/umap.md). */
#define KNN_EXACT_MAX 4096

tc_umap_params tc_umap_default_params(void) {
    tc_umap_params p;
    memset(&p, 0, sizeof p);
    p.n_neighbors = 15;
    p.n_components = 2;
    p.min_dist = 0.1f;
    p.spread = 1.0f;
    p.n_epochs = 0;
    p.learning_rate = 1.0f;
    p.negative_sample_rate = 5;
    p.repulsion_strength = 1.0f;
    p.local_connectivity = 1.0f;
    p.set_op_mix_ratio = 1.0f;
    p.a = 0.0f;
    p.b = 0.0f;
    p.init = TC_UMAP_INIT_SPECTRAL;
    p.knn_method = TC_KNN_AUTO;
    p.seed = 42;
    p.n_threads = 0;
    return p;
}

static int check_params(const tc_umap_params *p) {
    if (p->n_neighbors < 2) return tc_error(TC_EINVAL, "umap: n_neighbors=%d (>= 2)", p->n_neighbors);
    if (p->n_components < 1 || p->n_components > 64)
        return tc_error(TC_EINVAL, "umap: n_components=%d (1..64)", p->n_components);
    if (!(p->spread > 0)) return tc_error(TC_EINVAL, "umap: spread=%g (> 0)", p->spread);
    if (!(p->min_dist >= 0) || p->min_dist > p->spread)
        return tc_error(TC_EINVAL, "umap: min_dist=%g (0..spread)", p->min_dist);
    if (p->n_epochs < 0) return tc_error(TC_EINVAL, "umap: n_epochs=%d (>= 0)", p->n_epochs);
    if (!(p->learning_rate > 0))
        return tc_error(TC_EINVAL, "umap: learning_rate=%g (> 0)", p->learning_rate);
    if (p->negative_sample_rate < 0)
        return tc_error(TC_EINVAL, "umap: negative_sample_rate=%d (>= 0)", p->negative_sample_rate);
    if (!(p->repulsion_strength >= 0))
        return tc_error(TC_EINVAL, "umap: repulsion_strength=%g (>= 0)", p->repulsion_strength);
    if (!(p->local_connectivity >= 0))
        return tc_error(TC_EINVAL, "umap: local_connectivity=%g (>= 0)", p->local_connectivity);
    if (!(p->set_op_mix_ratio >= 0 && p->set_op_mix_ratio <= 1))
        return tc_error(TC_EINVAL, "umap: set_op_mix_ratio=%g (0..1)", p->set_op_mix_ratio);
    if (!(p->a >= 0 && p->b >= 0)) return tc_error(TC_EINVAL, "umap: a=%g b=%g (>= 0)", p->a, p->b);
    if (p->init != TC_UMAP_INIT_SPECTRAL && p->init != TC_UMAP_INIT_RANDOM)
        return tc_error(TC_EINVAL, "umap: init=%d", p->init);
    if (p->knn_method < TC_KNN_AUTO || p->knn_method > TC_KNN_APPROX)
        return tc_error(TC_EINVAL, "umap: knn_method=%d", p->knn_method);
    if (p->n_threads < 0) return tc_error(TC_EINVAL, "umap: n_threads=%d", p->n_threads);
    return 0;
}

/* Whether every row of x (n, d) has length 1 within float rounding
 * (|1 - |x|^2| < 1e-5) or is zero, as tc_rows_normalise would leave it. */
static int rows_are_unit(const float *x, size_t n, int d) {
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < d; j++) s += (double)x[i * d + j] * x[i * d + j];
        if (!(fabs(s - 1.0) < 1e-5 || s == 0)) return 0;
    }
    return 1;
}

/* Drops the edges with weight < wmax / n_epochs (umap-learn's rule, with its
 * default epoch count when n_epochs <= 10). */
static void filter_edges(tc_csr *g, int n_epochs, int default_epochs) {
    float wmax = 0;
    for (size_t e = 0; e < g->nnz; e++) if (g->val[e] > wmax) wmax = g->val[e];
    float cut = wmax / (float)(n_epochs > 10 ? n_epochs : default_epochs);
    size_t w = 0;
    int64_t start = 0;
    for (size_t i = 0; i < g->n; i++) {
        int64_t end = g->rowptr[i + 1];
        for (int64_t e = start; e < end; e++)
            if (!(g->val[e] < cut)) {
                g->col[w] = g->col[e];
                g->val[w++] = g->val[e];
            }
        start = end;
        g->rowptr[i + 1] = (int64_t)w;
    }
    g->nnz = w;
}

int tc_umap_fit(const float *x, size_t n, int d, const tc_umap_params *p, float *out) {
    if (!x || !p || !out || d <= 0)
        return tc_error(TC_EINVAL, "umap: x=%p d=%d params=%p out=%p", (void *)x, d, (void *)p,
                        (void *)out);
    int rc = check_params(p);
    if (rc) return rc;
    if (n > (size_t)INT32_MAX - 1) return tc_error(TC_EINVAL, "umap: n=%zu too large", n);
    for (size_t i = 0; i < n * (size_t)d; i++)
        if (!isfinite(x[i]))
            return tc_error(TC_EINVAL, "umap: row %zu, column %zu is not finite", i / d, i % d);
    int dim = p->n_components, nt = tc_threads(p->n_threads);
    if (n == 0) return 0;
    if (n == 1) {
        memset(out, 0, dim * sizeof *out);
        return 0;
    }
    int k = p->n_neighbors;
    if ((size_t)k > n) {
        tc_warn("umap: n_neighbors=%d is larger than the %zu points; using %zu", k, n, n);
        k = (int)n;
    }
    float a = p->a, b = p->b;
    if (!(a > 0 && b > 0) && (rc = tc_find_ab(p->spread, p->min_dist, &a, &b)) != 0) return rc;
    int default_epochs = n <= 10000 ? 500 : 200;
    int n_epochs = p->n_epochs > 0 ? p->n_epochs : default_epochs;

    /* the encoders give unit rows: those are used in place, others copied and scaled */
    int unit = rows_are_unit(x, n, d);
    float *xn = unit ? NULL : malloc(n * (size_t)d * sizeof *xn); /* (n, d) */
    const float *xu = unit ? x : xn;                              /* (n, d) unit rows */
    int32_t *idx = malloc(n * (size_t)k * sizeof *idx); /* (n, k) */
    float *dist = malloc(n * (size_t)k * sizeof *dist); /* (n, k) */
    tc_csr g = {0};
    if (!xu || !idx || !dist) {
        rc = tc_error(TC_ENOMEM, "umap: %zu x %d", n, d);
        goto done;
    }
    if (xn) tc_rows_normalise(x, n, d, xn);
    int approx = p->knn_method == TC_KNN_APPROX ||
                 (p->knn_method == TC_KNN_AUTO && n > KNN_EXACT_MAX);
    double t0 = tc_now();
    tc_meter m;
    if ((rc = tc_meter_start(&m, p->progress, p->progress_ctx, "knn", n))) goto done;
    if (approx)
        rc = tc_knn_nndescent(xu, n, d, k, p->seed, nt, &m, idx, dist);
    else
        rc = tc_knn_exact(xu, n, d, k, nt, &m, idx, dist);
    if (rc || (rc = tc_meter_report(&m, n))) goto done;
    /* the layout's own bar starts now: the fuzzy set and the spectral start
     * come before its first epoch, and report 0 epochs from inside */
    if ((rc = tc_meter_start(&m, p->progress, p->progress_ctx, "umap", (size_t)n_epochs))) goto done;
    double t1 = tc_now();
    if ((rc = tc_fuzzy_set(idx, dist, n, k, p->local_connectivity, p->set_op_mix_ratio, nt, &m, &g)))
        goto done;
    free(idx);
    free(dist);
    idx = NULL;
    dist = NULL;
    filter_edges(&g, n_epochs, default_epochs);
    double t2 = tc_now();

    int fell_back = 0;
    if (p->init == TC_UMAP_INIT_SPECTRAL && g.nnz > 0) {
        if ((rc = tc_spectral_init(&g, xu, d, dim, p->seed, nt, &m, out, &fell_back))) goto done;
    } else {
        tc_rng r = tc_rng_derive(p->seed, 0x1a17ULL);
        for (size_t i = 0; i < n * dim; i++) out[i] = (float)(tc_rng_uniform(&r) * 20 - 10);
    }
    free(xn);
    xn = NULL;
    double t3 = tc_now();
    /* each coordinate to [0, 10] */
    for (int t = 0; t < dim; t++) {
        float lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            if (out[i * dim + t] < lo) lo = out[i * dim + t];
            if (out[i * dim + t] > hi) hi = out[i * dim + t];
        }
        float s = hi > lo ? 10.0f / (hi - lo) : 0.0f;
        for (size_t i = 0; i < n; i++) out[i * dim + t] = (out[i * dim + t] - lo) * s;
    }
    tc_layout_params lp = {dim, n_epochs, p->negative_sample_rate, nt, a, b,
                           p->repulsion_strength, p->learning_rate,
                           p->seed ^ 0x6c61796f7574ULL, p->progress, p->progress_ctx};
    rc = tc_umap_layout(&g, &lp, out);
    tc_log(TC_LOG_DEBUG, "umap: n=%zu knn(%s) %.2fs, fuzzy set %.2fs (%zu edges), init%s %.2fs, "
           "layout %.2fs (%d epochs)", n, approx ? "approx" : "exact", t1 - t0, t2 - t1, g.nnz,
           fell_back ? " (random fallback)" : "", t3 - t2, tc_now() - t3, n_epochs);
done:
    free(xn);
    free(idx);
    free(dist);
    tc_csr_free(&g);
    return rc;
}
