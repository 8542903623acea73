/* tfidf_svd.c - randomized truncated SVD of the sparse TF-IDF matrix
 * (Halko, Martinsson, Tropp, "Finding structure with randomness", 2011:
 * Alg. 4.4, randomized subspace iteration), as scikit-learn's TruncatedSVD
 * runs it by default: k + 10 columns, 5 power iterations. Between
 * iterations the basis is re-orthonormalised with QR (scikit-learn uses LU
 * there; both only keep the columns from collapsing). The sparse products
 * are our own loops over contiguous row ranges; the dense steps are
 * OpenBLAS sgemm products plus (k + 10)-square problems in double (LAPACK's
 * dsyevd, a Cholesky). Memory: the matrix and its transpose (8 bytes a
 * non-zero each), an n x l and a V x l float block. */
#include "embed/tfidf.h"
#include "util/util.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

/* LAPACK, as OpenBLAS exports it (Fortran calling convention). */
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info);

/* ---------------------------------------------------------------- sparse products */

#define ACC_W 32   /* output columns held in registers per pass over a row's non-zeros */

/* yi (l) = sum over the row's non-zeros p of val[p] b[col[p]], ACC_W
 * columns at a time so that the sums stay in registers (four 8-wide
 * accumulators) while the row's non-zeros stream by. */
static void sparse_row(const uint32_t *col, const float *val, size_t nz, const float *b, int l,
                       float *restrict yi) {
    int c = 0;
#if defined(__AVX2__) && defined(__FMA__)
    for (; c + ACC_W <= l; c += ACC_W) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t p = 0; p < nz; p++) {
            const float *bj = b + (size_t)col[p] * (size_t)l + c;
            __m256 v = _mm256_set1_ps(val[p]);
            a0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(bj), a0);
            a1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(bj + 8), a1);
            a2 = _mm256_fmadd_ps(v, _mm256_loadu_ps(bj + 16), a2);
            a3 = _mm256_fmadd_ps(v, _mm256_loadu_ps(bj + 24), a3);
        }
        _mm256_storeu_ps(yi + c, a0);
        _mm256_storeu_ps(yi + c + 8, a1);
        _mm256_storeu_ps(yi + c + 16, a2);
        _mm256_storeu_ps(yi + c + 24, a3);
    }
#endif
    if (c == l) return;
    memset(yi + c, 0, (size_t)(l - c) * sizeof *yi);
    for (size_t p = 0; p < nz; p++) {
        const float v = val[p], *restrict bj = b + (size_t)col[p] * (size_t)l;
        for (int q = c; q < l; q++) yi[q] += v * bj[q];
    }
}

#define PRODUCT_ROWS 256   /* rows a thread takes at a time in a sparse product */

/* y (n_rows, l) = x (n_rows, n_cols) b (n_cols, l). Rows are independent,
 * so any schedule gives the same bytes; dynamic, because the transpose's
 * rows (terms) range from 2 non-zeros to half the texts. Every group of
 * PRODUCT_ROWS rows polls m (a group of frequent terms can take a while). */
static void csr_times_dense(const tc_tfidf_rows *x, const float *b, int l, int n_threads, tc_meter *m,
                            float *y) {
    size_t n_groups = (x->n_rows + PRODUCT_ROWS - 1) / PRODUCT_ROWS;
#pragma omp parallel for schedule(dynamic, 1) num_threads(n_threads)
    for (size_t c = 0; c < n_groups; c++) {
        if (tc_meter_poll(m, 0)) continue; /* item 0: every group polls */
        size_t end = (c + 1) * PRODUCT_ROWS < x->n_rows ? (c + 1) * PRODUCT_ROWS : x->n_rows;
        for (size_t i = c * PRODUCT_ROWS; i < end; i++)
            sparse_row(x->col + x->row[i], x->val + x->row[i], x->row[i + 1] - x->row[i], b, l,
                       y + i * (size_t)l);
    }
}

/* The transpose as another CSR matrix (a counting sort by column), so that
 * x^T q runs over rows too, without write conflicts between threads. */
static int csr_transpose(const tc_tfidf_rows *x, tc_tfidf_rows *t) {
    size_t nnz = x->row[x->n_rows];
    memset(t, 0, sizeof *t);
    t->n_rows = x->n_cols, t->n_cols = x->n_rows;
    t->row = calloc(t->n_rows + 1, sizeof *t->row);
    t->col = malloc((nnz ? nnz : 1) * sizeof *t->col);
    t->val = malloc((nnz ? nnz : 1) * sizeof *t->val);
    if (!t->row || !t->col || !t->val) { tc_tfidf_rows_free(t); return -1; }
    for (size_t p = 0; p < nnz; p++) t->row[x->col[p] + 1]++;
    for (size_t j = 0; j < t->n_rows; j++) t->row[j + 1] += t->row[j];
    size_t *next = malloc((t->n_rows ? t->n_rows : 1) * sizeof *next);
    if (!next) { tc_tfidf_rows_free(t); return -1; }
    memcpy(next, t->row, t->n_rows * sizeof *next);
    for (size_t i = 0; i < x->n_rows; i++)
        for (size_t p = x->row[i]; p < x->row[i + 1]; p++) {
            size_t q = next[x->col[p]]++;
            t->col[q] = (uint32_t)i, t->val[q] = x->val[p];
        }
    free(next);
    return 0;
}

/* ---------------------------------------------------------------- dense steps */

#define BLOCK_ROWS 4096   /* rows multiplied at a time by an l x l matrix in place */

/* a (m, l) <- a t, t (l, l), a block of rows at a time through tmp
 * (BLOCK_ROWS, l): the product needs no second m x l buffer. Ticks meter
 * after each block and stops early once it is stopped. */
static void times_small(float *a, int m, int l, const float *t, float *tmp, tc_meter *meter) {
    for (int r = 0; r < m && !tc_meter_tick(meter); r += BLOCK_ROWS) {
        int b = m - r < BLOCK_ROWS ? m - r : BLOCK_ROWS;
        float *ar = a + (size_t)r * l;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, l, l, 1.0f, ar, l, t, l, 0.0f, tmp, l);
        memcpy(ar, tmp, (size_t)b * l * sizeof *ar);
    }
}

#define GRAM_ROWS 16384   /* rows summed into a^T a per ssyrk call: a tick between calls */

/* g (l, l) = a^T a in double, a row-major (m, l): ssyrk (half the flops of
 * an sgemm) fills the upper triangle, mirrored here. Summed over blocks of
 * GRAM_ROWS rows (OpenBLAS blocks the sum too), ticking meter after each. */
static void gram(const float *a, int m, int l, float *gf, double *g, tc_meter *meter) {
    for (int r = 0; r < m; r += GRAM_ROWS) {
        int b = m - r < GRAM_ROWS ? m - r : GRAM_ROWS;
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, l, b, 1.0f, a + (size_t)r * l, l, r ? 1.0f : 0.0f, gf, l);
        tc_meter_tick(meter);
    }
    for (int r = 0; r < l; r++)
        for (int c = r; c < l; c++) g[(size_t)r * l + c] = g[(size_t)c * l + r] = gf[(size_t)r * l + c];
}

/* Cholesky of the symmetric g (l, l) in place: R (upper, row-major) with
 * R^T R = g. A pivot below tol times its column's squared norm (a column
 * numerically in the span of the earlier ones) fails with -1 when strict,
 * else gets R's row e_j, which leaves that column as it is. */
static int cholesky(double *g, int l, double tol, int strict) {
    for (int j = 0; j < l; j++) {
        double d = g[(size_t)j * l + j], norm2 = d;
        for (int p = 0; p < j; p++) d -= g[(size_t)p * l + j] * g[(size_t)p * l + j];
        if (d <= tol * norm2 || d < 1e-12) {
            if (strict) return -1;
            for (int c = 0; c < l; c++) g[(size_t)j * l + c] = c == j;
            continue;
        }
        d = sqrt(d);
        g[(size_t)j * l + j] = d;
        for (int c = j + 1; c < l; c++) {
            double v = g[(size_t)j * l + c];
            for (int p = 0; p < j; p++) v -= g[(size_t)p * l + j] * g[(size_t)p * l + c];
            g[(size_t)j * l + c] = v / d;
        }
    }
    return 0;
}

/* a <- a R^-1, R upper triangular (row-major in g's upper triangle): R^-1
 * in double by back substitution, then one sgemm pass (OpenBLAS's strsm
 * was no faster here for twice fewer flops). t: (l, l). */
static void solve_upper(float *a, float *tmp, int m, int l, const double *g, float *t, tc_meter *meter) {
    for (int c = l - 1; c >= 0; c--)
        for (int r = l - 1; r >= 0; r--) {
            double v = r == c ? 1 : 0;
            for (int p = r + 1; p <= c; p++) v -= g[(size_t)r * l + p] * t[(size_t)p * l + c];
            t[(size_t)r * l + c] = r > c ? 0 : (float)(v / g[(size_t)r * l + r]);
        }
    times_small(a, m, l, t, tmp, meter);
}

/* Orthonormalises the columns of the row-major a (m, l) in place, keeping
 * their order: a = U S W^T from the eigenvectors of a^T a (dsyevd, l x l),
 * a <- a W S^-1 (descending s, columns of a numerically zero s left zero),
 * then one Cholesky pass (a <- a R^-1, R^T R = a^T a) to restore the
 * orthonormality float32 loses when squaring. Both big steps are BLAS
 * products (Cholesky QR 2 with an eigen first step: Fukaya et al. 2014).
 * sv (l) gets s when not NULL. tmp: (BLOCK_ROWS, l). */
typedef struct orth_ws {
    double *g, *w;
    float *gf, *t;
    int *iwork;
    double *work;
    int lwork, liwork;
    tc_meter *meter;
} orth_ws;

static int orthonormalise(float *a, float *tmp, int m, int l, const orth_ws *ws, float *sv) {
    double *g = ws->g, *lam = ws->w;
    float *t = ws->t;
    int info = 0;
    gram(a, m, l, ws->gf, g, ws->meter);
    dsyevd_("V", "U", &l, g, &l, lam, ws->work, &ws->lwork, ws->iwork, &ws->liwork, &info);
    if (info) return -1;
    /* column j of g (column-major) is the eigenvector of lam[j], ascending */
    double top = lam[l - 1] > 0 ? lam[l - 1] : 0;
    for (int c = 0; c < l; c++) {
        int e = l - 1 - c;
        double s = lam[e] > 1e-10 * top && lam[e] > 0 ? sqrt(lam[e]) : 0;
        if (sv) sv[c] = (float)s;
        for (int r = 0; r < l; r++) t[(size_t)r * l + c] = s > 0 ? (float)(g[(size_t)e * l + r] / s) : 0;
    }
    times_small(a, m, l, t, tmp, ws->meter);
    /* near the identity now; zero columns stay zero */
    gram(a, m, l, ws->gf, g, ws->meter);
    cholesky(g, l, 0, 0);
    solve_upper(a, tmp, m, l, g, t, ws->meter);
    return 0;
}

/* Between power iterations the basis only has to stay well conditioned
 * (scikit-learn uses an LU there): one Cholesky QR, a quarter of the
 * flops of orthonormalise, whose error (float32's eps times the squared
 * condition number of a, small once a = x q with q orthonormal) the next
 * iterations wash out. A column too close to the span of the others makes
 * the Cholesky unsafe; then the full orthonormalise runs. */
static int renormalise(float *a, float *tmp, int m, int l, const orth_ws *ws) {
    gram(a, m, l, ws->gf, ws->g, ws->meter);
    if (cholesky(ws->g, l, 1e-3, 1)) return orthonormalise(a, tmp, m, l, ws, NULL);
    solve_upper(a, tmp, m, l, ws->g, ws->t, ws->meter);
    return 0;
}

#define GAUSS_BLOCK 65536   /* draws per random stream */

/* Standard normal draws (Marsaglia's polar method: no trigonometry), one
 * seeded stream per block of GAUSS_BLOCK, so that the threads may share
 * the blocks out and the draws still depend on the seed alone. The calling
 * thread ticks meter before each of its blocks. */
static void gaussian(float *g, size_t n, uint64_t seed, int n_threads, tc_meter *meter) {
    size_t n_blocks = (n + GAUSS_BLOCK - 1) / GAUSS_BLOCK;
#pragma omp parallel for schedule(static) num_threads(n_threads)
    for (size_t b = 0; b < n_blocks; b++) {
        if (tc_meter_poll(meter, 0)) continue;  /* item 0: every block polls */
        tc_rng r = tc_rng_derive(seed, b);
        size_t end = (b + 1) * GAUSS_BLOCK < n ? (b + 1) * GAUSS_BLOCK : n;
        for (size_t i = b * GAUSS_BLOCK; i < end; i += 2) {
            double u, v, q;
            do {
                u = 2 * tc_rng_uniform(&r) - 1, v = 2 * tc_rng_uniform(&r) - 1;
                q = u * u + v * v;
            } while (q >= 1 || q == 0);
            double f = sqrt(-2 * log(q) / q);
            g[i] = (float)(u * f);
            if (i + 1 < end) g[i + 1] = (float)(v * f);
        }
    }
}

/* ---------------------------------------------------------------- the SVD */

int tc_tfidf_svd(const tc_tfidf_rows *x, int k, int oversample, int n_iter, uint64_t seed, int n_threads,
                 tc_meter *meter, float *basis, float *sv) {
    size_t n = x->n_rows, v = x->n_cols;
    if (k < 1 || (size_t)k > n || (size_t)k > v)
        return tc_error(TC_EINVAL, "tfidf: %d components from a %zu x %zu matrix", k, n, v);
    size_t l_max = n < v ? n : v;
    int l = (size_t)(k + oversample) < l_max ? k + oversample : (int)l_max;
    if (n > INT32_MAX || v > INT32_MAX) return tc_error(TC_EINVAL, "tfidf: matrix too large");
    tc_tfidf_rows xt;
    memset(&xt, 0, sizeof xt);
    orth_ws ws = {.meter = meter};
    float *y = malloc(n * (size_t)l * sizeof *y);     /* (n, l) */
    float *z = malloc(v * (size_t)l * sizeof *z);     /* (v, l) */
    float *tmp = malloc((size_t)BLOCK_ROWS * l * sizeof *tmp);
    float *s = malloc(2 * (size_t)l * sizeof *s);   /* (l) singular values, (k) signs */
    ws.g = malloc((size_t)l * l * sizeof *ws.g);
    ws.w = malloc((size_t)l * sizeof *ws.w);
    ws.gf = malloc((size_t)l * l * sizeof *ws.gf);
    ws.t = malloc((size_t)l * l * sizeof *ws.t);
    int rc = y && z && tmp && s && ws.g && ws.w && ws.gf && ws.t ? 0 : -1;
    if (!rc) {
        /* dsyevd's workspace, asked once */
        int q = -1, info = 0, iq;
        double wq;
        dsyevd_("V", "U", &l, ws.g, &l, ws.w, &wq, &q, &iq, &q, &info);
        ws.lwork = (int)wq + 1, ws.liwork = iq + 1;
        ws.work = malloc((size_t)ws.lwork * sizeof *ws.work);
        ws.iwork = malloc((size_t)ws.liwork * sizeof *ws.iwork);
        if (info || !ws.work || !ws.iwork) rc = -1;
    }
    if (!rc) rc = csr_transpose(x, &xt);
    if (rc) goto oom;
    /* every step ends with a tick: a stopped meter ends the SVD there */
    gaussian(z, v * (size_t)l, seed, n_threads, meter);
    csr_times_dense(x, z, l, n_threads, meter, y);
    if ((rc = tc_meter_tick(meter))) goto done;
    for (int it = 0; it < n_iter; it++) {
        if (renormalise(y, tmp, (int)n, l, &ws)) goto lapack;
        csr_times_dense(&xt, y, l, n_threads, meter, z);
        if ((rc = tc_meter_tick(meter))) goto done;
        if (renormalise(z, tmp, (int)v, l, &ws)) goto lapack;
        csr_times_dense(x, z, l, n_threads, meter, y);
        if ((rc = tc_meter_tick(meter))) goto done;
    }
    if (orthonormalise(y, tmp, (int)n, l, &ws, NULL)) goto lapack;
    /* x ~ Q Q^T x, and (Q^T x)^T = x^T Q = z: the right singular vectors
     * of x are the left ones of z, its singular values z's */
    csr_times_dense(&xt, y, l, n_threads, meter, z);
    if ((rc = tc_meter_tick(meter))) goto done;
    if (orthonormalise(z, tmp, (int)v, l, &ws, s)) goto lapack;
    if ((rc = tc_meter_tick(meter))) goto done;
    for (size_t j = 0; j < v; j++) memcpy(basis + j * (size_t)k, z + j * (size_t)l, (size_t)k * sizeof *basis);
    /* a sign convention, so that a refit on the same texts agrees: each
     * vector's largest entry positive */
    float *top = s + l;   /* (k) each vector's entry of largest magnitude so far, first wins ties */
    for (int c = 0; c < k; c++) top[c] = basis[c];
    for (size_t j = 1; j < v; j++)
        for (int c = 0; c < k; c++)
            if (fabsf(basis[j * k + c]) > fabsf(top[c])) top[c] = basis[j * k + c];
    for (size_t j = 0; j < v; j++)
        for (int c = 0; c < k; c++)
            if (top[c] < 0) basis[j * k + c] = -basis[j * k + c];
    if (sv) memcpy(sv, s, (size_t)k * sizeof *sv);
    goto done;
lapack:  /* (a step cut short by a cancel is not LAPACK's fault) */
    rc = tc_meter_stopped(meter) ? tc_meter_tick(meter) : tc_error(TC_EINVAL, "tfidf: LAPACK failed in the truncated SVD");
    goto done;
oom:
    rc = tc_error(TC_ENOMEM, "out of memory for the truncated SVD of %zu x %zu (%d components)", n, v, k);
done:
    tc_tfidf_rows_free(&xt);
    free(y), free(z), free(tmp), free(s);
    free(ws.g), free(ws.w), free(ws.gf), free(ws.t), free(ws.work), free(ws.iwork);
    return rc;
}

/* ---------------------------------------------------------------- projection */

void tc_tfidf_project(const tc_tfidf_rows *x, const float *basis, int k, int n_threads, float *out) {
    csr_times_dense(x, basis, k, n_threads, NULL, out);
#pragma omp parallel for schedule(static) num_threads(n_threads)
    for (size_t i = 0; i < x->n_rows; i++) {
        float *o = out + i * (size_t)k;
        double ss = 0;
        for (int c = 0; c < k; c++) ss += (double)o[c] * o[c];
        if (ss == 0) { o[0] = 1; continue; }  /* no known word: a fixed unit vector */
        float inv = (float)(1.0 / sqrt(ss));
        for (int c = 0; c < k; c++) o[c] *= inv;
    }
}
