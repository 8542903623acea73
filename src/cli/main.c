/* main.c - the textclust command: picks the command and sets up BLAS. */
#include "cli/cli.h"
#include "cli/mpi.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* textclust --version: what a bug report needs about the machine. */
static int print_version(void) {
    char info[2048];
    tc_system_info(info, sizeof info);
    printf("textclust %s\n%s", TC_VERSION, info);
    return 0;
}

int main(int argc, char **argv) {
    /* Past a file-size limit (ulimit -f) the default SIGXFSZ kills us
     * mid-write, with no message and a temporary left behind; ignored, the
     * write fails with EFBIG and the writer cleans up and says why. */
    signal(SIGXFSZ, SIG_IGN);
    tc_blas_fix_kernel(argv);
    if (tc_cpu_check_env() != 0) { /* a level this CPU lacks, or a typo: refuse, do not guess */
        cli_term_printf(stderr, "textclust: %s\n", tc_last_error());
        return 2;
    }
    if (argc == 2 && strcmp(argv[1], "--version") == 0) return print_version();
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
    tc_params_inherit(&o.p); /* the stage commands pass o.p's stage params as they are */
    if (!strcmp(o.mode, "run") || !strcmp(o.mode, "embed") || !strcmp(o.mode, "project") ||
        !strcmp(o.mode, "cluster"))
        cli_progress_catch_sigint();

    static const struct { const char *name; int (*fn)(cli_opts *); } cmds[] = {
        {"run", cmd_run},         {"load", cmd_load},       {"infer", cmd_infer},
        {"show", cmd_show},       {"embed", cmd_embed},     {"project", cmd_project},
        {"cluster", cmd_cluster}, {"download-model", cmd_download_model},
        {"push", cmd_push},       {"merge", cmd_merge},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (strcmp(o.mode, cmds[i].name) == 0) {
            rc = cli_mpi_run(&o, cmds[i].fn);  /* under mpirun: infer's shards on the ranks */
            tc_hub_list_free(o.input_files);  /* a hub dataset's files (cli_input) */
            return rc;
        }
    cli_term_printf(stderr, "textclust: unknown command '%s' (run, load, infer, show, embed, project, cluster, download-model, push, merge)\n", o.mode);
    return 2;
}
