/* common.h - helpers shared by the commands. */
#ifndef TC_CLI_COMMON_H
#define TC_CLI_COMMON_H

#include "cli/cli.h"

/* The input path (--input, else --input_dataset, plus --data_subset) and
 * its format; 0, or an exit status after printing the error. An
 * --input_dataset that is no local path but a hub id (ORG/NAME) is
 * fetched into the hub cache: o->input_files holds its split's files and
 * path the snapshot folder (read them with cli_open_reader). */
int cli_input(cli_opts *o, char *path, size_t size, int *format);

/* A reader over the input cli_input found, or all of its texts; 0, or 1
 * after printing the error. */
int cli_open_reader(cli_opts *o, const char *path, int format, tc_reader **r);
int cli_read_texts(cli_opts *o, const char *path, int format, tc_textset *ts);

/* 0 when path can be opened for reading, else 1 after printing
 * "<flag> <path>: <reason>": run before any work, so a typo costs nothing. */
int cli_check_readable(const char *flag, const char *path);

/* 0 unless out (the file of flag) is the regular file in, which a streaming
 * command reads while it writes; then 1 after saying so. */
int cli_check_output(const char *flag, const char *out, const char *in);

/* 0 when every value of the (rows, cols) array read from path is finite,
 * else 1 after naming the first bad row and column of that file. */
int cli_check_finite(const char *path, const float *x, size_t rows, size_t cols);

/* The readers' limits from the flags (a pointer into o). */
const tc_reader_opts *cli_reader_opts(cli_opts *o);

/* Opens the save folder shared (finishing a save a killed run left) and
 * loads it; *sf stays open, so no run replaces the folder meanwhile. 0, or
 * 1 after printing the error (*sf may be open: close it). */
int cli_load_folder(cli_opts *o, tc_save_folder **sf, tc_classifier **c);

/* Reads --summary_template / --summary_instruction files into the params. */
int cli_load_prompts(cli_opts *o);

/* push.c: the datasets --build_hf_ds writes, pushed to the hub with the
 * token (HF_TOKEN or the token file) to --username's namespace, private
 * unless --public. Each returns 0, or 1 after printing the error (no
 * token: how to set one and the command that pushes the files later).
 * cli_push_save_folder: dir's hf_clusters.parquet to USER/<dir's name>
 * and hf_texts.parquet to USER/<dir's name>_clusters. cli_push_file: file
 * to repo ("USER/NAME", or NAME under --username), e.g. infer's
 * <--output>.clusters.parquet to --inference_repo_name. Both go to
 * data/train-00000-of-00001.parquet, where datasets.load_dataset finds
 * the train split. */
int cli_push_save_folder(const cli_opts *o, const char *dir);
int cli_push_file(const cli_opts *o, const char *repo, const char *file);

#endif
