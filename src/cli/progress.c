/* progress.c - one progress bar per stage on a terminal, and the logger. */
#include "cli/cli.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int enabled;          /* bars on: stderr is a terminal and not --quiet */
static int quiet;
static char cur_stage[32];
static double stage_t0, last_draw;

void cli_progress_init(int on) {
    quiet = !on;
    enabled = on && isatty(STDERR_FILENO);
}

int cli_progress(void *ctx, const char *stage, size_t done, size_t total) {
    (void)ctx;
    if (!enabled || !total) return 0;
    double now = tc_now();
    if (strcmp(stage, cur_stage) != 0) {
        snprintf(cur_stage, sizeof cur_stage, "%s", stage);
        stage_t0 = now;
        last_draw = 0;
    }
    if (done < total && now - last_draw < 0.1) return 0;  /* at most 10 draws a second */
    last_draw = now;
    enum { WIDTH = 30 };
    int fill = (int)((double)done / (double)total * WIDTH);
    char bar[WIDTH + 1];
    for (int i = 0; i < WIDTH; i++) bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = 0;
    fprintf(stderr, "\r%-8s [%s] %3d%%  %zu/%zu  %.1fs\033[K", stage, bar,
            (int)(100.0 * (double)done / (double)total), done, total, now - stage_t0);
    if (done >= total) {
        fputc('\n', stderr);
        cur_stage[0] = 0;
    }
    return 0;
}

void cli_logger(void *ctx, int level, const char *msg) {
    (void)ctx;
    if (level < TC_LOG_WARN && (quiet || level < TC_LOG_INFO)) return;
    if (enabled && cur_stage[0]) fputs("\r\033[K", stderr); /* keep the bar's line clean */
    fprintf(stderr, "textclust: %s",
            level == TC_LOG_WARN ? "warning: " : level >= TC_LOG_ERROR ? "error: " : "");
    cli_term_fputs(msg, stderr);  /* warnings quote texts and file names */
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
