/* knn_naive.c - the plain reference for exact k-nearest-neighbour search:
 * every squared L2 distance summed directly in double and rounded to float
 * (the precision of the output), then the k smallest by (distance, id) with
 * an insertion buffer. The tests hold the BLAS path
 * (knn.c) against it. */
#include "index/knn.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>

int tc_knn_search_naive(const float *base, size_t n, int d, const float *q, size_t m, int k,
                        float *dist, int64_t *ids) {
    if (d <= 0 || k <= 0) return tc_error(TC_EINVAL, "knn: d = %d and k = %d must be > 0", d, k);
    if (m == 0) return 0;
    if (!q || !dist || !ids || (n > 0 && !base))
        return tc_error(TC_EINVAL, "knn: NULL array");
    float *bd = malloc((size_t)k * sizeof *bd);   /* (k) best distances, ascending */
    int64_t *bi = malloc((size_t)k * sizeof *bi); /* (k) their ids */
    if (!bd || !bi) {
        free(bd), free(bi);
        return tc_error(TC_ENOMEM, "knn: out of memory");
    }
    for (size_t i = 0; i < m; i++) {
        const float *qi = q + i * (size_t)d;
        int cnt = 0;
        for (size_t j = 0; j < n; j++) {
            const float *bj = base + j * (size_t)d;
            double sum = 0;
            for (int t = 0; t < d; t++) {
                double e = (double)qi[t] - (double)bj[t];
                sum += e * e;
            }
            float s = (float)sum;
            /* ids arrive in ascending order, so an equal distance ranks
             * after; NaN and infinite distances are never neighbours */
            if (!(s < (cnt == k ? bd[k - 1] : INFINITY))) continue;
            int pos = cnt < k ? cnt++ : k - 1;
            while (pos > 0 && bd[pos - 1] > s) {
                bd[pos] = bd[pos - 1], bi[pos] = bi[pos - 1];
                pos--;
            }
            bd[pos] = s, bi[pos] = (int64_t)j;
        }
        for (int r = 0; r < k; r++) {
            dist[i * (size_t)k + r] = r < cnt ? bd[r] : INFINITY;
            ids[i * (size_t)k + r] = r < cnt ? bi[r] : -1;
        }
    }
    free(bd), free(bi);
    return 0;
}
