/* util.h - small helpers every stage may use: error reporting, logging,
 * random numbers, thread counts, timing, a string builder. */
#ifndef TC_UTIL_H
#define TC_UTIL_H

#include "textclust.h"
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---------------------------------------------------------------- errors */

/* Records a printf-style message as the thread's last error and returns
 * code, so a failure reads: return tc_error(TC_EIO, "%s: %s", path, strerror(errno)); */
int tc_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefixes the thread's last error with more context ("texts.json: ...")
 * and returns code unchanged. */
int tc_error_prefix(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---------------------------------------------------------------- logging */

void tc_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define tc_warn(...) tc_log(TC_LOG_WARN, __VA_ARGS__)
#define tc_info(...) tc_log(TC_LOG_INFO, __VA_ARGS__)

/* Calls p(ctx, stage, done, total) when p is set; TC_ECANCELED (message
 * "<stage>: canceled") when it asks to stop, else 0. */
int tc_progress(tc_progress_fn p, void *ctx, const char *stage, size_t done, size_t total);

/* Progress from inside a parallel loop. Any worker adds the units it
 * finished (tc_meter_add) and checks tc_meter_stopped before taking more;
 * only the thread that called the library reports (tc_meter_tick, at most
 * ten times a second, or tc_meter_report, always), so callbacks run where
 * the header promises. fn NULL: counts only, never stops. */
typedef struct tc_meter {
    tc_progress_fn fn;
    void *ctx;
    const char *stage;
    size_t total;
    size_t done;   /* atomic: units finished */
    int stop;      /* atomic: the callback asked to stop */
    double last;   /* the calling thread's latest report (tc_now) */
    size_t shown;  /* done + 1 of the latest report; 0 = none yet */
} tc_meter;

/* Seconds between two tc_meter_tick reports: 0.1. Tests set it to 0 so that
 * every tick reports and report counts do not depend on timing. */
extern double tc_meter_interval;

/* A meter for stage with done = 0; reports that start (the callback may
 * already stop it: the return is tc_meter_report's). */
int tc_meter_start(tc_meter *m, tc_progress_fn fn, void *ctx, const char *stage, size_t total);
void tc_meter_add(tc_meter *m, size_t units);
int tc_meter_stopped(const tc_meter *m);
/* The calling thread: reports done when tc_meter_interval passed since the
 * last report (a caller that added units since its last tick sees done rise
 * strictly). Both return TC_ECANCELED (message set on this
 * thread) once stopped, else 0. */
int tc_meter_tick(tc_meter *m);
/* The calling thread: sets done (forward only), then tc_meter_tick. */
int tc_meter_tick_at(tc_meter *m, size_t done);
/* Inside a parallel loop over items, at item i: every 1024th item the
 * calling thread (OpenMP thread 0) ticks; 1 once the meter is stopped, for
 * every thread (the loop skips its remaining items, and a tc_meter_tick
 * after it returns TC_ECANCELED). m NULL: 0. */
int tc_meter_poll_tick(tc_meter *m);
static inline int tc_meter_poll(tc_meter *m, size_t i) {
    if (!m) return 0;
    return i % 1024 == 0 ? tc_meter_poll_tick(m) : __atomic_load_n(&m->stop, __ATOMIC_RELAXED);
}
/* Sets done (forward only) and reports it, unless the latest report said
 * the same (the start's 0 is always reported). */
int tc_meter_report(tc_meter *m, size_t done);

/* ---------------------------------------------------------------- random */

/* splitmix64: tiny, fast, and good enough to seed and to sample. One state
 * per stream; derive per-item streams with tc_rng_derive. */
typedef struct { uint64_t s; } tc_rng;

static inline uint64_t tc_rng_next(tc_rng *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static inline tc_rng tc_rng_seed(uint64_t seed) { tc_rng r = {seed}; tc_rng_next(&r); return r; }
/* An independent stream for (seed, stream id), e.g. one per stage or item. */
static inline tc_rng tc_rng_derive(uint64_t seed, uint64_t stream) {
    tc_rng r = {seed ^ (stream * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL)};
    tc_rng_next(&r);
    return r;
}
/* Uniform in [0, 1). */
static inline double tc_rng_uniform(tc_rng *r) { return (tc_rng_next(r) >> 11) * 0x1.0p-53; }
/* Uniform integer in [0, n), n > 0. */
static inline uint64_t tc_rng_below(tc_rng *r, uint64_t n) {
    return (uint64_t)(((unsigned __int128)tc_rng_next(r) * n) >> 64);
}

/* ---------------------------------------------------------------- union-find */

/* Parent links over int64 ids; roots are their own parents. Union always
 * hangs the larger root under the smaller, so a root is the smallest id of
 * its set whatever the order of the unions, and concurrent unions from
 * several threads (compare-and-swap) give the same sets. */
static inline int64_t tc_uf_find(int64_t *par, int64_t x) {
    for (;;) {
        int64_t p = __atomic_load_n(&par[x], __ATOMIC_RELAXED);
        if (p == x) return x;
        int64_t gp = __atomic_load_n(&par[p], __ATOMIC_RELAXED);
        if (gp == p) return p;
        __atomic_compare_exchange_n(&par[x], &p, gp, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
        x = gp;
    }
}

static inline void tc_uf_union(int64_t *par, int64_t a, int64_t b) {
    for (;;) {
        a = tc_uf_find(par, a);
        b = tc_uf_find(par, b);
        if (a == b) return;
        if (a > b) { int64_t t = a; a = b; b = t; }
        int64_t expect = b;
        if (__atomic_compare_exchange_n(&par[b], &expect, a, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            return;
    }
}

/* ---------------------------------------------------------------- misc */

/* Resolves a thread-count parameter: 0 (or negative) = all cores, n > 0 as
 * is up to TC_THREADS_PER_CORE x the cores, more is cut to that with a
 * warning. */
#define TC_THREADS_PER_CORE 4
int tc_threads(int n);

/* Wall-clock seconds from an arbitrary origin (monotonic). */
double tc_now(void);

/* 0 when every value of the (rows, cols) array x read from path is finite,
 * else TC_EFORMAT naming the first bad row and column of that file. */
int tc_check_finite(const char *path, const float *x, size_t rows, size_t cols);

/* strdup that accepts NULL (returns NULL). */
char *tc_strdup(const char *s);

/* ---------------------------------------------------------------- UTF-8 */

/* Length (1..4) of the valid UTF-8 sequence at s, which has `left` bytes,
 * or 0 when none starts there (RFC 3629; a NUL byte counts as invalid,
 * since texts are C strings). */
size_t tc_utf8_seq(const unsigned char *s, size_t left);

/* The number of bytes of s[0..len) that are not part of a valid sequence,
 * and a malloc'd NUL-terminated copy with each of them replaced by U+FFFD
 * (NULL when out of memory). */
size_t tc_utf8_invalid(const char *s, size_t len);
char *tc_utf8_repair(const char *s, size_t len);

/* Length of the longest prefix of s (len bytes) of at most max bytes that
 * does not split a UTF-8 sequence. */
size_t tc_utf8_cut(const char *s, size_t len, size_t max);

/* Bytes of the first max_chars code points of s (len bytes): Python's
 * text[:max_chars] on the decoded text. */
size_t tc_utf8_chars(const char *s, size_t len, size_t max_chars);

/* ---------------------------------------------------------------- atomic files */

/* Every file textclust writes goes through this (atomic.c): a unique
 * temporary ".<base>.tmp-<pid>-<random>" in the target's folder (symlinks
 * in the folder's path resolved; mode 0666 less the umask), written through
 * f, then commit: fflush, fsync, fclose, rename over the target, fsync of
 * the folder. Abort (or a failed commit) removes the temporary. Both free
 * what open allocated; a is reusable afterwards. A target that is a
 * symlink is followed (the file it points to is replaced, the link stays);
 * one that exists and is not a regular file (/dev/stdout, /dev/null, a
 * FIFO) is written in place, tmp NULL: renaming over it would replace the
 * device itself. */
typedef struct {
    FILE *f;      /* write the content here */
    char *tmp;    /* the temporary's path */
    char *path;   /* the target, folder resolved */
    char *dir;    /* the target's folder, resolved */
} tc_atomic;

int tc_atomic_open(tc_atomic *a, const char *path);
int tc_atomic_commit(tc_atomic *a);
void tc_atomic_abort(tc_atomic *a);
/* Writes len bytes of data to a->f in pieces of tc_write_chunk bytes; after
 * each, adds it to m (NULL: none) and ticks. A temporary (one that commit
 * will fsync) has each piece sent to the disk as it is written and waits for
 * the piece before, so the fsync at commit finds little left and the reports
 * follow the disk, not the page cache. 0, TC_EIO (message names the file)
 * or TC_ECANCELED; the caller aborts on either. */
int tc_atomic_put(tc_atomic *a, const void *data, size_t len, tc_meter *m);
/* 8 MiB; tests set it smaller to see many pieces. */
extern size_t tc_write_chunk;
/* tc_atomic_write, the bytes added to m as they are written. */
int tc_atomic_write_meter(const char *path, const void *data, size_t len, tc_meter *m);

/* tc_atomic_write, tc_atomic_target and tc_fsync_dir are public:
 * include/textclust.h (files). */

/* Removes the temporaries of path left by processes that no longer exist
 * (kill(pid, 0) fails with ESRCH); returns how many. tc_atomic_open calls
 * it, so the next writer of a target cleans up after a killed one. */
int tc_atomic_clean(const char *path);

/* A fresh temporary name for path (same scheme; not created), malloc'd, for
 * writers that hand the name to another writer, who then renames it over
 * tc_atomic_target(path); the target itself when it is written in place
 * (not a regular file). NULL on error. */
char *tc_atomic_tmp_path(const char *path);

/* ---------------------------------------------------------------- strings */

/* A growable NUL-terminated byte string. Zero-initialise, append, take
 * .s (malloc'd, owned by the caller) or free with tc_sb_free. On allocation
 * failure .oom is set and further appends do nothing. */
typedef struct { char *s; size_t len, cap; int oom; } tc_sb;

void tc_sb_append(tc_sb *b, const char *s, size_t n);
void tc_sb_puts(tc_sb *b, const char *s);
void tc_sb_printf(tc_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tc_sb_free(tc_sb *b);

/* tc_blas_fix_kernel (DESIGN.md, "Matrix speed") is public:
 * include/textclust.h (the machine). */

/* blas.c: OpenBLAS runs on the calling thread only; every function that
 * calls BLAS calls tc_blas_serial first (it sets OpenBLAS's process-wide
 * count to one when it is not, and never raises it), and splits products
 * across its own threads. */
void tc_blas_serial(void);

/* C (m, n) = alpha * A (m, k) B (n, k)^T + beta * C, row-major, the rows of
 * A and C split into contiguous blocks over n_threads threads (0 = all
 * cores), each block one single-threaded sgemm. */
void tc_sgemm_nt(int n_threads, size_t m, size_t n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);

/* 1 if dir/name is a regular file (links followed). */
int tc_file_in(const char *dir, const char *name);

#endif
