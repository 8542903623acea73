/* main.c - the textclust command: picks the command and sets up BLAS. */
#include "cli/cli.h"
#include "util/util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* OpenBLAS's own entry points (not in every cblas.h). */
char *openblas_get_corename(void);
void openblas_set_num_threads(int n);

/* Debian 12's OpenBLAS does not know newer x86 cores and falls back to its
 * slowest kernel ("Prescott"), about 5x slower. The core type can only be
 * chosen before the library initialises, so re-run ourselves once with
 * OPENBLAS_CORETYPE set. A value the user or machine set is kept. */
static void fix_openblas_kernel(char **argv) {
    if (getenv("OPENBLAS_CORETYPE") || getenv("TEXTCLUST_NO_REEXEC")) return;
    const char *core = openblas_get_corename();
    if (!core || strcasecmp(core, "prescott") != 0) return;
    __builtin_cpu_init();
    const char *better = __builtin_cpu_supports("avx512f") ? "SkylakeX"
                         : __builtin_cpu_supports("avx2") ? "Haswell" : NULL;
    if (!better) return;
    setenv("OPENBLAS_CORETYPE", better, 1);
    setenv("TEXTCLUST_NO_REEXEC", "1", 1);  /* never loop */
    execv("/proc/self/exe", argv);
    /* exec failed: carry on with the slow kernel */
}

int main(int argc, char **argv) {
    /* Past a file-size limit (ulimit -f) the default SIGXFSZ kills us
     * mid-write, with no message and a temporary left behind; ignored, the
     * write fails with EFBIG and the writer cleans up and says why. */
    signal(SIGXFSZ, SIG_IGN);
    fix_openblas_kernel(argv);
    if (argc < 2) {
        cli_usage(stderr);
        return 2;
    }
    cli_opts o;
    int help;
    int rc = cli_parse(argc, argv, &o, &help);
    if (rc) return rc;
    if (help) {
        cli_usage(stdout);
        return 0;
    }
    if ((rc = cli_resolve(&o))) return rc;
    cli_progress_init(!o.quiet);
    tc_set_logger(cli_logger, NULL);
    o.p.progress = cli_progress;
    openblas_set_num_threads(tc_threads(o.threads));

    static const struct { const char *name; int (*fn)(cli_opts *); } cmds[] = {
        {"run", cmd_run},         {"load", cmd_load},       {"infer", cmd_infer},
        {"show", cmd_show},       {"embed", cmd_embed},     {"project", cmd_project},
        {"cluster", cmd_cluster}, {"download-model", cmd_download_model},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (strcmp(o.mode, cmds[i].name) == 0) return cmds[i].fn(&o);
    cli_term_printf(stderr, "textclust: unknown command '%s' (run, load, infer, show, embed, project, cluster, download-model)\n", o.mode);
    return 2;
}
