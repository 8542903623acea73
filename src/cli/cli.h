/* cli.h - the textclust command: options, commands, progress display. */
#ifndef TC_CLI_H
#define TC_CLI_H

#include "textclust.h"
#include <stdio.h>

typedef struct cli_opts {
    const char *mode;                 /* run | load | infer | show | embed | project | cluster | download-model | push */
    const char *model_id;             /* download-model: the word after the command */
    const char **paths;               /* merge: the shard files named after the command (n_paths; malloc'd, freed by cmd_merge) */
    int n_paths;
    const char *save_load_path;
    long n_samples, start, end;
    const char *input, *input_dataset, *data_subset, *input_content, *id_field, *input_format;
    const char *split;                /* a hub dataset's split */
    char **input_files;               /* a hub dataset's files, in order (cli_input); NULL otherwise */
    size_t n_input_files;
    const char *device, *inference_repo_name, *username;
    int build_hf_ds;
    int public_repo;                  /* --public: new hub repositories are public (default private) */
    const char *repo, *push_file;     /* push --repo USER/NAME FILE */
    const char *output, *embeddings, *output_embeddings;
    const char *overlay;              /* show: infer output drawn over the map (more files: paths) */
    int top_k, batch_size, quiet, no_plots;
    int num_shards, shard_index;      /* infer: run part shard_index of num_shards (0 = all) */
    double max_distance;              /* infer: farther texts get label -1; < 0 = no limit */
    const char *on_error;             /* infer: stop | skip a malformed record */
    int restart;                      /* infer: ignore (delete) a checkpoint and start over */
    long max_text_bytes;              /* the readers' longest text (--max_text_bytes) */
    tc_reader_opts reader;            /* built from it by cli_reader_opts */
    int overwrite;                    /* run: accept a foreign non-empty save folder */
    const char *summary_template, *summary_instruction, *summary_model;
    int depth;                        /* load/run: topic tree levels printed */
    const char *llm_url, *llm_model, *llm_api_key, *llm_cache, *llm_api;
    tc_params p;                      /* every setting with a flag lands here (tc_params_set) */
    tc_plot_params plot;
} cli_opts;

/* flags.c: fills o from argv (defaults first). Returns 0, or 2 after
 * printing a usage error; *help set when --help was asked. */
int cli_parse(int argc, char **argv, cli_opts *o, int *help);
void cli_usage(FILE *f);

/* Turns the string options (topic mode, cluster method, ...) into params;
 * returns 0 or 2 after printing the error. */
int cli_resolve(cli_opts *o);

/* commands.c / stages.c: each returns the process exit status. */
int cmd_run(cli_opts *o);
int cmd_load(cli_opts *o);
int cmd_show(cli_opts *o);
int cmd_infer(cli_opts *o);
int cmd_embed(cli_opts *o);
int cmd_project(cli_opts *o);
int cmd_cluster(cli_opts *o);
int cmd_download_model(cli_opts *o);  /* download.c */
int cmd_push(cli_opts *o);            /* push.c */
int cmd_merge(cli_opts *o);           /* merge.c */

/* progress.c */
void cli_progress_init(int enabled);
/* A bar per stage on a terminal: percent, count, rate, elapsed<remaining;
 * total 0 = a stream of unknown length (count, rate, elapsed). A finished
 * stage (done == total) leaves one line. Returns 1 (cancel) after Ctrl-C. */
int cli_progress(void *ctx, const char *stage, size_t done, size_t total);
/* The finished line of a stage of unknown length. */
void cli_progress_end(const char *stage, size_t done);
/* From now on the first Ctrl-C makes cli_progress return 1, so the running
 * library call stops cleanly (TC_ECANCELED); the second one kills. For
 * commands whose long work reports through cli_progress. */
void cli_progress_catch_sigint(void);
int cli_interrupted(void);
void cli_logger(void *ctx, int level, const char *msg);
/* A warning through cli_logger, as the library's own reach the terminal. */
void cli_warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An information line the same way (dropped under --quiet). */
void cli_infof(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A line that --quiet keeps: what an interrupted command left behind. */
void cli_notef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Monotonic wall-clock seconds. */
double cli_now(void);

/* Prints "textclust: error: <msg>" (escaped, see term.c) and returns 1. */
int cli_fail(const char *what);
int cli_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first message cli_fail printed in this process, cut to 511 bytes;
 * "" when none. */
const char *cli_first_failure(void);

/* term.c: untrusted text (cluster names, texts, anything read from a file)
 * made safe for a terminal: controls, DEL, C1 controls, bidi overrides and
 * invalid UTF-8 shown as \xNN or \uNNNN escapes. cli_term_escape returns a
 * malloc'd copy (NULL when out of memory); cli_term_printf escapes the whole
 * formatted text except a final newline of the format. */
char *cli_term_escape(const char *s);
void cli_term_fputs(const char *s, FILE *f);
void cli_term_printf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
