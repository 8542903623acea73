/* common.c - what several commands share: finding the input, reading
 * prompt files, writing a file under a temporary name then renaming it. */
#include "cli/common.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_check_readable(const char *flag, const char *path) {
    /* O_NONBLOCK: a FIFO (/dev/stdin as a pipe) must not wait for a writer here */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return cli_failf("%s %s: %s", flag, path, strerror(errno));
    close(fd);
    return 0;
}

int cli_check_output(const char *flag, const char *out, const char *in) {
    struct stat a, b;
    if (!out || !in || stat(out, &a) != 0 || stat(in, &b) != 0 || !S_ISREG(a.st_mode)) return 0;
    if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) return 0;
    return cli_failf("%s %s: is the input file itself, which the results would replace; write them "
                     "elsewhere", flag, out);
}

int cli_check_finite(const char *path, const float *x, size_t rows, size_t cols) {
    for (size_t i = 0; i < rows * cols; i++)
        if (!isfinite(x[i]))
            return cli_failf("%s: row %zu, column %zu (counting from 0) is %s; every value must "
                             "be a finite number", path, i / cols, i % cols, isnan(x[i]) ? "NaN" : "infinite");
    return 0;
}

static int input_format(const cli_opts *o, int *format);

/* --input_dataset ORG/NAME from the hub: its split's files into o, the
 * snapshot folder into path. infer reads the first rows in order, so only
 * the files holding them are fetched; the others shuffle all of it. */
static int hub_input(cli_opts *o, char *path, size_t size) {
    tc_hub_dataset_params p = tc_hub_dataset_default_params();
    p.config = o->data_subset, p.split = o->split, p.field = o->input_content;
    p.progress = !o->quiet;
    if (o->mode && !strcmp(o->mode, "infer")) {
        long want = o->start >= 0 ? o->end : o->n_samples;
        p.rows = want > 0 ? (size_t)want : 1;
    }
    if (tc_hub_dataset_files(o->input_dataset, &p, &o->input_files, &o->n_input_files, path, size))
        return cli_fail(tc_last_error());
    if (!o->quiet)
        cli_term_printf(stderr, "textclust: %s: %zu file%s of split %s from %s\n", o->input_dataset,
                        o->n_input_files, o->n_input_files == 1 ? "" : "s", o->split ? o->split : "train", path);
    return 0;
}

int cli_input(cli_opts *o, char *path, size_t size, int *format) {
    const char *in = o->input ? o->input : o->input_dataset;
    if (!in) {
        fprintf(stderr, "textclust: error: no input: pass --input FILE (JSONL, CSV, TSV or text, "
                        "optionally .gz) or a folder of such files\n");
        return 2;
    }
    const char *flag = o->input ? "--input" : "--input_dataset";
    struct stat st;
    int rc;
    if (stat(in, &st) != 0) {
        if (!o->input && errno == ENOENT && strchr(in, '/') && tc_hub_is_id(in)) {
            if ((rc = hub_input(o, path, size))) return rc;
            return input_format(o, format);
        }
        if (!o->input && errno == ENOENT)
            cli_term_printf(stderr, "textclust: error: --input_dataset %s: no such local file or folder, "
                                    "nor a Hugging Face dataset id (ORG/NAME)\n", in);
        else
            cli_failf("%s %s: %s", flag, in, strerror(errno));
        return 1;
    }
    snprintf(path, size, "%s", in);
    if (o->data_subset) {
        if (!S_ISDIR(st.st_mode)) {
            cli_term_printf(stderr, "textclust: error: --data_subset %s needs a folder as input, and %s is a file\n",
                            o->data_subset, in);
            return 2;
        }
        snprintf(path, size, "%s/%s", in, o->data_subset);
        if (stat(path, &st) != 0) return cli_failf("--data_subset: %s: %s", path, strerror(errno));
    }
    if (cli_check_readable(o->data_subset ? "--data_subset" : flag, path)) return 1;
    return input_format(o, format);
}

static int input_format(const cli_opts *o, int *format) {
    static const char *names[] = {"auto", "jsonl", "csv", "tsv", "text", "parquet"};   /* TC_FMT_* order */
    for (int f = 0; f < (int)(sizeof names / sizeof *names); f++)
        if (strcmp(o->input_format, names[f]) == 0) { *format = f; return 0; }
    cli_term_printf(stderr, "textclust: error: --input_format %s: not auto, jsonl, csv, tsv, text or parquet\n",
                    o->input_format);
    return 2;
}

int cli_open_reader(cli_opts *o, const char *path, int format, tc_reader **r) {
    const tc_reader_opts *ro = cli_reader_opts(o);
    int rc = o->input_files ? tc_reader_open_files((const char *const *)o->input_files, o->n_input_files,
                                                   format, o->input_content, o->id_field, ro, r)
                            : tc_reader_open_opts(path, format, o->input_content, o->id_field, ro, r);
    return rc ? cli_fail(tc_last_error()) : 0;
}

int cli_read_texts(cli_opts *o, const char *path, int format, tc_textset *ts) {
    const tc_reader_opts *ro = cli_reader_opts(o);
    int rc = o->input_files ? tc_read_texts_files((const char *const *)o->input_files, o->n_input_files,
                                                  path, format, o->input_content, o->id_field, ro, ts)
                            : tc_read_texts(path, format, o->input_content, o->id_field, ro, ts);
    return rc ? cli_fail(tc_last_error()) : 0;
}

const tc_reader_opts *cli_reader_opts(cli_opts *o) {
    o->reader.max_text_bytes = o->max_text_bytes > 0 ? (size_t)o->max_text_bytes : 0;
    return &o->reader;
}

int cli_load_prompts(cli_opts *o) {
    char *text;
    size_t len;
    if (o->summary_template) {
        if (tc_read_file(o->summary_template, &text, &len)) return cli_fail(tc_last_error());
        o->p.label.template_text = text;  /* lives until exit */
    }
    if (o->summary_instruction) {
        if (tc_read_file(o->summary_instruction, &text, &len)) return cli_fail(tc_last_error());
        o->p.label.instruction = text;
    }
    return 0;
}
