/* infer.c - infer: new texts labelled by their nearest neighbours in a save
 * folder, streamed in batches from the input to --output. A file output is
 * resumable and may be one shard of the input (checkpoint.c). */
#include "cli/checkpoint.h"
#include "cli/common.h"
#include "cli/hfds.h"
#include "cli/strbuf.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A float as %.6g prints it, so the JSON holds no noise digits. */
static void add_short(cJSON *j, const char *key, float v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.6g", (double)v);
    cJSON_AddNumberToObject(j, key, strtod(buf, NULL));
}

static int write_result(FILE *out, const char *id, int64_t label, const char *summary, float dist,
                        const float *xy) {
    cJSON *j = cJSON_CreateObject();
    if (id) cJSON_AddStringToObject(j, "id", id);
    cJSON_AddNumberToObject(j, "label", (double)label);
    if (summary) cJSON_AddStringToObject(j, "summary", summary);
    else cJSON_AddNullToObject(j, "summary");
    add_short(j, "distance", dist);
    add_short(j, "x", xy[0]);
    add_short(j, "y", xy[1]);
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (!s) return -1;
    int bad = fputs(s, out) < 0 || fputc('\n', out) == EOF;
    cJSON_free(s);
    return bad ? -1 : 0;
}

/* The texts to infer, [*skip, *skip + *want) in reading order: range(start,
 * end) when start >= 0, else the first n_samples (0: all, want SIZE_MAX).
 * With shards, a selection is split by count: the shard reads, without
 * embedding them, the texts before its share. Without one the reader splits
 * the input itself (*reader_splits: bytes, row groups or files). */
static void selection(const cli_opts *o, size_t *skip, size_t *want, int *reader_splits) {
    *skip = o->start >= 0 ? (size_t)o->start : 0;
    long w = o->start >= 0 ? o->end - o->start : o->n_samples;
    *want = o->start < 0 && o->n_samples == 0 ? SIZE_MAX : w > 0 ? (size_t)w : 0;
    *reader_splits = o->num_shards > 1 && *want == SIZE_MAX;
    if (o->num_shards > 1 && !*reader_splits) {
        unsigned __int128 n = *want, i = (unsigned)o->shard_index, k = (unsigned)o->num_shards;
        size_t a = (size_t)(n * i / k), b = (size_t)(n * (i + 1) / k);
        *skip += a, *want = b - a;
    }
}

/* The classifier's progress: no bar of its own (the loop draws one for the
 * whole inference), only the first Ctrl-C, which stops the batch's
 * embedding or search with TC_ECANCELED. */
static int cancel_on_sigint(void *ctx, const char *stage, size_t done, size_t total) {
    (void)ctx, (void)stage, (void)done, (void)total;
    return cli_interrupted();
}

int cmd_infer(cli_opts *o) {
    if (o->username && !o->inference_repo_name)
        cli_warnf("--username: infer pushes its dataset to USER/--inference_repo_name, which is not given; nothing is pushed");
    char path[4096];
    int format, rc = cli_input(o, path, sizeof path, &format);
    if (rc) return rc;
    size_t skip, want;
    int reader_splits;
    selection(o, &skip, &want, &reader_splits);

    tc_classifier *c = NULL;
    tc_save_folder *sf = NULL;
    tc_reader *r = NULL;
    infer_job job = {.lock_fd = -1};
    int64_t *labels = NULL;
    float *dist = NULL, *emb = NULL, *xy = NULL;
    tc_textset batch = {0};
    cli_hfds_infer *hf = NULL;
    infer_counts n = {0};
    int canceled = 0;  /* by the first Ctrl-C */
    size_t bs = (size_t)o->batch_size;
    double t0 = cli_now();
    rc = 1;
    /* one bar for the whole inference, drawn below, not one per batch */
    o->p.progress = cancel_on_sigint;
    o->p.progress_ctx = NULL;
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
    int dim = tc_classifier_dim(c);
    if (infer_job_open(&job, o, path, tc_save_folder_path(sf), dim)) goto done;
    if (job.done_already) { rc = 0; goto done; }
    /* the reference builds (and pushes) infer's dataset whenever it names a
     * repository; its texts are gathered in one pass, so not over shards or
     * across a resume */
    if (o->build_hf_ds || o->inference_repo_name) {
        if (o->num_shards > 1 || job.resumed) {
            cli_failf("infer's Hugging Face dataset (--build_hf_ds, --inference_repo_name) is built in one "
                      "pass over the texts: %s", o->num_shards > 1 ? "not with --num_shards"
                      : "this run continues an interrupted one; --restart starts over");
            goto done;
        }
        if (cli_hfds_infer_open(o, c, &hf)) goto done;
    }
    o->reader.skip_bad = strcmp(o->on_error, "skip") == 0;
    if (reader_splits) o->reader.num_shards = o->num_shards, o->reader.shard_index = o->shard_index;
    if (cli_open_reader(o, path, format, &r)) goto done;
    labels = malloc(bs * sizeof *labels);
    dist = malloc(bs * sizeof *dist);
    emb = malloc(bs * (size_t)dim * sizeof *emb);
    xy = malloc(bs * 2 * sizeof *xy);
    if (!labels || !dist || !emb || !xy) { cli_fail("out of memory"); goto done; }
    if (job.resumed) {  /* the checkpoint is past --start's texts */
        if (tc_reader_seek(r, &job.pos)) { cli_failf("%s (the checkpoint %s)", tc_last_error(), job.ckpt); goto done; }
        n = job.n;
        skip = 0;
    }
    while (skip > 0) {  /* texts before --start, or before this shard's share */
        long got = tc_reader_next(r, skip < bs ? skip : bs, &batch);
        if (got < 0) { cli_fail(tc_last_error()); goto done; }
        tc_textset_free(&batch);
        if (got == 0) break;
        skip -= (size_t)got;
    }
    size_t total = want == SIZE_MAX ? 0 : want, done_before = (size_t)n.texts;
    unsigned long long skipped_before = n.skipped;
    /* the first Ctrl-C from here on drops the batch it stops and checkpoints
     * the place before it (at, with the counts up to it, at_n) */
    tc_reader_pos at = {0, 0, 0};
    infer_counts at_n = n;
    cli_progress_catch_sigint();
    while (n.texts < want) {
        tc_reader_tell(r, &at);
        at_n = n;
        at_n.skipped = skipped_before + tc_reader_skipped(r);
        if (cli_interrupted()) { canceled = 1; break; }
        size_t ask = want - n.texts < bs ? want - n.texts : bs;
        long got = tc_reader_next(r, ask, &batch);
        if (got < 0) { cli_fail(tc_last_error()); goto done; }
        if (got == 0) break;
        int bad = tc_classifier_infer_xy(c, (const char *const *)batch.texts, batch.n, o->top_k, labels, dist, emb, xy);
        if (bad == TC_ECANCELED && cli_interrupted()) { canceled = 1; break; }
        if (bad) {
            cli_fail(tc_last_error());
            goto done;
        }
        for (size_t i = 0; i < batch.n; i++)
            if (o->max_distance >= 0 && dist[i] > o->max_distance) labels[i] = -1;
        if (hf && cli_hfds_infer_add(hf, (const char *const *)batch.texts, labels, batch.n)) goto done;
        for (size_t i = 0; i < batch.n; i++) {
            n.noise += labels[i] < 0;
            if (write_result(job.f, batch.ids ? batch.ids[i] : NULL, labels[i],
                             tc_classifier_summary(c, labels[i]), dist[i], xy + 2 * i)) {
                cli_failf("%s: write failed: %s", job.out ? job.out : "stdout", strerror(errno));
                goto done;
            }
        }
        if (job.w && tc_npy_writer_append(job.w, emb, batch.n)) { cli_fail(tc_last_error()); goto done; }
        n.texts += batch.n;
        n.skipped = skipped_before + tc_reader_skipped(r);
        tc_textset_free(&batch);
        if (infer_job_step(&job, r, &n)) goto done;
        cli_progress(NULL, "infer", (size_t)n.texts, total);
    }
    if (canceled) {
        if (infer_job_cancel(&job, &at, &at_n)) goto done;
        if (job.ckpt)
            cli_notef("interrupted: %s keeps %llu texts done; the same command continues from there "
                      "(--restart starts over)", job.ckpt, at_n.texts);
        else
            cli_notef("interrupted after %llu texts; %s is not checkpointed: the same command starts over",
                      at_n.texts, o->output ? o->output : "standard output");
        rc = 130;  /* 128 + SIGINT, as a shell reports a command Ctrl-C ended */
        goto done;
    }
    n.skipped = skipped_before + tc_reader_skipped(r);
    if (tc_reader_repaired(r)) cli_warnf("%zu texts had invalid UTF-8, repaired with U+FFFD", tc_reader_repaired(r));
    cli_progress(NULL, "infer", total, total);
    if (infer_job_finish(&job, &n)) goto done;
    if (hf) {
        int bad = cli_hfds_infer_finish(hf, o);
        hf = NULL;
        if (bad) goto done;
    }
    if (!o->quiet) {
        double s = cli_now() - t0;
        size_t now = (size_t)n.texts - done_before;
        /* one write for the line: MPI ranks share stderr, and pieces of two
         * ranks' lines would interleave */
        cli_sb line = {0};
        cli_sb_printf(&line, "textclust: inferred %llu texts%s in %.2fs (%.0f texts/s), %llu noise (%.1f%%)",
                     n.texts, job.resumed ? " (continued from a checkpoint)" : "", s,
                     s > 0 ? (double)now / s : 0.0, n.noise, n.texts ? 100.0 * (double)n.noise / (double)n.texts : 0.0);
        if (o->reader.skip_bad) cli_sb_printf(&line, ", %llu malformed records skipped", n.skipped);
        cli_sb_puts(&line, "\n");
        if (!line.oom) fputs(line.s, stderr);
        cli_sb_free(&line);
    }
    rc = 0;
done:
    cli_hfds_infer_free(hf);
    if (rc && !canceled && (job.n_ckpt > 0 || job.resumed) && !job.done_already)
        cli_warnf("%s keeps the progress up to its last checkpoint: the same command continues it, "
                "--restart starts over", job.ckpt);
    infer_job_close(&job);
    tc_textset_free(&batch);
    tc_reader_close(r);
    tc_classifier_free(c);
    tc_save_folder_close(sf);
    free(labels);
    free(dist);
    free(emb);
    free(xy);
    return rc;
}
