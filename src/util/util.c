/* util.c - errors, logging, thread counts, timing and the string builder. */
#include "util/util.h"

#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- errors */

static _Thread_local char last_error[1024];

const char *tc_last_error(void) { return last_error; }

const char *tc_strerror(int code) {
    switch (code) {
    case TC_OK: return "ok";
    case TC_EINVAL: return "invalid argument";
    case TC_ENOMEM: return "out of memory";
    case TC_EIO: return "input/output error";
    case TC_EFORMAT: return "malformed input";
    case TC_ENOTFOUND: return "not found";
    case TC_EMISMATCH: return "size mismatch";
    case TC_ENET: return "network error";
    case TC_EUNSUPPORTED: return "not supported";
    case TC_ECANCELED: return "canceled";
    default: return "unknown error";
    }
}

int tc_error(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return code;
}

int tc_error_prefix(int code, const char *fmt, ...) {
    char head[512], old[sizeof last_error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, last_error, sizeof old);
    int n = snprintf(last_error, sizeof last_error, "%s: ", head);
    if (n > 0 && (size_t)n < sizeof last_error) {
        size_t room = sizeof last_error - (size_t)n - 1, len = strnlen(old, room);
        memcpy(last_error + n, old, len);
        last_error[(size_t)n + len] = 0;
    }
    return code;
}

/* ---------------------------------------------------------------- logging */

static void default_logger(void *ctx, int level, const char *msg) {
    (void)ctx;
    if (level >= TC_LOG_WARN)
        fprintf(stderr, "textclust: %s: %s\n", level == TC_LOG_WARN ? "warning" : "error", msg);
}

static tc_log_fn logger = default_logger;
static void *logger_ctx;

void tc_set_logger(tc_log_fn fn, void *ctx) {
    logger = fn ? fn : default_logger;
    logger_ctx = fn ? ctx : NULL;
}

void tc_log(int level, const char *fmt, ...) {
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    logger(logger_ctx, level, msg);
}

/* ---------------------------------------------------------------- misc */

/* More threads than cores only adds switching, and libgomp dies creating
 * billions of them; beyond TC_THREADS_PER_CORE per core a request is cut,
 * with one warning per process. */
int tc_threads(int n) {
    int cores = omp_get_num_procs();
    if (cores < 1) cores = 1;
    if (n <= 0) return cores;
    int cap = cores > INT_MAX / TC_THREADS_PER_CORE ? INT_MAX : cores * TC_THREADS_PER_CORE;
    if (n <= cap) return n;
    static int warned;
    if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
        tc_warn("%d threads asked for, using %d (%d per core on %d cores)", n, cap,
                TC_THREADS_PER_CORE, cores);
    return cap;
}

double tc_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

char *tc_strdup(const char *s) { return s ? strdup(s) : NULL; }

int tc_check_finite(const char *path, const float *x, size_t rows, size_t cols) {
    /* blocks tested by exponent bits with no branch (vectorised, 4x an
     * isfinite loop), then the first bad value found in the failing block */
    size_t n = rows * cols, i = 0;
    for (; i < n; i += 4096) {
        size_t end = n - i < 4096 ? n : i + 4096;
        unsigned bad = 0;
        for (size_t k = i; k < end; k++) {
            uint32_t u;
            memcpy(&u, x + k, 4);
            bad |= (u & 0x7f800000u) == 0x7f800000u;
        }
        if (bad) break;
    }
    for (; i < n; i++)
        if (!isfinite(x[i]))
            return tc_error(TC_EFORMAT, "%s: row %zu, column %zu (counting from 0) is %s; every value "
                            "must be a finite number", path, i / cols, i % cols, isnan(x[i]) ? "NaN" : "infinite");
    return 0;
}

/* ---------------------------------------------------------------- strings */

void tc_sb_append(tc_sb *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) { b->oom = 1; return; }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void tc_sb_puts(tc_sb *b, const char *s) { tc_sb_append(b, s, strlen(s)); }

void tc_sb_printf(tc_sb *b, const char *fmt, ...) {
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) { tc_sb_append(b, small, (size_t)n); return; }
    char *big = malloc((size_t)n + 1);
    if (!big) { b->oom = 1; return; }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    tc_sb_append(b, big, (size_t)n);
    free(big);
}

void tc_sb_free(tc_sb *b) {
    free(b->s);
    memset(b, 0, sizeof *b);
}

/* OpenBLAS's own entry point (not in every cblas.h). */
char *openblas_get_corename(void);

/* Debian 12's OpenBLAS does not know newer x86 cores and falls back to its
 * slowest kernel ("Prescott"), about 5x slower. The core type can only be
 * chosen before the library initialises, so re-run ourselves once with
 * OPENBLAS_CORETYPE set. The choice depends on the CPU alone (not on what
 * OpenBLAS picked), so that python/textclust/__init__.py can make the same
 * one before numpy loads OpenBLAS: where OpenBLAS knows the CPU it picks
 * these kernels or ones built on them (Cooperlake, Zen). A value
 * the user or machine set is kept. */
void tc_blas_fix_kernel(char **argv) {
    if (getenv("OPENBLAS_CORETYPE") || getenv("TEXTCLUST_NO_REEXEC")) return;
    __builtin_cpu_init();
    const char *want = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") ? "SkylakeX"
                       : __builtin_cpu_supports("avx2") ? "Haswell" : NULL;
    const char *core = openblas_get_corename();
    if (!want || !core || strcasecmp(core, want) == 0) return;
    setenv("OPENBLAS_CORETYPE", want, 1);
    setenv("TEXTCLUST_NO_REEXEC", "1", 1);  /* never loop */
    execv("/proc/self/exe", argv);
    /* exec failed: carry on with OpenBLAS's choice */
}

int tc_file_in(const char *dir, const char *name) {
    char p[8192];
    struct stat st;
    return snprintf(p, sizeof p, "%s/%s", dir, name) < (int)sizeof p && stat(p, &st) == 0 &&
           S_ISREG(st.st_mode);
}

int tc_progress(tc_progress_fn p, void *ctx, const char *stage, size_t done, size_t total) {
    if (p && p(ctx, stage, done, total)) return tc_error(TC_ECANCELED, "%s: canceled", stage);
    return 0;
}

const char *tc_version(void) { return TC_VERSION; }
int tc_version_number(void) { return TC_VERSION_NUMBER; }

/* ---------------------------------------------------------------- meters */

double tc_meter_interval = 0.1;

int tc_meter_start(tc_meter *m, tc_progress_fn fn, void *ctx, const char *stage, size_t total) {
    *m = (tc_meter){fn, ctx, stage, total, 0, 0, 0, 0};
    return tc_meter_report(m, 0);
}

void tc_meter_add(tc_meter *m, size_t units) {
    if (m) __atomic_fetch_add(&m->done, units, __ATOMIC_RELAXED);
}

int tc_meter_stopped(const tc_meter *m) { return m && __atomic_load_n(&m->stop, __ATOMIC_RELAXED); }

static int meter_call(tc_meter *m, size_t done) {
    if (tc_meter_stopped(m)) return tc_error(TC_ECANCELED, "%s: canceled", m->stage);
    if (done > m->total) done = m->total;
    m->last = tc_now();
    m->shown = done + 1;
    if (tc_progress(m->fn, m->ctx, m->stage, done, m->total)) {
        __atomic_store_n(&m->stop, 1, __ATOMIC_RELAXED);
        return TC_ECANCELED;
    }
    return 0;
}

int tc_meter_tick(tc_meter *m) {
    if (!m) return 0;
    if (tc_meter_stopped(m)) return tc_error(TC_ECANCELED, "%s: canceled", m->stage);
    if (!m->fn || tc_now() - m->last < tc_meter_interval) return 0;
    return meter_call(m, __atomic_load_n(&m->done, __ATOMIC_RELAXED));
}

int tc_meter_tick_at(tc_meter *m, size_t done) {
    if (m && done > __atomic_load_n(&m->done, __ATOMIC_RELAXED)) __atomic_store_n(&m->done, done, __ATOMIC_RELAXED);
    return tc_meter_tick(m);
}

int tc_meter_poll_tick(tc_meter *m) {
    if (omp_get_thread_num() == 0) tc_meter_tick(m);
    return tc_meter_stopped(m);
}

int tc_meter_report(tc_meter *m, size_t done) {
    if (!m) return 0;
    size_t cur = __atomic_load_n(&m->done, __ATOMIC_RELAXED);
    if (done > cur) __atomic_store_n(&m->done, done, __ATOMIC_RELAXED);
    else done = cur;
    if (m->shown == (done < m->total ? done : m->total) + 1 && !tc_meter_stopped(m)) return 0;
    return meter_call(m, done);
}
