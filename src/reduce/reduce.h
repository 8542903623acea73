/* reduce.h - private seams of the projection stage (src/reduce/).
 *
 * UMAP as McInnes, Healy & Melville describe it (arXiv:1802.03426) and as
 * umap-learn 0.5 computes it:
 *   knn_graph.c   exact cosine kNN with blocked BLAS products (+ naive reference)
 *   nndescent.c   approximate kNN: random-projection forest + NN-descent
 *   fuzzy.c       sigma/rho binary search, membership strengths, symmetrisation,
 *                 the (a, b) curve fit (+ naive dense reference)
 *   spectral.c    connected components and the spectral initialisation
 *   layout.c      epochs per sample and the negative-sampling SGD
 *   umap.c        tc_umap_default_params / tc_umap_fit: the orchestration
 */
#ifndef TC_REDUCE_H
#define TC_REDUCE_H

#include "textclust.h"
#include "util/util.h"
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- kNN */

/* Copies x (n, d) into xn (n, d) with each row scaled to unit length; zero
 * rows stay zero (their cosine distance to everything is then 1). */
void tc_rows_normalise(const float *x, size_t n, int d, float *xn);

/* Cosine distances below this are taken as 0: single-precision products of
 * unit vectors carry errors of about 1e-6, so smaller distances cannot be
 * told from duplicates (and rho, which skips zeros, must not depend on the
 * rounding of a duplicate's distance). */
#define TC_DIST_ZERO 1e-5f

/* Exact k nearest neighbours of every row of xn (n, d, unit rows) among all
 * rows, by cosine distance 1 - <x_i, x_j> (clamped at 0). Each row i lists
 * itself first (distance 0), then the others ascending by (distance, id);
 * distances below TC_DIST_ZERO are 0.
 * k <= n. idx, dist are (n, k). Memory beyond the outputs is bounded by a
 * fixed tile (a few MiB), whatever n. m (NULL = none): query rows done, ticked
 * at every tile; TC_ECANCELED when it is stopped. */
int tc_knn_exact(const float *xn, size_t n, int d, int k, int n_threads, tc_meter *m, int32_t *idx,
                 float *dist);

/* The same by plain double loops and a full sort per row: the reference. */
int tc_knn_naive(const float *xn, size_t n, int d, int k, int32_t *idx, float *dist);

/* Approximate kNN (same output contract as tc_knn_exact, self first): a
 * forest of random-projection trees whose leaves are joined exactly, then
 * NN-descent rounds. Deterministic for a given seed; independent of the
 * thread count. m (NULL = none; its total is n): the trees and then the
 * rounds take equal shares, reported at the end of each and ticked inside
 * (every group of points, and while the candidates are drawn); TC_ECANCELED
 * when it is stopped. */
int tc_knn_nndescent(const float *xn, size_t n, int d, int k, uint64_t seed, int n_threads,
                     tc_meter *m, int32_t *idx, float *dist);

/* out (na, nb) = the dot products of the rows a[i] and b[j] (d floats
 * each), computed four rows by four so that each load feeds four products
 * (the variant of tc_cpu_level(): AVX-512 with FMA when d % 16 == 0, else
 * a portable loop). Each product is a function of the two rows only (not
 * of their places in a or b, nor of their order). With upper set (a and b
 * the same list) only the entries j >= i are written. The scoring kernel
 * of tc_knn_nndescent. */
void tc_knn_dots(const float *const *a, int na, const float *const *b, int nb, int d, int upper,
                 float *out);
typedef void tc_knn_dots_fn(const float *const *a, int na, const float *const *b, int nb, int d,
                            int upper, float *out);
tc_knn_dots_fn tc_knn_dots_baseline, tc_knn_dots_avx512; /* per level (knn_dots.c) */
tc_knn_dots_fn *tc_knn_dots_kernel(void);                 /* the one tc_cpu_level() picks */

/* Fraction of the approximate lists' entries (self excluded) that are in the
 * exact lists. Both (n, k). */
double tc_knn_recall(const int32_t *approx, const int32_t *exact, size_t n, int k);

/* ---------------------------------------------------------------- fuzzy set */

/* A square sparse matrix in compressed rows; columns ascending in a row. */
typedef struct {
    size_t n;          /* rows = columns */
    size_t nnz;
    int64_t *rowptr;   /* (n + 1) */
    int32_t *col;      /* (nnz) */
    float *val;        /* (nnz) */
} tc_csr;

void tc_csr_free(tc_csr *g);

/* UMAP's smooth_knn_dist: for each row of dist (n, k) (ascending, self
 * first) the rho (distance to the local_connectivity-th non-zero neighbour,
 * interpolated) and sigma (binary search, 64 steps, so that the memberships
 * sum to log2(k)), with the MIN_K_DIST_SCALE floor. m (NULL = none) is
 * ticked from inside; TC_ECANCELED once it is stopped, else 0. */
int tc_smooth_knn_dist(const float *dist, size_t n, int k, float local_connectivity,
                       int n_threads, tc_meter *m, float *sigma, float *rho);

/* The symmetrised fuzzy simplicial set of a kNN graph idx, dist (n, k):
 * memberships exp(-(d - rho) / sigma), then
 * mix * (P + P^T - P.*P^T) + (1 - mix) * P.*P^T, zeros dropped. m (NULL =
 * none) is ticked inside every pass; TC_ECANCELED once it is stopped. */
int tc_fuzzy_set(const int32_t *idx, const float *dist, size_t n, int k,
                 float local_connectivity, float set_op_mix_ratio, int n_threads, tc_meter *m,
                 tc_csr *out);

/* Reference: brute-force kNN of xn in double, sigma/rho and the set
 * operations in plain loops over a dense (n, n) matrix w. Small n only. */
int tc_fuzzy_set_naive(const float *xn, size_t n, int d, int k, float local_connectivity,
                       float set_op_mix_ratio, double *w);

/* Least-squares fit of 1 / (1 + a x^(2b)) to the offset exponential decay
 * of min_dist and spread on 300 points over [0, 3 spread]
 * (Levenberg-Marquardt from a = b = 1, like scipy's curve_fit). The
 * default pair (spread 1, min_dist 0.1) is cached: a 1.5769, b 0.8951. */
int tc_find_ab(float spread, float min_dist, float *a, float *b);
/* The fit itself, without the cached default pair. */
int tc_find_ab_fit(float spread, float min_dist, float *a, float *b);

/* ---------------------------------------------------------------- layout */

/* Connected components of g: labels (n) in 0..count-1 by lowest vertex. */
int tc_csr_components(const tc_csr *g, int32_t *labels);

/* Spectral initialisation of g into out (n, dim), scaled so that the largest
 * |coordinate| is 10, plus N(0, 1e-4) noise. xn (n, d) places components.
 * Falls back to uniform [-10, 10] with a warning when the eigensolver
 * fails; *fell_back (may be NULL) tells. m (NULL = none) is ticked after
 * every product of the solver and every component; TC_ECANCELED once it
 * is stopped. */
int tc_spectral_init(const tc_csr *g, const float *xn, int d, int dim, uint64_t seed,
                     int n_threads, tc_meter *m, float *out, int *fell_back);

/* Eigenpairs of M = D^-1/2 W D^-1/2 of the connected graph g: the nev
 * largest orthogonal to D^1/2 1, vectors into vec (nev, n), values into val
 * (nev; may be NULL), by the fused Krylov solver tc_spectral_init uses
 * (TC_EIG_FAST), the plain one it is checked against (TC_EIG_REF) or dense
 * Jacobi rotations (TC_EIG_DENSE, n <= 2000). n_threads is used as given;
 * tol is the Krylov solvers' residual bound (<= 0: the one tc_spectral_init
 * uses, 1e-2). Returns 0, 1 when the Krylov solver converged only loosely,
 * or < 0. */
enum { TC_EIG_FAST = 0, TC_EIG_REF = 1, TC_EIG_DENSE = 2 };
int tc_spectral_eigs(const tc_csr *g, int nev, uint64_t seed, int n_threads, int method,
                     double tol, double *vec, double *val);

/* Negative-sampling SGD of UMAP on the graph g, in place on emb (n, dim). */
typedef struct {
    int dim, n_epochs, negative_sample_rate, n_threads;
    float a, b, gamma, learning_rate;
    uint64_t seed;
    tc_progress_fn progress;
    void *progress_ctx;
} tc_layout_params;

/* Optimises emb (n, dim) in place; deterministic for a given (seed,
 * n_threads), dependent on n_threads from 65,536 edges up (layout.c). */
int tc_umap_layout(const tc_csr *g, const tc_layout_params *lp, float *emb);

#endif
