/* tfidf_svd.c - randomized truncated SVD of the sparse TF-IDF matrix
 * (Halko, Martinsson, Tropp, "Finding structure with randomness", 2011:
 * Alg. 4.4, randomized subspace iteration), as scikit-learn's TruncatedSVD
 * runs it by default: k + 10 columns, 5 power iterations. Between
 * iterations the basis is re-orthonormalised with QR (scikit-learn uses LU
 * there; both only keep the columns from collapsing). The sparse products
 * are our own loops over contiguous row ranges; the dense steps go through
 * OpenBLAS (sgemm) and LAPACK (LQ for QR of a row-major matrix, dgesdd for
 * the small (k + 10)-square SVD). Memory: the matrix and its transpose
 * (12 bytes a non-zero each), two n x l and two V x l float blocks. */
#include "embed/tfidf.h"
#include "util/util.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK, as OpenBLAS exports it (Fortran calling convention). */
void sgelqf_(const int *m, const int *n, float *a, const int *lda, float *tau, float *work,
             const int *lwork, int *info);
void sorglq_(const int *m, const int *n, const int *k, float *a, const int *lda, const float *tau,
             float *work, const int *lwork, int *info);
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s,
             double *u, const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork,
             int *iwork, int *info);

/* ---------------------------------------------------------------- sparse products */

/* y (n_rows, l) = x (n_rows, n_cols) b (n_cols, l) */
static void csr_times_dense(const tc_tfidf_rows *x, const float *b, int l, int n_threads, float *y) {
#pragma omp parallel for schedule(static) num_threads(n_threads)
    for (size_t i = 0; i < x->n_rows; i++) {
        float *yi = y + i * (size_t)l;
        memset(yi, 0, (size_t)l * sizeof *yi);
        for (size_t p = x->row[i]; p < x->row[i + 1]; p++) {
            const float v = x->val[p], *bj = b + (size_t)x->col[p] * (size_t)l;
            for (int c = 0; c < l; c++) yi[c] += v * bj[c];
        }
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

/* Orthonormalises the columns of the row-major a (m, l), m >= l, in place.
 * Row-major a is column-major a^T (l, m): its LQ factors give a^T = L Q'
 * with orthonormal rows Q', i.e. a = Q'^T L^T, and Q' read back row-major
 * is the orthonormal basis. l_out (l, l) gets L (row-major) when not NULL. */
static int orthonormalise(float *a, int m, int l, double *l_out) {
    int info = 0, lwork = -1;
    float *tau = malloc((size_t)l * sizeof *tau), query;
    if (!tau) return -1;
    sgelqf_(&l, &m, a, &l, tau, &query, &lwork, &info);
    lwork = (int)query + 1;
    float *work = malloc((size_t)lwork * sizeof *work);
    if (!work) { free(tau); return -1; }
    sgelqf_(&l, &m, a, &l, tau, work, &lwork, &info);
    if (!info && l_out)
        for (int r = 0; r < l; r++)      /* L(r, c) is column-major element (r, c) */
            for (int c = 0; c < l; c++) l_out[(size_t)r * l + c] = c <= r ? a[(size_t)c * l + r] : 0;
    if (!info) {
        int lw2 = -1;
        sorglq_(&l, &m, &l, a, &l, tau, &query, &lw2, &info);
        if ((int)query + 1 > lwork) {
            lwork = (int)query + 1;
            float *w = realloc(work, (size_t)lwork * sizeof *w);
            if (!w) info = -1; else work = w;
        }
        if (!info) sorglq_(&l, &m, &l, a, &l, tau, work, &lwork, &info);
    }
    free(work);
    free(tau);
    return info ? -1 : 0;
}

/* Standard normal draws, serial from one seeded stream (Box-Muller). */
static void gaussian(float *g, size_t n, uint64_t seed) {
    tc_rng r = tc_rng_seed(seed);
    for (size_t i = 0; i < n; i += 2) {
        double u = tc_rng_uniform(&r), v = tc_rng_uniform(&r);
        double rad = sqrt(-2.0 * log(1.0 - u));
        g[i] = (float)(rad * cos(2 * M_PI * v));
        if (i + 1 < n) g[i + 1] = (float)(rad * sin(2 * M_PI * v));
    }
}

/* ---------------------------------------------------------------- the SVD */

int tc_tfidf_svd(const tc_tfidf_rows *x, int k, int oversample, int n_iter, uint64_t seed, int n_threads,
                 float *basis, float *sv) {
    size_t n = x->n_rows, v = x->n_cols;
    if (k < 1 || (size_t)k > n || (size_t)k > v)
        return tc_error(TC_EINVAL, "tfidf: %d components from a %zu x %zu matrix", k, n, v);
    size_t l_max = n < v ? n : v;
    int l = (size_t)(k + oversample) < l_max ? k + oversample : (int)l_max;
    if (n > INT32_MAX || v > INT32_MAX) return tc_error(TC_EINVAL, "tfidf: matrix too large");
    tc_tfidf_rows xt;
    float *y = malloc(n * (size_t)l * sizeof *y);   /* (n, l) */
    float *z = malloc(v * (size_t)l * sizeof *z);   /* (v, l) */
    double *lf = malloc((size_t)l * l * sizeof *lf), *s = malloc((size_t)l * sizeof *s);
    double *u = malloc((size_t)l * l * sizeof *u), *vt = malloc((size_t)l * l * sizeof *vt);
    float *uf = malloc((size_t)l * k * sizeof *uf);
    int rc = y && z && lf && s && u && vt && uf ? 0 : -1;
    if (!rc) rc = csr_transpose(x, &xt);
    else memset(&xt, 0, sizeof xt);
    if (rc) goto oom;
    gaussian(z, v * (size_t)l, seed);
    csr_times_dense(x, z, l, n_threads, y);
    for (int it = 0; it < n_iter; it++) {
        if (orthonormalise(y, (int)n, l, NULL)) goto lapack;
        csr_times_dense(&xt, y, l, n_threads, z);
        if (orthonormalise(z, (int)v, l, NULL)) goto lapack;
        csr_times_dense(x, z, l, n_threads, y);
    }
    if (orthonormalise(y, (int)n, l, NULL)) goto lapack;
    /* x ~ Q Q^T x, and (Q^T x)^T = x^T Q = z = Qz L^T: the right singular
     * vectors of x are Qz times the left ones of the small L^T. */
    csr_times_dense(&xt, y, l, n_threads, z);
    if (orthonormalise(z, (int)v, l, lf)) goto lapack;
    {
        /* L^T row-major is L column-major: lf as it stands */
        int info = 0, lwork = -1, *iwork = malloc(8 * (size_t)l * sizeof *iwork);
        double query;
        if (!iwork) goto oom;
        dgesdd_("A", &l, &l, lf, &l, s, u, &l, vt, &l, &query, &lwork, iwork, &info);
        lwork = (int)query + 1;
        double *work = malloc((size_t)lwork * sizeof *work);
        if (!work) { free(iwork); goto oom; }
        dgesdd_("A", &l, &l, lf, &l, s, u, &l, vt, &l, work, &lwork, iwork, &info);
        free(work);
        free(iwork);
        if (info) goto lapack;
    }
    /* u is column-major: left vector c of L^T is u[c * l + r] */
    for (int r = 0; r < l; r++)
        for (int c = 0; c < k; c++) uf[(size_t)r * k + c] = (float)u[(size_t)c * l + r];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)v, k, l, 1.0f, z, l, uf, k, 0.0f,
                basis, k);
    /* a sign convention, so that a refit on the same texts agrees: each
     * vector's largest entry positive */
    for (int c = 0; c < k; c++) {
        size_t arg = 0;
        for (size_t j = 1; j < v; j++)
            if (fabsf(basis[j * k + c]) > fabsf(basis[arg * k + c])) arg = j;
        if (basis[arg * k + c] < 0)
            for (size_t j = 0; j < v; j++) basis[j * k + c] = -basis[j * k + c];
    }
    if (sv)
        for (int c = 0; c < k; c++) sv[c] = (float)s[c];
    goto done;
lapack:
    rc = tc_error(TC_EINVAL, "tfidf: LAPACK failed in the truncated SVD");
    goto done;
oom:
    rc = tc_error(TC_ENOMEM, "out of memory for the truncated SVD of %zu x %zu (%d components)", n, v, k);
done:
    tc_tfidf_rows_free(&xt);
    free(y), free(z), free(lf), free(s), free(u), free(vt), free(uf);
    return rc;
}

/* ---------------------------------------------------------------- projection */

void tc_tfidf_project(const tc_tfidf_rows *x, const float *basis, int k, int n_threads, float *out) {
    csr_times_dense(x, basis, k, n_threads, out);
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
