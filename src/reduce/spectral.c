/* spectral.c - UMAP's spectral initialisation (umap-learn spectral.py).
 *
 * For a connected graph W the layout is the eigenvectors 1..dim (after the
 * trivial one, D^1/2 1) of the normalised Laplacian L = I - D^-1/2 W D^-1/2,
 * i.e. the largest eigenvectors of M = D^-1/2 W D^-1/2 orthogonal to D^1/2 1.
 * They come from a thick-restarted Krylov (Lanczos with full
 * reorthogonalisation) solver written here: the basis V and A V are kept,
 * the projected matrix V^T A V is diagonalised by Jacobi rotations, the
 * dim + 3 leading Ritz vectors are kept at each restart (Wu & Simon, "Thick
 * restart Lanczos", SIAM J. Matrix Anal. Appl. 22, 2000), until the Ritz
 * residuals are below EIG_TOL. krylov_fast is the solver used; krylov_ref,
 * the same iteration written plainly, is its reference in the tests.
 * Components of up to DENSE_MAX vertices use the dense Jacobi solver
 * directly.
 *
 * A graph of several components is laid out like umap-learn's
 * multi_component_layout: each component gets a centre (with more than
 * 2*dim components, the spectral embedding of the component centroids'
 * affinity exp(-d^2), d the cosine distance of their centroids; otherwise
 * +-unit vectors), and its own spectral layout scaled to half the distance
 * to the nearest other centre; components too small for a spectrum are
 * spread uniformly in that box. Then everything is scaled so the largest
 * |coordinate| is 10 and N(0, 1e-4) noise is added.
 *
 * Determinism: sums over vertices are taken over fixed chunks and added in
 * chunk order, so the result does not depend on the thread count.
 */
#include "reduce/reduce.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Below PAR_MIN vertices the vector operations run on one thread: the
 * hundreds of OpenMP barriers of a solve cost more than they save on a
 * loaded machine (63,440 points, 2 of 2 cores busy elsewhere: 2 threads took
 * 1.4-2.4 s where 1 took 0.5-1.1 s). */
enum { PAR_MIN = 1 << 20, DENSE_MAX = 64, KRYLOV_MAX = 48, MAX_RESTARTS = 150, CHUNK = 4096, META_MAX = 4096,
       SWEEP_CHUNK = 1024 };
/* Residual ||M y - theta y|| (unit y) below which the Ritz vectors are
 * taken. umap-learn asks eigsh for 1e-4; on text kNN graphs the top of the
 * spectrum is a tight cluster (0.9994-0.9999 at 63,440 points) and reaching
 * 1e-4 takes ~10 restarts (435 products) where 1e-2 takes one (48), while the
 * layout after 200 epochs is as good from either (bench/umap.md,
 * "Initialisation"). At 1e-2 the vectors are smooth combinations of the top
 * of the spectrum, not the converged pair: set 1e-4 here for those (~6x the
 * time). Status 1 ("loosely") up to EIG_LOOSE_FACTOR times it. */
#define EIG_TOL 1e-2
#define EIG_LOOSE_FACTOR 5

/* ---------------------------------------------------------------- components */

int tc_csr_components(const tc_csr *g, int32_t *labels) {
    size_t n = g->n;
    int64_t *p = malloc(n * sizeof *p); /* (n) union-find parents */
    if (!p) return tc_error(TC_ENOMEM, "components of %zu vertices", n);
    for (size_t i = 0; i < n; i++) p[i] = (int64_t)i;
    for (size_t i = 0; i < n; i++)
        for (int64_t e = g->rowptr[i]; e < g->rowptr[i + 1]; e++) tc_uf_union(p, (int64_t)i, g->col[e]);
    int count = 0;
    for (size_t i = 0; i < n; i++) { /* roots are the smallest members: met first */
        int64_t r = tc_uf_find(p, (int64_t)i);
        labels[i] = r == (int64_t)i ? count++ : labels[r];
    }
    free(p);
    return count;
}

/* ---------------------------------------------------------------- helpers */

static double rng_normal(tc_rng *r) {
    double u1 = tc_rng_uniform(r), u2 = tc_rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Jacobi eigen-decomposition of the symmetric (n, n) a (destroyed):
 * values w (n) descending, vectors as columns of v (n, n). */
static void jacobi_eig(double *a, int n, double *w, double *v) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) v[i * n + j] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, diag = 0;
        for (int i = 0; i < n; i++) {
            diag += a[i * n + i] * a[i * n + i];
            for (int j = i + 1; j < n; j++) off += a[i * n + j] * a[i * n + j];
        }
        if (off <= 1e-30 * (diag + 1e-300)) break;
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++) {
                double apq = a[p * n + q];
                if (fabs(apq) < 1e-300) continue;
                double th = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                double t = (th >= 0 ? 1 : -1) / (fabs(th) + sqrt(th * th + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < n; k++) {
                    double akp = a[k * n + p], akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for (int k = 0; k < n; k++) {
                    double apk = a[p * n + k], aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for (int k = 0; k < n; k++) {
                    double vkp = v[k * n + p], vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
    }
    /* sort descending (selection sort of columns) */
    for (int i = 0; i < n; i++) w[i] = a[i * n + i];
    for (int i = 0; i < n; i++) {
        int best = i;
        for (int j = i + 1; j < n; j++)
            if (w[j] > w[best]) best = j;
        if (best == i) continue;
        double t = w[i]; w[i] = w[best]; w[best] = t;
        for (int k = 0; k < n; k++) {
            t = v[k * n + i]; v[k * n + i] = v[k * n + best]; v[k * n + best] = t;
        }
    }
}

/* The operator M = D^-1/2 W D^-1/2 of a (sub)graph in CSR with local ids. */
typedef struct {
    size_t n;
    const int64_t *rowptr;
    const int32_t *col;
    const float *val;
    const double *isd; /* (n) 1 / sqrt(degree) */
    int nt;
    tc_meter *m;       /* ticked after every product; NULL = none */
} op_t;

static void op_apply(const op_t *o, const double *x, double *y) {
#pragma omp parallel for schedule(static) num_threads(o->nt)
    for (size_t i = 0; i < o->n; i++) {
        double s = 0;
        for (int64_t e = o->rowptr[i]; e < o->rowptr[i + 1]; e++)
            s += o->val[e] * o->isd[o->col[e]] * x[o->col[e]];
        y[i] = s * o->isd[i];
    }
}

/* c[t] = <rows t of v (m, n), x> for t < m, by fixed chunks. */
static void dots(const double *v, int m, size_t n, const double *x, double *c, double *part,
                 int nt) {
    size_t nch = (n + CHUNK - 1) / CHUNK;
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t ch = 0; ch < nch; ch++) {
        size_t a = ch * CHUNK, b = a + CHUNK < n ? a + CHUNK : n;
        for (int t = 0; t < m; t++) {
            double s = 0;
            const double *vt = v + (size_t)t * n;
            for (size_t i = a; i < b; i++) s += vt[i] * x[i];
            part[ch * m + t] = s;
        }
    }
    for (int t = 0; t < m; t++) {
        double s = 0;
        for (size_t ch = 0; ch < nch; ch++) s += part[ch * m + t];
        c[t] = s;
    }
}

/* x -= sum_t c[t] v_t */
static void axpy_rows(const double *v, int m, size_t n, const double *c, double *x, int nt) {
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (int t = 0; t < m; t++) s += c[t] * v[(size_t)t * n + i];
        x[i] -= s;
    }
}

/* ---------------------------------------------------------------- solver */

/* Largest nev eigenvectors of the operator orthogonal to v0 (unit) into
 * y (nev, n), their eigenvalues into lam (nev; may be NULL). Returns 0 when
 * converged (residual < tol), 1 when only loosely (< EIG_LOOSE_FACTOR tol),
 * -1 on failure. The plain version: the reference for krylov_fast below. */
static int krylov_ref(const op_t *o, const double *v0, int nev, double tol, tc_rng *rng, double *y,
                      double *lam) {
    size_t n = o->n;
    int nt = o->nt, mmax = KRYLOV_MAX;
    if ((size_t)mmax > n - 1) mmax = (int)(n - 1);
    int keep = nev + 3 < mmax - 1 ? nev + 3 : mmax - 1;
    if (keep < nev) return -1;
    size_t nch = (n + CHUNK - 1) / CHUNK;
    double *V = malloc((size_t)mmax * n * sizeof *V), *W = malloc((size_t)mmax * n * sizeof *W);
    double *w = malloc(n * sizeof *w), *part = malloc(nch * (mmax + 1) * sizeof *part);
    double *H = malloc((size_t)mmax * mmax * sizeof *H), *Hc = malloc((size_t)mmax * mmax * sizeof *Hc);
    double *S = malloc((size_t)mmax * mmax * sizeof *S), *th = malloc(mmax * sizeof *th);
    double *c = malloc((mmax + 1) * sizeof *c);
    int status = -1;
    if (!V || !W || !w || !part || !H || !Hc || !S || !th || !c) goto out;
    for (size_t i = 0; i < n; i++) w[i] = rng_normal(rng);
    int j = 0, fresh = 1, guard = 0;
    double best_res = INFINITY;
    for (int restart = 0; restart <= MAX_RESTARTS; restart++) {
        while (j < mmax) {
            if (!fresh) memcpy(w, W + (size_t)(j - 1) * n, n * sizeof *w);
            fresh = 0;
            double nrm = 0;
            for (int pass = 0; pass < 2; pass++) {
                dots(v0, 1, n, w, c, part, nt);
                axpy_rows(v0, 1, n, c, w, nt);
                if (j > 0) {
                    dots(V, j, n, w, c, part, nt);
                    axpy_rows(V, j, n, c, w, nt);
                }
            }
            dots(w, 1, n, w, &nrm, part, nt);
            nrm = sqrt(nrm);
            if (!(nrm > 1e-10)) { /* invariant subspace: continue from a random vector */
                for (size_t i = 0; i < n; i++) w[i] = rng_normal(rng);
                fresh = 1;
                if (++guard > 4 * mmax) goto out;
                continue;
            }
            double *vj = V + (size_t)j * n, *wj = W + (size_t)j * n;
            for (size_t i = 0; i < n; i++) vj[i] = w[i] / nrm;
            op_apply(o, vj, wj);
            dots(V, j + 1, n, wj, c, part, nt);
            for (int i = 0; i <= j; i++) H[i * mmax + j] = H[j * mmax + i] = c[i];
            j++;
        }
        /* Rayleigh-Ritz */
        for (int a = 0; a < j; a++)
            for (int b = 0; b < j; b++) Hc[a * j + b] = 0.5 * (H[a * mmax + b] + H[b * mmax + a]);
        jacobi_eig(Hc, j, th, S);
        /* Ritz vectors Y = S^T V and A Y = S^T W, the first `keep` */
        double *ny = malloc((size_t)keep * n * sizeof *ny), *nay = malloc((size_t)keep * n * sizeof *nay);
        if (!ny || !nay) { free(ny); free(nay); goto out; }
#pragma omp parallel for schedule(static) num_threads(nt)
        for (size_t i = 0; i < n; i++)
            for (int t = 0; t < keep; t++) {
                double sy = 0, sa = 0;
                for (int a = 0; a < j; a++) {
                    sy += S[a * j + t] * V[(size_t)a * n + i];
                    sa += S[a * j + t] * W[(size_t)a * n + i];
                }
                ny[(size_t)t * n + i] = sy;
                nay[(size_t)t * n + i] = sa;
            }
        double res = 0;
        for (int t = 0; t < nev; t++) {
            for (size_t i = 0; i < n; i++) w[i] = nay[(size_t)t * n + i] - th[t] * ny[(size_t)t * n + i];
            double r2;
            dots(w, 1, n, w, &r2, part, nt);
            if (sqrt(r2) > res) res = sqrt(r2);
        }
        memcpy(V, ny, (size_t)keep * n * sizeof *V);
        memcpy(W, nay, (size_t)keep * n * sizeof *W);
        free(ny);
        free(nay);
        for (int a = 0; a < keep; a++)
            for (int b = 0; b < keep; b++) H[a * mmax + b] = a == b ? th[a] : 0.0;
        j = keep;
        if (res < best_res) best_res = res;
        if (res < tol || restart == MAX_RESTARTS) {
            memcpy(y, V, (size_t)nev * n * sizeof *y);
            if (lam) memcpy(lam, th, nev * sizeof *lam);
            status = res < tol ? 0 : res < EIG_LOOSE_FACTOR * tol ? 1 : -1;
            break;
        }
    }
out:
    free(V); free(W); free(w); free(part); free(H); free(Hc); free(S); free(th); free(c);
    return status;
}

/* ---------------------------------------------------------------- fast solver */

/* The same thick-restart Lanczos with the vector work fused into three
 * sweeps over the basis per step (Daniel, Gragg, Kaufman & Stewart's
 * "twice is enough" classical Gram-Schmidt): the projections of A v_j on the
 * basis, which are the new column of V^T A V, also serve as the first
 * Gram-Schmidt pass of the next vector, and each chunk of rows subtracts one
 * pass and takes the dot products of the next while it is in cache. Row 0
 * of the basis is v0 (locked). Chunks are fixed, partial sums are added in
 * chunk order: the result does not depend on the thread count. */

/* part[ch * ld + t] = <B_t, x> over chunk ch, t < m; c = sum over chunks. */
static void sum_parts(const double *part, size_t nch, int m, int ld, double *c) {
    for (int t = 0; t < m; t++) {
        double s = 0;
        for (size_t ch = 0; ch < nch; ch++) s += part[ch * ld + t];
        c[t] = s;
    }
}

static double dot_range(const double *restrict a, const double *restrict b, size_t lo, size_t hi) {
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (size_t i = lo; i < hi; i++) s += a[i] * b[i];
    return s;
}

/* w[lo, hi) -= c * b[lo, hi) */
static void sub_range(double *restrict w, const double *restrict b, double c, size_t lo, size_t hi) {
#pragma omp simd
    for (size_t i = lo; i < hi; i++) w[i] -= c * b[i];
}

/* w = src - B^T c1 (B: m rows), then the chunk partials of <B_t, w> for
 * t < m and of <w, w> at t = m. src NULL: w in place; c1 NULL: no
 * subtraction. */
static void sweep_sub_dot(const double *B, int m, size_t n, const double *src, double *w,
                          const double *c1, double *part, int ld, int nt) {
    size_t nch = (n + SWEEP_CHUNK - 1) / SWEEP_CHUNK;
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t ch = 0; ch < nch; ch++) {
        size_t a = ch * SWEEP_CHUNK, b = a + SWEEP_CHUNK < n ? a + SWEEP_CHUNK : n;
        if (src) memcpy(w + a, src + a, (b - a) * sizeof *w);
        for (int t = 0; c1 && t < m; t++) {
            sub_range(w, B + (size_t)t * n, c1[t], a, b);
        }
        for (int t = 0; t < m; t++) part[ch * ld + t] = dot_range(B + (size_t)t * n, w, a, b);
        part[ch * ld + m] = dot_range(w, w, a, b);
    }
}

/* A (w / nrm) into aw and w / nrm into v, row by row, then the chunk
 * partials of <B_t, aw> for t < m (B's row m-1 is v itself). */
static void sweep_apply(const op_t *o, const float *sv, const double *w, double nrm, double *v,
                        double *aw, const double *B, int m, double *part, int ld) {
    size_t n = o->n, nch = (n + SWEEP_CHUNK - 1) / SWEEP_CHUNK;
    double inv = 1.0 / nrm;
#pragma omp parallel for schedule(static) num_threads(o->nt)
    for (size_t ch = 0; ch < nch; ch++) {
        size_t a = ch * SWEEP_CHUNK, b = a + SWEEP_CHUNK < n ? a + SWEEP_CHUNK : n;
        for (size_t i = a; i < b; i++) {
            double s = 0;
            for (int64_t e = o->rowptr[i]; e < o->rowptr[i + 1]; e++) s += sv[e] * w[o->col[e]];
            aw[i] = s * inv;
            v[i] = w[i] * inv;
        }
        for (int t = 0; t < m; t++) part[ch * ld + t] = dot_range(B + (size_t)t * n, aw, a, b);
    }
}

static int krylov_fast(const op_t *o, const double *v0, int nev, double tol, tc_rng *rng, double *y,
                       double *lam) {
    size_t n = o->n;
    int nt = o->nt, mmax = KRYLOV_MAX;
    if ((size_t)mmax > n - 1) mmax = (int)(n - 1);
    int keep = nev + 3 < mmax - 1 ? nev + 3 : mmax - 1;
    if (keep < nev) return -1;
    size_t nch = (n + SWEEP_CHUNK - 1) / SWEEP_CHUNK;
    int ld = mmax + 2;
    /* B (mmax + 1, n): row 0 is v0, rows 1.. the basis V; W (mmax, n) = A V */
    double *B = malloc((size_t)(mmax + 1) * n * sizeof *B), *W = malloc((size_t)mmax * n * sizeof *W);
    double *w = malloc(n * sizeof *w), *part = malloc(nch * ld * sizeof *part);
    double *H = malloc((size_t)mmax * mmax * sizeof *H), *Hc = malloc((size_t)mmax * mmax * sizeof *Hc);
    double *S = malloc((size_t)mmax * mmax * sizeof *S), *th = malloc(mmax * sizeof *th);
    double *c = calloc(ld, sizeof *c), *c2 = malloc(ld * sizeof *c2);
    double *ny = malloc((size_t)keep * n * sizeof *ny), *nay = malloc((size_t)keep * n * sizeof *nay);
    double *rpart = malloc(nch * keep * sizeof *rpart), *rr = malloc(keep * sizeof *rr);
    float *sv = malloc((o->rowptr[n] + 1) * sizeof *sv); /* (nnz) entries of M */
    int status = -1, nmv = 0, nrs = 0;
    double res = INFINITY;
    if (!B || !W || !w || !part || !H || !Hc || !S || !th || !c || !c2 || !ny || !nay || !rpart ||
        !rr || !sv)
        goto out;
    /* isd_i isd_j is the same product both ways, so sv stays symmetric */
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t i = 0; i < n; i++)
        for (int64_t e = o->rowptr[i]; e < o->rowptr[i + 1]; e++)
            sv[e] = (float)(o->val[e] * (o->isd[i] * o->isd[o->col[e]]));
    memcpy(B, v0, n * sizeof *B);
    double *V = B + n;
    for (size_t i = 0; i < n; i++) w[i] = rng_normal(rng);
    int j = 0, guard = 0, have_c = 0;
    const double *src = NULL; /* candidate: W row j - 1, or w itself */
    for (int restart = 0; restart <= MAX_RESTARTS; restart++) {
        while (j < mmax) {
            int m = j + 1; /* v0 and the j basis vectors */
            if (!have_c) { /* first pass's coefficients by a plain sweep */
                sweep_sub_dot(B, m, n, src, w, NULL, part, ld, nt);
                sum_parts(part, nch, m, ld, c);
                src = NULL;
            }
            sweep_sub_dot(B, m, n, src, w, c, part, ld, nt);
            sum_parts(part, nch, m, ld, c2);
            sweep_sub_dot(B, m, n, NULL, w, c2, part, ld, nt);
            double nrm2;
            sum_parts(part + m, nch, 1, ld, &nrm2);
            double nrm = sqrt(nrm2);
            if (!(nrm > 1e-10)) { /* invariant subspace: continue from a random vector */
                for (size_t i = 0; i < n; i++) w[i] = rng_normal(rng);
                src = NULL;
                have_c = 0;
                if (++guard > 4 * mmax) goto out;
                continue;
            }
            sweep_apply(o, sv, w, nrm, V + (size_t)j * n, W + (size_t)j * n, B, m + 1, part, ld);
            nmv++;
            if (tc_meter_tick(o->m)) { status = TC_ECANCELED; goto out; }
            sum_parts(part, nch, m + 1, ld, c);
            for (int i = 0; i <= j; i++) H[i * mmax + j] = H[j * mmax + i] = c[i + 1];
            src = W + (size_t)j * n;
            have_c = 1;
            j++;
        }
        /* Rayleigh-Ritz */
        nrs++;
        for (int a = 0; a < j; a++)
            for (int b = 0; b < j; b++) Hc[a * j + b] = 0.5 * (H[a * mmax + b] + H[b * mmax + a]);
        jacobi_eig(Hc, j, th, S);
        /* Ritz vectors Y = S^T V, A Y = S^T W (the first keep) and their residuals */
#pragma omp parallel for schedule(static) num_threads(nt)
        for (size_t ch = 0; ch < nch; ch++) {
            if (tc_meter_poll(o->m, 0)) continue; /* item 0: every chunk polls */
            size_t lo = ch * SWEEP_CHUNK, hi = lo + SWEEP_CHUNK < n ? lo + SWEEP_CHUNK : n;
            for (int t = 0; t < keep; t++) {
                double *yt = ny + (size_t)t * n, *ayt = nay + (size_t)t * n;
                for (size_t i = lo; i < hi; i++) yt[i] = ayt[i] = 0;
                for (int a = 0; a < j; a++) {
                    double s = S[a * j + t];
                    const double *va = V + (size_t)a * n, *wa = W + (size_t)a * n;
                    for (size_t i = lo; i < hi; i++) {
                        yt[i] += s * va[i];
                        ayt[i] += s * wa[i];
                    }
                }
                double r = 0;
                for (size_t i = lo; i < hi; i++) {
                    double d = ayt[i] - th[t] * yt[i];
                    r += d * d;
                }
                rpart[ch * keep + t] = r;
            }
        }
        if (tc_meter_tick(o->m)) { status = TC_ECANCELED; goto out; }
        sum_parts(rpart, nch, keep, keep, rr);
        res = 0;
        for (int t = 0; t < nev; t++) if (sqrt(rr[t]) > res) res = sqrt(rr[t]);
        memcpy(V, ny, (size_t)keep * n * sizeof *V);
        memcpy(W, nay, (size_t)keep * n * sizeof *W);
        for (int a = 0; a < keep; a++)
            for (int b = 0; b < keep; b++) H[a * mmax + b] = a == b ? th[a] : 0.0;
        j = keep;
        src = W + (size_t)(j - 1) * n;
        have_c = 0;
        if (res < tol || restart == MAX_RESTARTS) {
            memcpy(y, V, (size_t)nev * n * sizeof *y);
            if (lam) memcpy(lam, th, nev * sizeof *lam);
            status = res < tol ? 0 : res < EIG_LOOSE_FACTOR * tol ? 1 : -1;
            break;
        }
    }
out:
    if (n >= 10000) /* the main components, not the many small ones */
        tc_log(TC_LOG_DEBUG, "umap: spectral solve of %zu vertices: %d restarts, %d products, "
               "residual %.2g", n, nrs, nmv, res);
    free(B); free(W); free(w); free(part); free(H); free(Hc); free(S); free(th); free(c); free(c2);
    free(ny); free(nay); free(rpart); free(rr); free(sv);
    return status;
}

/* Spectral layout of one connected (sub)graph into e (n, dim): 0 ok. */
static int spectral_component(const op_t *o, const double *sqrt_deg, int dim, tc_rng *rng,
                              float *e) {
    size_t n = o->n;
    if (n < (size_t)dim + 1) return -1;
    double nrm = 0;
    for (size_t i = 0; i < n; i++) nrm += sqrt_deg[i] * sqrt_deg[i];
    nrm = sqrt(nrm);
    if (n <= DENSE_MAX) {
        double *a = malloc(n * n * sizeof *a), *v = malloc(n * n * sizeof *v);
        double *x = calloc(n, sizeof *x), *w = malloc(n * sizeof *w);
        if (!a || !v || !x || !w) { free(a); free(v); free(x); free(w); return -1; }
        for (size_t j = 0; j < n; j++) {
            x[j] = 1;
            op_apply(o, x, w);
            for (size_t i = 0; i < n; i++) a[i * n + j] = w[i];
            x[j] = 0;
        }
        jacobi_eig(a, (int)n, w, v);
        for (size_t i = 0; i < n; i++)
            for (int t = 0; t < dim; t++) e[i * dim + t] = (float)v[i * n + t + 1];
        free(a); free(v); free(x); free(w);
        return 0;
    }
    double *v0 = malloc(n * sizeof *v0), *y = malloc((size_t)dim * n * sizeof *y);
    if (!v0 || !y) { free(v0); free(y); return -1; }
    for (size_t i = 0; i < n; i++) v0[i] = sqrt_deg[i] / nrm;
    int st = krylov_fast(o, v0, dim, EIG_TOL, rng, y, NULL);
    if (st == TC_ECANCELED) { free(v0); free(y); return st; }
    if (st >= 0)
        for (size_t i = 0; i < n; i++)
            for (int t = 0; t < dim; t++) e[i * dim + t] = (float)y[(size_t)t * n + i];
    if (st == 1) tc_info("umap: spectral initialisation converged only loosely");
    free(v0); free(y);
    return st >= 0 ? 0 : -1;
}

int tc_spectral_eigs(const tc_csr *g, int nev, uint64_t seed, int n_threads, int method,
                     double tol, double *vec, double *val) {
    size_t n = g->n;
    if (nev < 1 || n < (size_t)nev + 2 || (method == TC_EIG_DENSE && n > 2000))
        return tc_error(TC_EINVAL, "spectral eigs: n=%zu, nev=%d, method %d", n, nev, method);
    double *sd = malloc(n * sizeof *sd), *isd = malloc(n * sizeof *isd), *v0 = malloc(n * sizeof *v0);
    int rc = 0;
    if (!sd || !isd || !v0) { rc = tc_error(TC_ENOMEM, "spectral eigs"); goto done; }
    double nrm = 0;
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t t = g->rowptr[i]; t < g->rowptr[i + 1]; t++) s += g->val[t];
        sd[i] = sqrt(s);
        isd[i] = s > 0 ? 1 / sd[i] : 0;
        nrm += s;
    }
    for (size_t i = 0; i < n; i++) v0[i] = sd[i] / sqrt(nrm);
    op_t o = {n, g->rowptr, g->col, g->val, isd, tc_threads(n_threads), NULL};
    tc_rng rng = tc_rng_derive(seed, 0x5bec7a1ULL);
    if (method == TC_EIG_DENSE) {
        double *a = malloc(n * n * sizeof *a), *v = malloc(n * n * sizeof *v);
        double *x = calloc(n, sizeof *x), *w = malloc(n * sizeof *w);
        if (!a || !v || !x || !w) rc = tc_error(TC_ENOMEM, "spectral eigs");
        else {
            for (size_t j = 0; j < n; j++) {
                x[j] = 1;
                op_apply(&o, x, w);
                for (size_t i = 0; i < n; i++) a[i * n + j] = w[i];
                x[j] = 0;
            }
            jacobi_eig(a, (int)n, w, v);
            for (int t = 0; t < nev; t++) {
                if (val) val[t] = w[t + 1];
                for (size_t i = 0; i < n; i++) vec[(size_t)t * n + i] = v[i * n + t + 1];
            }
        }
        free(a); free(v); free(x); free(w);
    } else {
        if (!(tol > 0)) tol = EIG_TOL;
        rc = method == TC_EIG_REF ? krylov_ref(&o, v0, nev, tol, &rng, vec, val)
                                  : krylov_fast(&o, v0, nev, tol, &rng, vec, val);
        if (rc < 0) rc = tc_error(TC_EINVAL, "spectral eigs: no convergence");
    }
done:
    free(sd); free(isd); free(v0);
    return rc;
}

/* ---------------------------------------------------------------- layout */

static int component_layout(const tc_csr *g, const int32_t *lab, int nc, const float *xn,
                            int d, int dim, tc_rng *rng, int nt, tc_meter *meter, float *out,
                            int *failed);

int tc_spectral_init(const tc_csr *g, const float *xn, int d, int dim, uint64_t seed,
                     int n_threads, tc_meter *m, float *out, int *fell_back) {
    size_t n = g->n;
    int nt = tc_threads(n_threads);
    tc_rng rng = tc_rng_derive(seed, 0x5bec7a1ULL);
    int32_t *lab = malloc(n * sizeof *lab);
    if (!lab) return tc_error(TC_ENOMEM, "spectral init");
    int nc = tc_csr_components(g, lab);
    if (nc < 0) { free(lab); return nc; }
    int failed = 0;
    int rc = component_layout(g, lab, nc, xn, d, dim, &rng, nt, m, out, &failed);
    free(lab);
    if (rc) return rc;
    if (failed) {
        tc_warn("umap: spectral initialisation failed (the eigensolver did not converge); "
                "falling back to random initialisation");
        for (size_t i = 0; i < n * dim; i++) out[i] = (float)(tc_rng_uniform(&rng) * 20 - 10);
    } else {
        double mx = 0;
        for (size_t i = 0; i < n * dim; i++) if (fabs(out[i]) > mx) mx = fabs(out[i]);
        float ex = mx > 0 ? (float)(10.0 / mx) : 1.0f;
        for (size_t i = 0; i < n * dim; i++)
            out[i] = out[i] * ex + (float)(1e-4 * rng_normal(&rng));
    }
    if (fell_back) *fell_back = failed;
    return 0;
}

/* Centres (nc, dim) of the components in 2-D (umap-learn component_layout). */
static int meta_layout(const int32_t *lab, size_t n, int nc, const float *xn, int d, int dim,
                       tc_rng *rng, int nt, double *meta) {
    if (nc <= 2 * dim) {
        int k = (nc + 1) / 2;
        for (int c = 0; c < nc; c++)
            for (int t = 0; t < dim; t++)
                meta[c * dim + t] = (c % k == t) ? (c < k ? 1.0 : -1.0) : 0.0;
        return 0;
    }
    if (nc > META_MAX || !xn) { /* too many for a dense affinity: spread at random */
        for (int i = 0; i < nc * dim; i++) meta[i] = tc_rng_uniform(rng) * 2 - 1;
        return 0;
    }
    double *cen = calloc((size_t)nc * d, sizeof *cen), *aff = malloc((size_t)nc * nc * sizeof *aff);
    double *sd = calloc(nc, sizeof *sd);
    if (!cen || !aff || !sd) { free(cen); free(aff); free(sd); return TC_ENOMEM; }
    for (size_t i = 0; i < n; i++)
        for (int t = 0; t < d; t++) cen[(size_t)lab[i] * d + t] += xn[i * d + t];
    for (int c = 0; c < nc; c++) {
        double s = 0;
        for (int t = 0; t < d; t++) s += cen[(size_t)c * d + t] * cen[(size_t)c * d + t];
        s = s > 0 ? 1 / sqrt(s) : 0;
        for (int t = 0; t < d; t++) cen[(size_t)c * d + t] *= s;
    }
    for (int a = 0; a < nc; a++)
        for (int b = 0; b < nc; b++) {
            double s = 0;
            for (int t = 0; t < d; t++) s += cen[(size_t)a * d + t] * cen[(size_t)b * d + t];
            double dist = a == b ? 0 : 1 - s;
            aff[(size_t)a * nc + b] = exp(-dist * dist);
        }
    /* dense affinity as CSR, then its spectral embedding divided by sqrt(degree) */
    int64_t *rp = malloc((nc + 1) * sizeof *rp);
    int32_t *cl = malloc((size_t)nc * nc * sizeof *cl);
    float *vl = malloc((size_t)nc * nc * sizeof *vl);
    double *isd = malloc(nc * sizeof *isd);
    float *e = malloc((size_t)nc * dim * sizeof *e);
    int rc = 0;
    if (!rp || !cl || !vl || !isd || !e) { rc = TC_ENOMEM; goto done; }
    for (int a = 0; a <= nc; a++) rp[a] = (int64_t)a * nc;
    for (int a = 0; a < nc; a++) {
        double deg = 0;
        for (int b = 0; b < nc; b++) {
            cl[(size_t)a * nc + b] = b;
            vl[(size_t)a * nc + b] = (float)aff[(size_t)a * nc + b];
            deg += aff[(size_t)a * nc + b];
        }
        sd[a] = sqrt(deg);
        isd[a] = 1 / sd[a];
    }
    op_t o = {(size_t)nc, rp, cl, vl, isd, nc >= PAR_MIN ? nt : 1, NULL};
    if (spectral_component(&o, sd, dim, rng, e) != 0) {
        for (int i = 0; i < nc * dim; i++) meta[i] = tc_rng_uniform(rng) * 2 - 1;
    } else {
        double mx = 0;
        for (int c = 0; c < nc; c++)
            for (int t = 0; t < dim; t++) {
                meta[c * dim + t] = e[c * dim + t] * isd[c];
                if (fabs(meta[c * dim + t]) > mx) mx = fabs(meta[c * dim + t]);
            }
        for (int i = 0; i < nc * dim; i++) meta[i] /= mx > 0 ? mx : 1;
    }
done:
    free(cen); free(aff); free(sd); free(rp); free(cl); free(vl); free(isd); free(e);
    return rc;
}

static int component_layout(const tc_csr *g, const int32_t *lab, int nc, const float *xn,
                            int d, int dim, tc_rng *rng, int nt, tc_meter *meter, float *out,
                            int *failed) {
    size_t n = g->n;
    double *deg = malloc(n * sizeof *deg), *sd = malloc(n * sizeof *sd), *isd = malloc(n * sizeof *isd);
    double *meta = malloc((size_t)nc * dim * sizeof *meta);
    int32_t *loc = malloc(n * sizeof *loc), *order = malloc(n * sizeof *order);
    int64_t *start = calloc(nc + 1, sizeof *start), *rp = malloc((n + 1) * sizeof *rp);
    int32_t *cl = malloc((g->nnz + 1) * sizeof *cl);
    double *sdl = malloc(n * sizeof *sdl), *isdl = malloc(n * sizeof *isdl);
    float *e = malloc(n * dim * sizeof *e);
    int rc = 0;
    if (!deg || !sd || !isd || !meta || !loc || !order || !start || !rp || !cl || !sdl || !isdl || !e) {
        rc = tc_error(TC_ENOMEM, "spectral init");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t t = g->rowptr[i]; t < g->rowptr[i + 1]; t++) s += g->val[t];
        deg[i] = s;
        sd[i] = sqrt(s);
        isd[i] = s > 0 ? 1 / sd[i] : 0;
    }
    if (nc == 1) {
        op_t o = {n, g->rowptr, g->col, g->val, isd, n >= PAR_MIN ? nt : 1, meter};
        int st = spectral_component(&o, sd, dim, rng, out);
        if (st == TC_ECANCELED) rc = tc_error(st, "umap: canceled");
        else if (st != 0) *failed = 1;
        goto done;
    }
    if ((rc = meta_layout(lab, n, nc, xn, d, dim, rng, nt, meta)) != 0) {
        rc = tc_error(rc, "spectral init: component centres");
        goto done;
    }
    /* vertices grouped by component, local ids */
    for (size_t i = 0; i < n; i++) start[lab[i] + 1]++;
    for (int c = 0; c < nc; c++) start[c + 1] += start[c];
    {
        int64_t *fill = malloc((nc + 1) * sizeof *fill);
        if (!fill) { rc = tc_error(TC_ENOMEM, "spectral init"); goto done; }
        memcpy(fill, start, (nc + 1) * sizeof *fill);
        for (size_t i = 0; i < n; i++) {
            int64_t at = fill[lab[i]]++;
            order[at] = (int32_t)i;
            loc[i] = (int32_t)(at - start[lab[i]]);
        }
        free(fill);
    }
    for (int c = 0; c < nc; c++) {
        if ((rc = tc_meter_tick(meter))) goto done;
        size_t m = (size_t)(start[c + 1] - start[c]);
        const int32_t *vs = order + start[c];
        const double *mc = meta + (size_t)c * dim;
        double range = INFINITY;
        for (int o2 = 0; o2 < nc; o2++) {
            double s = 0;
            for (int t = 0; t < dim; t++) s += (meta[o2 * dim + t] - mc[t]) * (meta[o2 * dim + t] - mc[t]);
            if (s > 0 && sqrt(s) < range) range = sqrt(s);
        }
        range = isinf(range) ? 1.0 : range / 2;
        int ok = 0;
        if (m >= (size_t)(2 * dim) && m > (size_t)dim + 1) {
            /* local CSR of the component (rows in `order`, columns local) */
            rp[0] = 0;
            for (size_t r = 0; r < m; r++) {
                int32_t i = vs[r];
                int64_t len = g->rowptr[i + 1] - g->rowptr[i];
                rp[r + 1] = rp[r] + len;
                for (int64_t t = 0; t < len; t++) cl[rp[r] + t] = loc[g->col[g->rowptr[i] + t]];
                sdl[r] = sd[i];
                isdl[r] = isd[i];
            }
            /* values: gather into a float buffer aligned with cl */
            float *vl = malloc((rp[m] + 1) * sizeof *vl);
            if (!vl) { rc = tc_error(TC_ENOMEM, "spectral init"); goto done; }
            for (size_t r = 0; r < m; r++) {
                int32_t i = vs[r];
                memcpy(vl + rp[r], g->val + g->rowptr[i], (rp[r + 1] - rp[r]) * sizeof *vl);
            }
            op_t o = {m, rp, cl, vl, isdl, m >= PAR_MIN ? nt : 1, meter};
            int st = spectral_component(&o, sdl, dim, rng, e);
            free(vl);
            if (st == TC_ECANCELED) { rc = tc_error(st, "umap: canceled"); goto done; }
            ok = st == 0;
            if (ok) {
                double mx = 0;
                for (size_t i = 0; i < m * dim; i++) if (fabs(e[i]) > mx) mx = fabs(e[i]);
                double ex = mx > 0 ? range / mx : 0;
                for (size_t r = 0; r < m; r++)
                    for (int t = 0; t < dim; t++)
                        out[(size_t)vs[r] * dim + t] = (float)(e[r * dim + t] * ex + mc[t]);
            } else {
                tc_warn("umap: spectral layout of a component of %zu points failed; "
                        "placing it at random", m);
            }
        }
        if (!ok)
            for (size_t r = 0; r < m; r++)
                for (int t = 0; t < dim; t++)
                    out[(size_t)vs[r] * dim + t] =
                        (float)((tc_rng_uniform(rng) * 2 - 1) * range + mc[t]);
    }
done:
    free(deg); free(sd); free(isd); free(meta); free(loc); free(order); free(start);
    free(rp); free(cl); free(sdl); free(isdl); free(e);
    return rc;
}
