/* progress.c - one progress bar per stage on a terminal, and the logger. */
#include "cli/cli.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int enabled;          /* bars on: stderr is a terminal and not --quiet */
static int quiet;
static char cur_stage[32];
static double stage_t0, last_draw;
static volatile sig_atomic_t interrupted;

/* The first Ctrl-C asks the running stage to stop at its next report (the
 * library then returns TC_ECANCELED with nothing half-written); a second
 * one kills as usual. */
static void on_sigint(int sig) {
    (void)sig;
    interrupted = 1;
    signal(SIGINT, SIG_DFL);
}

void cli_progress_init(int on) {
    quiet = !on;
    enabled = on && isatty(STDERR_FILENO);
}

void cli_progress_catch_sigint(void) { signal(SIGINT, on_sigint); }

/* "save" and "load" report bytes, shown as MB with one decimal; the others
 * count whole units. */
static int is_bytes(const char *stage) { return !strcmp(stage, "save") || !strcmp(stage, "load"); }
static double in_unit(const char *stage, size_t v) { return is_bytes(stage) ? (double)v / 1e6 : (double)v; }

static const char *unit_of(const char *stage) {
    return !strcmp(stage, "umap")    ? "epochs"
           : !strcmp(stage, "label") ? "clusters"
           : !strcmp(stage, "tfidf") ? "steps"
           : !strcmp(stage, "tree")  ? "nodes"
           : !strcmp(stage, "plot")  ? "points"
           : !strcmp(stage, "commit") ? "files"
           : is_bytes(stage)         ? "MB"
                                     : "texts";
}

/* "1:05", "1:02:03" */
static void clock_text(double s, char *buf, size_t cap) {
    long t = s < 0 ? 0 : s > 360000 ? 360000 : (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, cap, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else snprintf(buf, cap, "%ld:%02ld", t / 60, t % 60);
}

/* A finished stage: one line that stays. */
static void stage_line(const char *stage, size_t done, double now) {
    char el[32];
    double dt = now - stage_t0;
    clock_text(dt, el, sizeof el);
    fprintf(stderr, "\r%-8s %.*f %s in %s", stage, is_bytes(stage), in_unit(stage, done), unit_of(stage), el);
    if (dt > 0) fprintf(stderr, " (%.1f %s/s)", in_unit(stage, done) / dt, unit_of(stage));
    fputs("\033[K\n", stderr);
    cur_stage[0] = 0;
}

int cli_progress(void *ctx, const char *stage, size_t done, size_t total) {
    (void)ctx;
    if (interrupted) return 1;
    if (!enabled) return 0;
    double now = cli_now();
    if (strcmp(stage, cur_stage) != 0) {
        if (cur_stage[0]) fputs("\r\033[K", stderr); /* a stage left unfinished */
        snprintf(cur_stage, sizeof cur_stage, "%s", stage);
        stage_t0 = now;
        last_draw = 0;
    }
    if (total && done >= total) {
        stage_line(stage, done, now);
        return 0;
    }
    if (now - last_draw < 0.1) return 0; /* at most 10 draws a second */
    last_draw = now;
    double dt = now - stage_t0, rate = dt > 0 ? in_unit(stage, done) / dt : 0;
    char el[32], left[32] = "?";
    clock_text(dt, el, sizeof el);
    if (!total) { /* a stream of unknown length: count, rate, time */
        fprintf(stderr, "\r%-8s %.*f %s  %.1f %s/s  %s\033[K", stage, is_bytes(stage), in_unit(stage, done),
                unit_of(stage), rate, unit_of(stage), el);
        return 0;
    }
    if (done > 0 && rate > 0) clock_text(in_unit(stage, total - done) / rate, left, sizeof left);
    enum { WIDTH = 24 };
    int fill = (int)((double)done / (double)total * WIDTH);
    char bar[WIDTH + 1];
    for (int i = 0; i < WIDTH; i++) bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = 0;
    int prec = is_bytes(stage);
    fprintf(stderr, "\r%-8s %3d%% [%s] %.*f/%.*f  %.1f %s/s  %s<%s\033[K", stage,
            (int)(100.0 * (double)done / (double)total), bar, prec, in_unit(stage, done), prec,
            in_unit(stage, total), rate, unit_of(stage), el, left);
    return 0;
}

void cli_progress_end(const char *stage, size_t done) {
    if (!enabled) return;
    if (strcmp(stage, cur_stage) != 0) stage_t0 = cli_now();
    stage_line(stage, done, cli_now());
}

int cli_interrupted(void) { return interrupted; }

void cli_logger(void *ctx, int level, const char *msg) {
    (void)ctx;
    if (level < TC_LOG_WARN && (quiet || level < TC_LOG_INFO)) return;
    if (enabled && cur_stage[0]) fputs("\r\033[K", stderr); /* keep the bar's line clean */
    fprintf(stderr, "textclust: %s",
            level == TC_LOG_WARN ? "warning: " : level >= TC_LOG_ERROR ? "error: " : "");
    cli_term_fputs(msg, stderr);  /* warnings quote texts and file names */
    fputc('\n', stderr);
}

void cli_notef(const char *fmt, ...) {
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (enabled && cur_stage[0]) fputs("\r\033[K", stderr);
    cur_stage[0] = 0;
    fputs("textclust: ", stderr);
    cli_term_fputs(msg, stderr);  /* it names files */
    fputc('\n', stderr);
}

static char first_failure[512]; /* for mpi.c, which gathers each rank's reason */

const char *cli_first_failure(void) { return first_failure; }

int cli_fail(const char *what) {
    if (!first_failure[0]) snprintf(first_failure, sizeof first_failure, "%s", what);
    if (enabled && cur_stage[0]) fputc('\n', stderr);
    fputs("textclust: error: ", stderr);
    cli_term_fputs(what, stderr);  /* library errors quote what they read */
    fputc('\n', stderr);
    return 1;
}

int cli_failf(const char *fmt, ...) {
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n < sizeof small) return cli_fail(n < 0 ? fmt : small);
    char *big = malloc((size_t)n + 1);
    if (!big) return cli_fail(small);  /* cut, but still said */
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    cli_fail(big);
    free(big);
    return 1;
}

double cli_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void cli_vlog(int level, const char *fmt, va_list ap) {
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    cli_logger(NULL, level, msg);
}

void cli_warnf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cli_vlog(TC_LOG_WARN, fmt, ap);
    va_end(ap);
}

void cli_infof(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cli_vlog(TC_LOG_INFO, fmt, ap);
    va_end(ap);
}
