/* infer.c - infer: new texts labelled by their nearest neighbours in a save
 * folder, streamed in batches from the input to --output. */
#include "cli/common.h"
#include "cli/hfds.h"
#include "io/io.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int write_result(FILE *out, const char *id, int64_t label, const char *summary, float dist) {
    cJSON *j = cJSON_CreateObject();
    if (id) cJSON_AddStringToObject(j, "id", id);
    cJSON_AddNumberToObject(j, "label", (double)label);
    if (summary) cJSON_AddStringToObject(j, "summary", summary);
    else cJSON_AddNullToObject(j, "summary");
    char buf[32];
    snprintf(buf, sizeof buf, "%.6g", (double)dist);
    cJSON_AddNumberToObject(j, "distance", strtod(buf, NULL));
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (!s) return -1;
    int bad = fputs(s, out) < 0 || fputc('\n', out) == EOF;
    cJSON_free(s);
    return bad ? -1 : 0;
}

int cmd_infer(cli_opts *o) {
    if (o->username && !o->inference_repo_name)
        tc_warn("--username: infer pushes its dataset to USER/--inference_repo_name, which is not given; nothing is pushed");
    char path[4096];
    int format, rc = cli_input(o, path, sizeof path, &format);
    if (rc) return rc;
    /* range(start, end) when start >= 0, else the first n_samples, in input order */
    size_t skip = o->start >= 0 ? (size_t)o->start : 0;
    long want_l = o->start >= 0 ? o->end - o->start : o->n_samples;
    size_t want = want_l > 0 ? (size_t)want_l : 0;

    tc_classifier *c = NULL;
    tc_save_folder *sf = NULL;
    tc_reader *r = NULL;
    tc_npy_writer *w = NULL;
    FILE *out = stdout;
    tc_atomic out_a = {0};
    int64_t *labels = NULL;
    float *dist = NULL, *emb = NULL;
    tc_textset batch = {0};
    cli_hfds_infer *hf = NULL;
    size_t done = 0, noise = 0, bs = (size_t)o->batch_size;
    double t0 = tc_now();
    rc = 1;
    o->p.progress = NULL;  /* one bar for the whole inference, not one per batch */
    if (cli_load_folder(o, &sf, &c)) goto done;
    if (cli_check_output("--output", o->output, path) ||
        cli_check_output("--output_embeddings", o->output_embeddings, path))
        goto done;
    const char *const outs[] = {o->output, o->output_embeddings};
    for (int i = 0; i < 2; i++)
        if (tc_save_folder_owns(sf, outs[i])) {
            cli_failf("%s %s: is a file of the save folder %s, which infer reads; write the results "
                      "elsewhere", i ? "--output_embeddings" : "--output", outs[i], o->save_load_path);
            goto done;
        }
    if (!tc_classifier_model(c)[0] && !o->p.embed_model) {  /* say so before reading any text */
        cli_failf("%s does not record the encoder of its embeddings (no textclust.json, or no model "
                  "in it): pass the encoder that made them with --embed_model", o->save_load_path);
        goto done;
    }
    /* the reference builds and pushes infer's dataset whenever it names a repository */
    if ((o->build_hf_ds || o->inference_repo_name) && cli_hfds_infer_open(o, c, &hf)) goto done;
    if (cli_open_reader(o, path, format, &r)) goto done;
    int dim = tc_classifier_dim(c);
    labels = malloc(bs * sizeof *labels);
    dist = malloc(bs * sizeof *dist);
    emb = malloc(bs * (size_t)dim * sizeof *emb);
    if (!labels || !dist || !emb) { cli_fail("out of memory"); goto done; }
    if (o->output) {
        if (tc_atomic_open(&out_a, o->output)) { cli_fail(tc_last_error()); goto done; }
        out = out_a.f;
    }
    if (o->output_embeddings && tc_npy_writer_open(o->output_embeddings, (size_t)dim, &w)) {
        cli_fail(tc_last_error());
        goto done;
    }
    while (skip > 0) {  /* texts before --start */
        long got = tc_reader_next(r, skip < bs ? skip : bs, &batch);
        if (got < 0) { cli_fail(tc_last_error()); goto done; }
        tc_textset_free(&batch);
        if (got == 0) break;
        skip -= (size_t)got;
    }
    while (done < want) {
        size_t ask = want - done < bs ? want - done : bs;
        long got = tc_reader_next(r, ask, &batch);
        if (got < 0) { cli_fail(tc_last_error()); goto done; }
        if (got == 0) break;
        if (tc_classifier_infer(c, (const char *const *)batch.texts, batch.n, o->top_k, labels, dist, emb)) {
            cli_fail(tc_last_error());
            goto done;
        }
        if (hf && cli_hfds_infer_add(hf, (const char *const *)batch.texts, labels, batch.n)) goto done;
        for (size_t i = 0; i < batch.n; i++) {
            noise += labels[i] < 0;
            if (write_result(out, batch.ids ? batch.ids[i] : NULL, labels[i],
                             tc_classifier_summary(c, labels[i]), dist[i])) {
                fprintf(stderr, "textclust: error: %s: write failed: %s\n", o->output ? o->output : "stdout", strerror(errno));
                goto done;
            }
        }
        if (w && tc_npy_writer_append(w, emb, batch.n)) { cli_fail(tc_last_error()); goto done; }
        done += batch.n;
        tc_textset_free(&batch);
        cli_progress(NULL, "infer", done, want);
    }
    if (tc_reader_repaired(r)) tc_warn("%zu texts had invalid UTF-8, repaired with U+FFFD", tc_reader_repaired(r));
    cli_progress(NULL, "infer", want, want);
    if (out != stdout) {
        out = stdout;
        if (tc_atomic_commit(&out_a)) { cli_fail(tc_last_error()); goto done; }
    } else if (fflush(stdout) != 0) {
        goto done;
    }
    if (w) {
        int bad = tc_npy_writer_close(w);
        w = NULL;
        if (bad) { cli_fail(tc_last_error()); goto done; }
    }
    if (hf) {
        int bad = cli_hfds_infer_finish(hf, o);
        hf = NULL;
        if (bad) goto done;
    }
    if (!o->quiet) {
        double s = tc_now() - t0;
        fprintf(stderr, "textclust: inferred %zu texts in %.2fs (%.0f texts/s), %zu noise (%.1f%%)\n", done, s,
                s > 0 ? (double)done / s : 0.0, noise, done ? 100.0 * (double)noise / (double)done : 0.0);
    }
    rc = 0;
done:
    cli_hfds_infer_free(hf);
    if (out_a.f) tc_atomic_abort(&out_a);
    tc_npy_writer_abort(w);
    tc_textset_free(&batch);
    tc_reader_close(r);
    tc_classifier_free(c);
    tc_save_folder_close(sf);
    free(labels);
    free(dist);
    free(emb);
    return rc;
}
