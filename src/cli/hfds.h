/* hfds.h - --build_hf_ds in the commands: where the datasets went, and the
 * per-cluster dataset of infer's texts. */
#ifndef TC_CLI_HFDS_H
#define TC_CLI_HFDS_H

#include "cli/cli.h"

/* After a save (or load) committed hf_texts.parquet and hf_clusters.parquet
 * into dir: says where they are, and pushes them with --username (else says
 * how). 0, or 1 after printing why the push failed (the files stay). */
int cli_hfds_saved(const cli_opts *o, const char *dir);

/* infer --build_hf_ds: the reference's build_hf_data_clusters(cc, texts,
 * labels), one row per training cluster (noise left out, in the order the
 * training labels first appear): cluster_id, summary, examples (the
 * inferred texts given that label, in input order; a cluster none got has
 * an empty list). No position, as in the reference. Written to
 * <--output>.clusters.parquet, or ./infer_clusters.parquet when the
 * results go to stdout (or another file that is not a regular one). The texts wait in an unlinked temporary file
 * beside the dataset; memory is 12 bytes per inferred text of a cluster
 * (its offset there and the next text of its cluster; up to twice that
 * while the arrays double) plus the writer's row group. Each returns 0, or 1 after printing the error. */
typedef struct cli_hfds_infer cli_hfds_infer;
int cli_hfds_infer_open(const cli_opts *o, const tc_classifier *c, cli_hfds_infer **out);
int cli_hfds_infer_add(cli_hfds_infer *h, const char *const *texts, const int64_t *labels, size_t n);
/* Writes the dataset, says where it is and pushes it to --inference_repo_name
 * (USER/NAME, or NAME under --username) when one is given; frees h. */
int cli_hfds_infer_finish(cli_hfds_infer *h, const cli_opts *o);
void cli_hfds_infer_free(cli_hfds_infer *h);  /* NULL is a no-op */

#endif
