/* fuzzy.c - UMAP's fuzzy simplicial set of a kNN graph, and the curve fit.
 *
 * Follows McInnes et al. (arXiv:1802.03426, section 3 and appendix) as
 * umap-learn 0.5 computes it: per point rho (distance to the
 * local_connectivity-th non-zero neighbour, interpolated between integer
 * ranks) and sigma (a 64-step bisection making the memberships
 * exp(-(d - rho) / sigma) over the k - 1 non-self neighbours sum to
 * log2(k), within 1e-5), floored at 1e-3 times the row's (or, when rho is
 * 0, the whole graph's) mean distance; then the fuzzy union / intersection
 * mix of P and its transpose. tc_fuzzy_set_naive is the dense reference.
 */
#include "reduce/reduce.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SMOOTH_K_TOLERANCE 1e-5
#define MIN_K_DIST_SCALE 1e-3
#define N_ITER 64

void tc_csr_free(tc_csr *g) {
    if (!g) return;
    free(g->rowptr);
    free(g->col);
    free(g->val);
    memset(g, 0, sizeof *g);
}

/* ---------------------------------------------------------------- sigma, rho */

static void smooth_row(const float *row, int k, float lc, double target, double mean_all,
                       float *sigma_out, float *rho_out) {
    /* non-zero distances, in the row's (ascending) order */
    int nz = 0, first_nz = -1;
    float max_nz = 0;
    for (int j = 0; j < k; j++)
        if (row[j] > 0.0f) {
            if (first_nz < 0) first_nz = j;
            nz++;
            if (row[j] > max_nz) max_nz = row[j];
        }
    float rho = 0.0f;
    if (nz >= lc) {
        int index = (int)floor(lc);
        double interp = lc - index;
        /* the (index-1)-th non-zero entry: non-zero entries are contiguous
         * after first_nz because rows are ascending and distances >= 0 */
        if (index > 0) {
            rho = row[first_nz + index - 1];
            if (interp > SMOOTH_K_TOLERANCE)
                rho += (float)(interp * (row[first_nz + index] - row[first_nz + index - 1]));
        } else {
            rho = (float)(interp * row[first_nz]);
        }
    } else if (nz > 0) {
        rho = max_nz;
    }
    double lo = 0.0, hi = INFINITY, mid = 1.0;
    for (int it = 0; it < N_ITER; it++) {
        double psum = 0.0;
        for (int j = 1; j < k; j++) {
            float dd = row[j] - rho;
            psum += dd > 0 ? exp(-(dd / mid)) : 1.0;
        }
        if (fabs(psum - target) < SMOOTH_K_TOLERANCE) break;
        if (psum > target) {
            hi = mid;
            mid = (lo + hi) / 2.0;
        } else {
            lo = mid;
            mid = isinf(hi) ? mid * 2 : (lo + hi) / 2.0;
        }
    }
    float sigma = (float)mid;
    if (rho > 0.0f) {
        double m = 0;
        for (int j = 0; j < k; j++) m += row[j];
        m /= k;
        if (sigma < MIN_K_DIST_SCALE * m) sigma = (float)(MIN_K_DIST_SCALE * m);
    } else if (sigma < MIN_K_DIST_SCALE * mean_all) {
        sigma = (float)(MIN_K_DIST_SCALE * mean_all);
    }
    *sigma_out = sigma;
    *rho_out = rho;
}

int tc_smooth_knn_dist(const float *dist, size_t n, int k, float local_connectivity,
                       int n_threads, tc_meter *m, float *sigma, float *rho) {
    double mean_all = 0;
    for (size_t i = 0; i < n * (size_t)k; i++) mean_all += dist[i];
    mean_all /= (double)n * k;
    double target = log2((double)k);
#pragma omp parallel for schedule(static) num_threads(tc_threads(n_threads))
    for (size_t i = 0; i < n; i++) {
        if (tc_meter_poll(m, i)) continue;
        smooth_row(dist + i * k, k, local_connectivity, target, mean_all, &sigma[i], &rho[i]);
    }
    return tc_meter_tick(m);
}

/* ---------------------------------------------------------------- the set */

static float membership(int32_t j, size_t i, float d, float sigma, float rho) {
    if ((size_t)j == i) return 0.0f;
    if (d - rho <= 0.0f || sigma == 0.0f) return 1.0f;
    return (float)exp(-((double)(d - rho) / sigma));
}

int tc_fuzzy_set(const int32_t *idx, const float *dist, size_t n, int k,
                 float local_connectivity, float set_op_mix_ratio, int n_threads, tc_meter *m,
                 tc_csr *out) {
    memset(out, 0, sizeof *out);
    int nt = tc_threads(n_threads);
    size_t nk = n * (size_t)k;
    float *sigma = malloc(n * sizeof *sigma), *rho = malloc(n * sizeof *rho);
    float *pv = malloc(nk * sizeof *pv);         /* (n, k) memberships P */
    int64_t *tptr = calloc(n + 1, sizeof *tptr); /* transposed: rows of P^T */
    int32_t *tcol = malloc(nk * sizeof *tcol);
    float *tval = malloc(nk * sizeof *tval);
    int64_t *cnt = calloc(n + 1, sizeof *cnt);
    int rc = 0;
    if (!sigma || !rho || !pv || !tptr || !tcol || !tval || !cnt) {
        rc = tc_error(TC_ENOMEM, "fuzzy set: %zu x %d", n, k);
        goto done;
    }
    if ((rc = tc_smooth_knn_dist(dist, n, k, local_connectivity, nt, m, sigma, rho))) goto done;
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t i = 0; i < n; i++) {
        if (tc_meter_poll(m, i)) continue;
        for (int j = 0; j < k; j++) {
            int32_t c = idx[i * k + j];
            pv[i * k + j] = c < 0 ? 0.0f : membership(c, i, dist[i * k + j], sigma[i], rho[i]);
        }
    }
    /* P^T by counting sort; rows of P^T get their columns ascending */
    if ((rc = tc_meter_tick(m))) goto done;
    for (size_t i = 0; i < nk; i++)
        if (pv[i] != 0.0f) tptr[idx[i] + 1]++;
    for (size_t i = 0; i < n; i++) tptr[i + 1] += tptr[i];
    memcpy(cnt, tptr, (n + 1) * sizeof *cnt);
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < k; j++) {
            float v = pv[i * k + j];
            if (v == 0.0f) continue;
            int64_t at = cnt[idx[i * k + j]]++;
            tcol[at] = (int32_t)i;
            tval[at] = v;
        }
    /* rows of P, sorted by column (insertion sort; rows are short) */
    int32_t *pc = malloc(nk * sizeof *pc);
    if (!pc) { rc = tc_error(TC_ENOMEM, "fuzzy set"); goto done; }
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t i = 0; i < n; i++) {
        if (tc_meter_poll(m, i)) continue;
        int32_t *c = pc + i * k;
        float *v = pv + i * k;
        int len = 0;
        for (int j = 0; j < k; j++) {
            if (pv[i * k + j] == 0.0f) continue;
            int32_t cj = idx[i * k + j];
            float vj = pv[i * k + j];
            int t = len++;
            while (t > 0 && c[t - 1] > cj) { c[t] = c[t - 1]; v[t] = v[t - 1]; t--; }
            c[t] = cj;
            v[t] = vj;
        }
        for (int j = len; j < k; j++) c[j] = -1;
    }
    if ((rc = tc_meter_tick(m))) { free(pc); goto done; }
    /* merge row i of P with row i of P^T: two passes, count then fill */
    double mix = set_op_mix_ratio;
    for (int pass = 0; pass < 2; pass++) {
#pragma omp parallel for schedule(static) num_threads(nt)
        for (size_t i = 0; i < n; i++) {
            if (tc_meter_poll(m, i)) continue;
            const int32_t *c = pc + i * k;
            const float *v = pv + i * k;
            int a = 0;
            int64_t t = tptr[i], te = tptr[i + 1], w = pass ? out->rowptr[i] : 0;
            size_t len = 0;
            while ((a < k && c[a] >= 0) || t < te) {
                int32_t col;
                double x = 0, y = 0;
                int32_t ca = (a < k && c[a] >= 0) ? c[a] : INT32_MAX;
                int32_t ct = t < te ? tcol[t] : INT32_MAX;
                col = ca < ct ? ca : ct;
                if (ca == col) x = v[a++];
                if (ct == col) y = tval[t++];
                double prod = x * y;
                float r = (float)(mix * (x + y - prod) + (1.0 - mix) * prod);
                if (r == 0.0f) continue;
                if (pass) {
                    out->col[w] = col;
                    out->val[w++] = r;
                } else {
                    len++;
                }
            }
            if (!pass) cnt[i + 1] = (int64_t)len;
        }
        if ((rc = tc_meter_tick(m))) break;
        if (!pass) {
            out->n = n;
            out->rowptr = malloc((n + 1) * sizeof *out->rowptr);
            if (!out->rowptr) { rc = tc_error(TC_ENOMEM, "fuzzy set"); break; }
            out->rowptr[0] = 0;
            for (size_t i = 0; i < n; i++) out->rowptr[i + 1] = out->rowptr[i] + cnt[i + 1];
            out->nnz = (size_t)out->rowptr[n];
            out->col = malloc((out->nnz + 1) * sizeof *out->col);
            out->val = malloc((out->nnz + 1) * sizeof *out->val);
            if (!out->col || !out->val) { rc = tc_error(TC_ENOMEM, "fuzzy set"); break; }
        }
    }
    free(pc);
done:
    free(sigma); free(rho); free(pv); free(tptr); free(tcol); free(tval); free(cnt);
    if (rc) tc_csr_free(out);
    return rc;
}

/* ---------------------------------------------------------------- reference */

int tc_fuzzy_set_naive(const float *xn, size_t n, int d, int k, float local_connectivity,
                       float set_op_mix_ratio, double *w) {
    int32_t *idx = malloc(n * k * sizeof *idx);
    float *dist = malloc(n * k * sizeof *dist);
    double *p = calloc(n * n, sizeof *p);
    if (!idx || !dist || !p) { free(idx); free(dist); free(p); return tc_error(TC_ENOMEM, "naive"); }
    int rc = tc_knn_naive(xn, n, d, k, idx, dist);
    double mean = 0;
    for (size_t i = 0; i < n * k; i++) mean += dist[i];
    mean /= (double)(n * k);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const float *row = dist + i * k;
        /* rho: the local_connectivity-th smallest non-zero distance */
        double nzv[1024];
        int nz = 0;
        for (int j = 0; j < k && nz < 1024; j++)
            if (row[j] > 0) nzv[nz++] = row[j];
        double rho = 0;
        int index = (int)floor(local_connectivity);
        double frac = local_connectivity - index;
        if (nz >= local_connectivity) {
            if (index == 0) rho = frac * nzv[0];
            else {
                rho = nzv[index - 1];
                if (frac > 1e-5) rho += frac * (nzv[index] - nzv[index - 1]);
            }
        } else if (nz > 0) {
            rho = nzv[nz - 1];
        }
        rho = (float)rho;
        double lo = 0, hi = -1, sig = 1, target = log2((double)k);
        for (int it = 0; it < 64; it++) {
            double s = 0;
            for (int j = 1; j < k; j++)
                s += row[j] - rho > 0 ? exp(-(row[j] - rho) / sig) : 1.0;
            if (fabs(s - target) < 1e-5) break;
            if (s > target) { hi = sig; sig = (lo + hi) / 2; }
            else { lo = sig; sig = hi < 0 ? sig * 2 : (lo + hi) / 2; }
        }
        double rowmean = 0;
        for (int j = 0; j < k; j++) rowmean += row[j];
        rowmean /= k;
        double floor_ = rho > 0 ? 1e-3 * rowmean : 1e-3 * mean;
        if (sig < floor_) sig = floor_;
        for (int j = 0; j < k; j++) {
            size_t c = (size_t)idx[i * k + j];
            if (c == i) continue;
            p[i * n + c] = row[j] - rho <= 0 ? 1.0 : exp(-(row[j] - rho) / sig);
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double a = p[i * n + j], b = p[j * n + i];
            w[i * n + j] = set_op_mix_ratio * (a + b - a * b) + (1 - set_op_mix_ratio) * a * b;
        }
    free(idx); free(dist); free(p);
    return rc;
}

/* ---------------------------------------------------------------- a, b */

/* Residuals and Jacobian of 1/(1 + a x^(2b)) - y over the 300 points. */
static double ab_eval(const double *x, const double *y, double a, double b, double jtj[3],
                      double jtr[2]) {
    double sse = 0;
    if (jtj) { jtj[0] = jtj[1] = jtj[2] = jtr[0] = jtr[1] = 0; }
    for (int i = 0; i < 300; i++) {
        double xp = x[i] > 0 ? pow(x[i], 2 * b) : 0.0;
        double den = 1 + a * xp, f = 1 / den, r = f - y[i];
        sse += r * r;
        if (!jtj) continue;
        double ja = -xp / (den * den);
        double jb = x[i] > 0 ? -a * xp * 2 * log(x[i]) / (den * den) : 0.0;
        jtj[0] += ja * ja; jtj[1] += ja * jb; jtj[2] += jb * jb;
        jtr[0] += ja * r; jtr[1] += jb * r;
    }
    return sse;
}

int tc_find_ab(float spread, float min_dist, float *a_out, float *b_out) {
    if (spread == 1.0f && min_dist == 0.1f) { /* umap-learn's fit of the defaults */
        *a_out = 1.5769434603113077f;
        *b_out = 0.8950608779109733f;
        return 0;
    }
    return tc_find_ab_fit(spread, min_dist, a_out, b_out);
}

int tc_find_ab_fit(float spread, float min_dist, float *a_out, float *b_out) {
    if (!(spread > 0) || !(min_dist >= 0))
        return tc_error(TC_EINVAL, "umap: spread=%g min_dist=%g", spread, min_dist);
    double x[300], y[300];
    for (int i = 0; i < 300; i++) {
        x[i] = 3.0 * spread * i / 299.0;
        y[i] = x[i] < min_dist ? 1.0 : exp(-(x[i] - min_dist) / spread);
    }
    double a = 1, b = 1, lambda = 1e-3, jtj[3], jtr[2];
    double sse = ab_eval(x, y, a, b, jtj, jtr);
    for (int it = 0; it < 500; it++) {
        double m00 = jtj[0] * (1 + lambda), m11 = jtj[2] * (1 + lambda), m01 = jtj[1];
        double det = m00 * m11 - m01 * m01;
        if (!(fabs(det) > 0)) break;
        double da = -(m11 * jtr[0] - m01 * jtr[1]) / det;
        double db = -(m00 * jtr[1] - m01 * jtr[0]) / det;
        double na = a + da, nb = b + db;
        double nsse = (nb > 0 && na > 0) ? ab_eval(x, y, na, nb, NULL, NULL) : INFINITY;
        if (nsse < sse) {
            double rel = fabs(da) / (fabs(a) + 1e-12) + fabs(db) / (fabs(b) + 1e-12);
            a = na; b = nb;
            int small = (sse - nsse) <= 1e-15 * sse || rel < 1e-12;
            sse = ab_eval(x, y, a, b, jtj, jtr);
            lambda *= 0.3;
            if (small) break;
        } else {
            lambda *= 10;
            if (lambda > 1e12) break;
        }
    }
    if (!isfinite(a) || !isfinite(b))
        return tc_error(TC_EINVAL, "umap: no curve fits min_dist=%g spread=%g", min_dist, spread);
    *a_out = (float)a;
    *b_out = (float)b;
    return 0;
}
