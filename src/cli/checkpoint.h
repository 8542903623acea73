/* checkpoint.h - what makes infer resumable and shardable: the identity of
 * a job (input, save folder, result-changing flags), its checkpoint, the
 * shard's file names and completion marker. infer.c drives it; merge.c
 * reads the markers. */
#ifndef TC_CLI_CHECKPOINT_H
#define TC_CLI_CHECKPOINT_H

#include "cli/cli.h"

#include <cjson/cJSON.h>

/* Checkpoint cadence: after this many batches, or this many seconds,
 * whichever comes first. */
#define INFER_CKPT_BATCHES 8
#define INFER_CKPT_SECONDS 30.0

/* Counts a job carries from one run to the next. */
typedef struct infer_counts {
    unsigned long long texts, noise, skipped, out_bytes, emb_rows;
} infer_counts;

/* One infer job: the files it writes and how far it got. */
typedef struct infer_job {
    int shard, n_shards;        /* n_shards 1: not sharded */
    char *out, *part, *ckpt;    /* the output, its part being written, the checkpoint; NULL: stdout */
    char *emb, *emb_part;       /* --output_embeddings and its part; NULL: none */
    char *marker;               /* the shard's completion marker; NULL when not sharded */
    cJSON *ident;               /* input, save folder, flags (owned) */
    FILE *f;                    /* the output being written (the part, or stdout) */
    tc_npy_writer *w;           /* the embeddings being written */
    int resumed, done_already;  /* continued from a checkpoint; a shard that is complete */
    int fresh;                  /* the parts were begun by this run */
    int lock_fd;                /* holds the part locked; -1 none */
    tc_reader_pos pos;          /* where the checkpoint left the reader */
    infer_counts n;             /* counts up to pos */
    int batches;                /* since the last checkpoint */
    double last;                /* when the last checkpoint was written */
    int n_ckpt;                 /* checkpoints written by this run */
    int dim;                    /* embedding width */
} infer_job;

/* The path of shard i of n for path: ".shard-IIIII-of-NNNNN" before the
 * extension of its last component ("out.jsonl" -> "out.shard-00001-of-00003.jsonl"),
 * or at the end when it has none. malloc'd. */
char *infer_shard_path(const char *path, int i, int n);

/* The identity of a job reading input with o's flags against the save
 * folder at save: sizes, modification times and SHA-256 of the first
 * 64 KiB of each file. NULL after printing the error. */
cJSON *infer_identity(const cli_opts *o, const char *input, const char *save);

/* 1 when a and b differ, with msg saying what changed first; else 0.
 * (The shard index is not part of the identity: the shards of one job
 * share it.) */
int infer_identity_diff(const cJSON *a, const cJSON *b, char *msg, size_t size);

/* Sets up j from o: names, identity, and either a fresh start or the
 * checkpoint left by a killed run of the same command (j->resumed), or
 * notices a shard that finished before (j->done_already; nothing opened).
 * dim: the embeddings' width. 0, or 1 after printing the error. */
int infer_job_open(infer_job *j, cli_opts *o, const char *input, const char *save, int dim);

/* Called after each batch: writes a checkpoint when one is due (fsync of
 * the output and embeddings first, then the checkpoint by atomic rename).
 * 0, or 1 after printing the error. */
int infer_job_step(infer_job *j, const tc_reader *r, const infer_counts *n);

/* After the first Ctrl-C: a checkpoint (fsync'd, as infer_job_step's) at
 * pos, the reader's place before the batch that was stopped, whose results
 * were not written; n: the counts up to pos. A stream has none. 0, or 1
 * after printing the error. */
int infer_job_cancel(infer_job *j, const tc_reader_pos *pos, const infer_counts *n);

/* The end: the final checkpoint, then the parts renamed to their names,
 * the shard's marker, the checkpoint removed. 0, or 1 after printing. */
int infer_job_finish(infer_job *j, const infer_counts *n);

/* Frees j. After a failure the parts and the checkpoint stay, so the
 * same command continues. */
void infer_job_close(infer_job *j);

/* A shard's marker, read and checked against the files it names: 0, or 1
 * after printing the error. *m is owned by the caller (cJSON_Delete). */
int infer_marker_read(const char *path, cJSON **m);

#endif
