/* sysinfo.c - the machine as a bug report needs it (textclust --version),
 * and the shuffle that picks the texts of a run, for any caller. */
#include "util/cpu.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* OpenBLAS's own entry points (not in every cblas.h). */
int openblas_get_num_threads(void);
char *openblas_get_corename(void);
char *openblas_get_config(void);

/* ---------------------------------------------------------------- system info */

/* snprintf that appends at *len, counting past cap as snprintf does. */
static void add(char *buf, size_t cap, size_t *len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(*len < cap ? buf + *len : NULL, *len < cap ? cap - *len : 0, fmt, ap);
    va_end(ap);
    if (n > 0) *len += (size_t)n;
}

size_t tc_system_info(char *buf, size_t cap) {
    char feat[512];
    size_t len = 0;
    if (cap) buf[0] = 0;
    tc_cpu_features(feat, sizeof feat);
    const char *env = getenv("TEXTCLUST_CPU");
    add(buf, cap, &len, "cpu level: %s (detected %s; TEXTCLUST_CPU=%s); built for %s\n",
        tc_cpu_name(tc_cpu_level()), tc_cpu_name(tc_cpu_detected()), env ? env : "unset",
        tc_cpu_build_target());
    add(buf, cap, &len, "cpu features: %s\n", *feat ? feat : "(none)");
    add(buf, cap, &len, "blas: %s, core %s, %d threads\n", openblas_get_config(),
        openblas_get_corename(), openblas_get_num_threads());
    return len;
}

/* ---------------------------------------------------------------- the texts of a run */

int tc_shuffle_indices(uint64_t seed, size_t n, size_t *perm) {
    if (n == 0) return 0;
    if (!perm) return tc_error(TC_EINVAL, "tc_shuffle_indices: perm is NULL");
    for (size_t i = 0; i < n; i++) perm[i] = i;
    tc_rng r = tc_rng_derive(seed, 0x5348554646ULL /* the shuffle's stream: "SHUFF" */);
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)tc_rng_below(&r, i);
        size_t t = perm[i - 1];
        perm[i - 1] = perm[j], perm[j] = t;
    }
    return 0;
}
