/* checkpoint.c - infer survives kill -9 and runs in shards.
 *
 * infer --output OUT writes OUT.part (and EMB.part for the embeddings), and
 * every few batches fsyncs them and then writes OUT.ckpt (by atomic rename):
 * the reader's position after the last batch written, the parts' lengths
 * at that point, the counts, and the job's identity (input, save folder,
 * flags that change results). The same command run again finds the
 * checkpoint, checks the identity, cuts the parts back to the checkpointed
 * lengths (a kill may land after more was written) and seeks the reader:
 * batches after the checkpoint are the batches of an uninterrupted run, so
 * the final OUT is byte-identical. At the end the parts are renamed into
 * place, a shard writes its marker, and the checkpoint goes.
 *
 * Shards (--num_shards N --shard_index I) write OUT.shard-IIIII-of-NNNNN.EXT
 * and, when complete, that name + ".done": a JSON marker with the identity
 * and counts, which `textclust merge` checks. */
#include "cli/checkpoint.h"
#include "cli/common.h"
#include "cli/strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEAD_BYTES (64u << 10) /* bytes of each file hashed */

/* ---------------------------------------------------------------- names */

char *infer_shard_path(const char *path, int i, int n) {
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base) dot = path + strlen(path);
    cli_sb s = {0};
    cli_sb_printf(&s, "%.*s.shard-%05d-of-%05d%s", (int)(dot - path), path, i, n, dot);
    if (s.oom) { cli_sb_free(&s); return NULL; }
    return s.s;
}

static char *with_suffix(const char *path, const char *suffix) {
    cli_sb s = {0};
    cli_sb_printf(&s, "%s%s", path, suffix);
    if (s.oom) { cli_sb_free(&s); return NULL; }
    return s.s;
}

static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

static int exists(const char *path) {
    struct stat st;
    return path && stat(path, &st) == 0;
}

/* ---------------------------------------------------------------- identity */

/* Adds one file to a running hash: name, size, mtime, SHA-256 of its
 * first HEAD_BYTES. 0, or -1 when it cannot be read. */
static int hash_file(const char *path, const char *name, tc_sha256 *all, unsigned long long *bytes,
                     char *latest, size_t latest_size) {
    struct stat st;
    if (stat(path, &st) != 0) return -1;
    /* a pipe or FIFO (--input -) is not read here: its bytes are the texts */
    int fd = S_ISREG(st.st_mode) ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (S_ISREG(st.st_mode) && (fd < 0 || fstat(fd, &st) != 0)) {
        if (fd >= 0) close(fd);
        return -1;
    }
    static unsigned char buf[HEAD_BYTES];
    size_t have = 0;
    while (fd >= 0 && have < HEAD_BYTES) {
        ssize_t got = read(fd, buf + have, HEAD_BYTES - have);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        have += (size_t)got;
    }
    if (fd >= 0) close(fd);
    tc_sha256 h;
    char hex[65], line[4400], mt[48];
    tc_sha256_init(&h);
    tc_sha256_update(&h, buf, have);
    tc_sha256_hex(&h, hex);
    snprintf(mt, sizeof mt, "%lld.%09ld", (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    int n = snprintf(line, sizeof line, "%s%c%lld%c%s%c%s\n", name, 0, (long long)st.st_size, 0, mt, 0, hex);
    tc_sha256_update(all, line, n > 0 && (size_t)n < sizeof line ? (size_t)n : sizeof line);
    *bytes += (unsigned long long)st.st_size;
    if (strcmp(mt, latest) > 0 || strlen(mt) > strlen(latest)) snprintf(latest, latest_size, "%s", mt);
    return 0;
}

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* {"path", "files", "bytes", "mtime" (the latest), "sha256"} of a file, a
 * folder's regular files (not hidden ones), or the named files of a folder
 * that exist (names NULL: all of them). */
static cJSON *ident_of(const char *path, const char *const *names) {
    struct stat st;
    if (stat(path, &st) != 0) {
        cli_failf("%s: %s", path, strerror(errno));
        return NULL;
    }
    tc_sha256 all;
    tc_sha256_init(&all);
    unsigned long long bytes = 0;
    char latest[48] = "";
    size_t files = 0;
    if (!S_ISDIR(st.st_mode)) {
        if (hash_file(path, "", &all, &bytes, latest, sizeof latest) == 0) files = 1;
    } else {
        char **list = NULL;
        size_t n = 0, cap = 0;
        if (names) {
            for (; names[n]; n++) {}
            list = (char **)names;
        } else {
            DIR *d = opendir(path);
            for (struct dirent *e; d && (e = readdir(d));) {
                if (e->d_name[0] == '.') continue;
                if (n == cap) {
                    char **nl = realloc(list, (cap = cap ? 2 * cap : 64) * sizeof *nl);
                    if (!nl) break;
                    list = nl;
                }
                if ((list[n] = strdup(e->d_name))) n++;
            }
            if (d) closedir(d);
            qsort(list, n, sizeof *list, cmp_name);
        }
        for (size_t i = 0; i < n; i++) {
            char p[4200];
            snprintf(p, sizeof p, "%s/%s", path, list[i]);
            if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) continue;
            if (hash_file(p, list[i], &all, &bytes, latest, sizeof latest) == 0) files++;
        }
        if (!names) {
            for (size_t i = 0; i < n; i++) free(list[i]);
            free(list);
        }
    }
    char hex[65];
    tc_sha256_hex(&all, hex);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "path", path);
    cJSON_AddNumberToObject(j, "files", (double)files);
    cJSON_AddNumberToObject(j, "bytes", (double)bytes);
    cJSON_AddStringToObject(j, "mtime", latest);
    cJSON_AddStringToObject(j, "sha256", hex);
    return j;
}

static void add_flag(cJSON *f, const char *name, const char *v) { cJSON_AddStringToObject(f, name, v ? v : ""); }
static void add_long(cJSON *f, const char *name, long long v) {
    char b[32];
    snprintf(b, sizeof b, "%lld", v);
    add_flag(f, name, b);
}

cJSON *infer_identity(const cli_opts *o, const char *input, const char *save) {
    /* the files a save folder's classifier is loaded from */
    static const char *const saved[] = {"textclust.json", "embeddings.npy", "cluster_labels.npy",
                                        "cluster_summaries.json", "texts.json", "projections.npy",
                                        "faiss.index", NULL};
    cJSON *in = ident_of(input, NULL), *sv = in ? ident_of(save, saved) : NULL;
    if (!sv) {
        cJSON_Delete(in);
        return NULL;
    }
    cJSON *j = cJSON_CreateObject(), *f = cJSON_CreateObject();
    cJSON_AddItemToObject(j, "input", in);
    cJSON_AddItemToObject(j, "save_folder", sv);
    char d[32];
    snprintf(d, sizeof d, "%.9g", o->max_distance);
    add_flag(f, "input_content", o->input_content);
    add_flag(f, "id_field", o->id_field);
    add_flag(f, "input_format", o->input_format);
    add_long(f, "max_text_bytes", o->max_text_bytes);
    add_flag(f, "embed_model", o->p.embed_model);
    add_long(f, "embed_batch_size", o->p.encoder.batch_size);
    add_long(f, "embed_max_length", o->p.encoder.max_length);
    if (o->p.encoder.dtype) add_flag(f, "embed_dtype", tc_dtype_name(o->p.encoder.dtype)); /* absent: what the save recorded */
    add_long(f, "top_k", o->top_k);
    add_flag(f, "max_distance", o->max_distance >= 0 ? d : "none");
    add_flag(f, "on_error", o->on_error);
    add_long(f, "start", o->start);
    add_long(f, "end", o->end);
    add_long(f, "n_samples", o->n_samples);
    add_flag(f, "output_embeddings", o->output_embeddings ? "yes" : "no");
    add_long(f, "batch_size", o->batch_size);  /* batches after a resume align with a fresh run's */
    add_long(f, "num_shards", o->num_shards > 1 ? o->num_shards : 1);
    cJSON_AddItemToObject(j, "flags", f);
    return j;
}

static const char *str_of(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int infer_identity_diff(const cJSON *a, const cJSON *b, char *msg, size_t size) {
    static const char *const parts[] = {"input", "save_folder"};
    static const char *const fields[] = {"files", "bytes", "mtime", "sha256"};
    static const char *const what[] = {"file count", "size in bytes", "modification time",
                                       "SHA-256 of the first 64 KiB of each file"};
    for (int p = 0; p < 2; p++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, parts[p]);
        const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, parts[p]);
        for (int k = 0; k < 4; k++) {
            const cJSON *u = cJSON_GetObjectItemCaseSensitive(x, fields[k]);
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(y, fields[k]);
            char *su = cJSON_PrintUnformatted(u), *sv = cJSON_PrintUnformatted(v);
            int same = su && sv && strcmp(su, sv) == 0;
            if (!same)
                snprintf(msg, size, "the %s %s changed: %s %s, now %s", p ? "save folder" : "input",
                         str_of(y, "path") ? str_of(y, "path") : "", what[k], su ? su : "(none)",
                         sv ? sv : "(none)");
            cJSON_free(su), cJSON_free(sv);
            if (!same) return 1;
        }
    }
    const cJSON *fa = cJSON_GetObjectItemCaseSensitive(a, "flags");
    const cJSON *fb = cJSON_GetObjectItemCaseSensitive(b, "flags");
    for (const cJSON *e = fa ? fa->child : NULL; e; e = e->next) {
        const char *u = cJSON_IsString(e) ? e->valuestring : "", *v = str_of(fb, e->string);
        if (!v || strcmp(u, v)) {
            snprintf(msg, size, "--%s changed: '%s', now '%s'", e->string, u, v ? v : "(none)");
            return 1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- checkpoint file */

static cJSON *read_json(const char *path) {
    char *text;
    size_t len;
    if (tc_read_regular_file(path, &text, &len)) return NULL;
    cJSON *j = cJSON_ParseWithLength(text, len);
    free(text);
    return j;
}

/* A count or offset of a checkpoint or marker: a whole number from 0 to
 * 2^53 (what a double holds exactly), else *bad is set and 0 returned. */
static double num_of(const cJSON *o, const char *key, int *bad) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    double x = cJSON_IsNumber(v) ? v->valuedouble : -1;
    if (!(x >= 0 && x <= 9007199254740992.0 && x == (double)(unsigned long long)x)) {
        *bad = 1;
        return 0;
    }
    return x;
}

/* A shard index or count (bounded like --num_shards); -1 when it is not one. */
static int shard_num(const cJSON *s, const char *key) {
    int bad = 0;
    double x = num_of(s, key, &bad);
    return bad || x > (1 << 20) ? -1 : (int)x;
}

static void add_counts(cJSON *j, const infer_counts *n) {
    cJSON_AddNumberToObject(j, "texts", (double)n->texts);
    cJSON_AddNumberToObject(j, "noise", (double)n->noise);
    cJSON_AddNumberToObject(j, "skipped", (double)n->skipped);
    cJSON_AddNumberToObject(j, "output_bytes", (double)n->out_bytes);
    cJSON_AddNumberToObject(j, "embedding_rows", (double)n->emb_rows);
}

static void read_counts(const cJSON *j, infer_counts *n, int *bad) {
    n->texts = (unsigned long long)num_of(j, "texts", bad);
    n->noise = (unsigned long long)num_of(j, "noise", bad);
    n->skipped = (unsigned long long)num_of(j, "skipped", bad);
    n->out_bytes = (unsigned long long)num_of(j, "output_bytes", bad);
    n->emb_rows = (unsigned long long)num_of(j, "embedding_rows", bad);
}

static cJSON *shard_obj(const infer_job *j) {
    cJSON *s = cJSON_CreateObject();
    cJSON_AddNumberToObject(s, "index", j->shard);
    cJSON_AddNumberToObject(s, "count", j->n_shards);
    return s;
}

/* Test-only fault: TEXTCLUST_TEST_INFER_KILL=N kills the process (SIGKILL,
 * nothing flushed) after the N-th batch is written, before its checkpoint;
 * =cN right after the N-th checkpoint. */
static void test_kill(const infer_job *j, int after_ckpt) {
    const char *at = getenv("TEXTCLUST_TEST_INFER_KILL");
    if (!at || (*at == 'c') != after_ckpt) return;
    static int batches;
    int n = after_ckpt ? j->n_ckpt : ++batches;
    if (atoi(at + after_ckpt) == n) kill(getpid(), SIGKILL);
}

static int write_ckpt(infer_job *j, const tc_reader_pos *pos, infer_counts *n, int complete) {
    if (fflush(j->f) != 0 || fsync(fileno(j->f)) != 0)
        return cli_failf("%s: write failed: %s", j->part, strerror(errno));
    off_t len = ftello(j->f);
    if (len < 0) return cli_failf("%s: %s", j->part, strerror(errno));
    n->out_bytes = (unsigned long long)len;
    n->emb_rows = j->w ? tc_npy_writer_rows(j->w) : 0;
    if (j->w && tc_npy_writer_sync(j->w)) return cli_fail(tc_last_error());
    if (j->n_ckpt == 0 && !j->resumed) { /* the parts' names, before a checkpoint names them */
        char *d = dir_of(j->part), *e = j->emb_part ? dir_of(j->emb_part) : NULL;
        int bad = (d && tc_fsync_dir(d)) || (e && tc_fsync_dir(e));
        free(d), free(e);
        if (bad) return cli_fail(tc_last_error());
    }
    cJSON *c = cJSON_CreateObject(), *p = cJSON_CreateObject();
    cJSON_AddNumberToObject(c, "textclust_infer_checkpoint", 1);
    cJSON_AddBoolToObject(c, "complete", complete);
    cJSON_AddItemToObject(c, "shard", shard_obj(j));
    cJSON_AddNumberToObject(p, "file", (double)pos->file);
    cJSON_AddNumberToObject(p, "offset", (double)pos->offset);
    cJSON_AddNumberToObject(p, "line", (double)pos->line);
    cJSON_AddItemToObject(c, "position", p);
    add_counts(c, n);
    cJSON_AddItemReferenceToObject(c, "identity", j->ident);
    char *s = cJSON_Print(c);
    cJSON_Delete(c);
    if (!s) return cli_fail("out of memory");
    int rc = tc_atomic_write(j->ckpt, s, strlen(s));
    cJSON_free(s);
    if (rc) return cli_fail(tc_last_error());
    j->n_ckpt++, j->batches = 0, j->last = cli_now();
    test_kill(j, 1);
    return 0;
}

/* The checkpoint at j->ckpt: 1 read into j (identity checked), 0 none,
 * -1 after printing why it cannot be used. */
static int read_ckpt(infer_job *j, int *complete) {
    if (!exists(j->ckpt)) return 0;
    cJSON *c = read_json(j->ckpt);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "position");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(c, "shard");
    int bad = !c || !cJSON_IsObject(p) || !cJSON_IsObject(s) ||
              !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(c, "textclust_infer_checkpoint"));
    char msg[1024];
    int rc = 1;
    if (!bad) {
        j->pos.file = (unsigned long long)num_of(p, "file", &bad);
        j->pos.offset = (unsigned long long)num_of(p, "offset", &bad);
        j->pos.line = (unsigned long long)num_of(p, "line", &bad);
        read_counts(c, &j->n, &bad);
        *complete = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "complete"));
    }
    if (bad) {
        rc = -1, cli_failf("%s: not a textclust infer checkpoint (or damaged); pass --restart to start "
                           "over", j->ckpt);
    } else if (shard_num(s, "index") != j->shard || shard_num(s, "count") != j->n_shards) {
        rc = -1, cli_failf("%s: belongs to shard %d of %d, not %d of %d; pass --restart to start over",
                           j->ckpt, shard_num(s, "index"), shard_num(s, "count"), j->shard, j->n_shards);
    } else if (infer_identity_diff(cJSON_GetObjectItemCaseSensitive(c, "identity"), j->ident, msg, sizeof msg)) {
        rc = -1, cli_failf("%s: cannot continue this run: %s since the checkpoint. Rerun with the "
                           "same input, save folder and flags to continue, or pass --restart to start "
                           "over (this deletes %s and the checkpoint)", j->ckpt, msg, j->part);
    }
    cJSON_Delete(c);
    return rc;
}

/* ---------------------------------------------------------------- the job */

/* Opens OUT.part and holds it locked (flock, kept by a second descriptor
 * until the job is closed, so past the final rename): a second run of the
 * same output, such as a requeued Slurm task beside a live one, stops
 * instead of writing into the same part. The part is created empty when
 * missing. The descriptor is returned; -1 after printing the error. */
static int lock_part(infer_job *j) {
    int fd = open(j->part, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) return cli_failf("--output %s: %s", j->part, strerror(errno)), -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0 || (j->lock_fd = dup(fd)) < 0) {
        int busy = errno == EWOULDBLOCK;
        close(fd);
        if (busy)
            cli_failf("%s: another infer is writing this output (it holds %s locked); wait for it "
                      "to end, or stop it and run this again to continue", j->out, j->part);
        else
            cli_failf("%s: cannot lock: %s", j->part, strerror(errno));
        return -1;
    }
    return fd;
}

int infer_job_open(infer_job *j, cli_opts *o, const char *input, const char *save, int dim) {
    memset(j, 0, sizeof *j);
    j->lock_fd = -1;
    j->n_shards = o->num_shards > 1 ? o->num_shards : 1;
    j->shard = o->shard_index;
    j->f = stdout;
    j->dim = dim;
    j->last = cli_now();
    struct stat st;
    int stream = !o->output || (stat(o->output, &st) == 0 && !S_ISREG(st.st_mode));
    if (stream && j->n_shards > 1)
        return cli_failf("--num_shards needs --output FILE: each shard writes its own file");
    if (stream) { /* standard output or a device: written as it comes, not resumable */
        if (o->output && !(j->f = fopen(o->output, "wb"))) {
            j->f = stdout;
            return cli_failf("--output %s: %s", o->output, strerror(errno));
        }
        if (o->output_embeddings && tc_npy_writer_open(o->output_embeddings, (size_t)dim, &j->w))
            return cli_fail(tc_last_error());
        return 0;
    }
    j->f = NULL;
    int sh = j->n_shards > 1;
    /* a symlinked output stays a link: the file it points to is replaced */
    j->out = sh ? infer_shard_path(o->output, j->shard, j->n_shards) : tc_atomic_target(o->output);
    j->part = j->out ? with_suffix(j->out, ".part") : NULL;
    j->ckpt = j->out ? with_suffix(j->out, ".ckpt") : NULL;
    j->marker = sh && j->out ? with_suffix(j->out, ".done") : NULL;
    if (o->output_embeddings) {
        j->emb = sh ? infer_shard_path(o->output_embeddings, j->shard, j->n_shards)
                    : strdup(o->output_embeddings);
        j->emb_part = j->emb ? with_suffix(j->emb, ".part") : NULL;
    }
    if (!j->part || !j->ckpt || (sh && !j->marker) || (o->output_embeddings && !j->emb_part))
        return cli_fail("out of memory");
    if (!(j->ident = infer_identity(o, input, save))) return 1;

    if (j->marker && exists(j->marker) && !o->restart) { /* a shard that finished before */
        cJSON *m;
        char msg[1024];
        if (infer_marker_read(j->marker, &m) == 0) {
            const cJSON *s = cJSON_GetObjectItemCaseSensitive(m, "shard");
            int bad = 0, same = shard_num(s, "index") == j->shard &&
                                !infer_identity_diff(cJSON_GetObjectItemCaseSensitive(m, "identity"),
                                                     j->ident, msg, sizeof msg) &&
                                cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, "embeddings")) ==
                                    (j->emb != NULL);
            if (same && !bad) read_counts(m, &j->n, &bad);
            cJSON_Delete(m);
            if (same && !bad) {
                j->done_already = 1;
                if (!o->quiet)
                    cli_infof("%s: shard %d of %d is complete already (%s); --restart redoes it",
                              j->out, j->shard, j->n_shards, j->marker);
                return 0;
            }
        }
    }
    int complete = 0, found = o->restart ? 0 : read_ckpt(j, &complete);
    if (found < 0) return 1;
    if (found && complete) { /* killed while finishing: only the renames are left */
        j->resumed = 1;
        if (j->marker) unlink(j->marker);
        if (infer_job_finish(j, &j->n)) return 1;
        j->done_already = 1;
        return 0;
    }
    int fd = lock_part(j);
    if (fd < 0) return 1;
    if (j->marker) unlink(j->marker); /* an old marker must not vouch for new output */
    if (o->restart) unlink(j->ckpt), j->emb_part ? unlink(j->emb_part) : 0;
    if (found) {
        j->resumed = 1;
        if (!(j->f = fdopen(fd, "r+b"))) {
            close(fd);
            return cli_failf("%s: %s", j->part, strerror(errno));
        }
        if (fstat(fileno(j->f), &st) != 0 || (unsigned long long)st.st_size < j->n.out_bytes)
            return cli_failf("%s: shorter than the %llu bytes its checkpoint counts; pass --restart "
                             "to start over", j->part, j->n.out_bytes);
        if (ftruncate(fileno(j->f), (off_t)j->n.out_bytes) != 0 || fseeko(j->f, 0, SEEK_END) != 0)
            return cli_failf("%s: %s", j->part, strerror(errno));
        if (j->emb_part && tc_npy_writer_resume(j->emb_part, j->emb, (size_t)dim, j->n.emb_rows, &j->w))
            return cli_failf("%s (pass --restart to start over)", tc_last_error());
        if (!o->quiet)
            cli_infof("%s: continuing from its checkpoint: %llu texts done", j->out, j->n.texts);
        return 0;
    }
    if (ftruncate(fd, 0) != 0 || !(j->f = fdopen(fd, "w+b"))) {
        close(fd);
        return cli_failf("--output %s: %s", j->part, strerror(errno));
    }
    j->fresh = 1;
    if (j->emb_part && tc_npy_writer_resume(j->emb_part, j->emb, (size_t)dim, 0, &j->w))
        return cli_fail(tc_last_error());
    return 0;
}

int infer_job_step(infer_job *j, const tc_reader *r, const infer_counts *n) {
    test_kill(j, 0);
    if (!j->ckpt) return 0;
    if (++j->batches < INFER_CKPT_BATCHES && cli_now() - j->last < INFER_CKPT_SECONDS) return 0;
    tc_reader_pos pos;
    tc_reader_tell(r, &pos);
    infer_counts c = *n;
    return write_ckpt(j, &pos, &c, 0);
}

int infer_job_cancel(infer_job *j, const tc_reader_pos *pos, const infer_counts *n) {
    if (!j->ckpt) { /* a stream: what was written stays written */
        if (fflush(j->f) != 0) return cli_failf("%s: write failed: %s", j->out ? j->out : "stdout", strerror(errno));
        return 0;
    }
    infer_counts c = *n;
    return write_ckpt(j, pos, &c, 0);
}

static int write_marker(infer_job *j, const infer_counts *n, int dim) {
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "textclust_infer_shard", 1);
    cJSON_AddItemToObject(m, "shard", shard_obj(j));
    add_counts(m, n);
    cJSON_AddNumberToObject(m, "dim", dim);
    if (j->emb) {
        char *d = dir_of(j->emb), *real = d ? realpath(d, NULL) : NULL;
        const char *slash = strrchr(j->emb, '/');
        cli_sb p = {0};
        cli_sb_printf(&p, "%s/%s", real ? real : d ? d : ".", slash ? slash + 1 : j->emb);
        cJSON_AddStringToObject(m, "embeddings", p.s ? p.s : j->emb);
        cli_sb_free(&p), free(real), free(d);
    } else {
        cJSON_AddNullToObject(m, "embeddings");
    }
    cJSON_AddItemReferenceToObject(m, "identity", j->ident);
    char *s = cJSON_Print(m);
    cJSON_Delete(m);
    if (!s) return cli_fail("out of memory");
    int rc = tc_atomic_write(j->marker, s, strlen(s));
    cJSON_free(s);
    return rc ? cli_fail(tc_last_error()) : 0;
}

int infer_job_finish(infer_job *j, const infer_counts *n) {
    if (!j->ckpt) { /* a stream */
        int bad = fflush(j->f) != 0;
        if (j->f != stdout && fclose(j->f) != 0) bad = 1;
        j->f = stdout;
        if (bad) return cli_failf("%s: write failed: %s", j->out ? j->out : "stdout", strerror(errno));
        tc_npy_writer *w = j->w;
        j->w = NULL;
        return w && tc_npy_writer_close(w) ? cli_fail(tc_last_error()) : 0;
    }
    infer_counts c = *n;
    if (j->f) {
        tc_reader_pos end = {0, 0, 0};
        if (write_ckpt(j, &end, &c, 1)) return 1;
        int bad = fclose(j->f) != 0;
        j->f = NULL;
        if (bad) return cli_failf("%s: write failed: %s", j->part, strerror(errno));
    }
    if (j->emb_part && !j->w && exists(j->emb_part) && /* a finish cut short by a kill */
        tc_npy_writer_resume(j->emb_part, j->emb, (size_t)j->dim, c.emb_rows, &j->w))
        return cli_failf("%s (pass --restart to start over)", tc_last_error());
    if (j->w) {
        tc_npy_writer *w = j->w;
        j->w = NULL;
        if (tc_npy_writer_close(w)) return cli_fail(tc_last_error());
    }
    if (exists(j->part)) {
        char *d = dir_of(j->out);
        int bad = rename(j->part, j->out) != 0;
        if (bad) cli_failf("%s: cannot rename to %s: %s", j->part, j->out, strerror(errno));
        else if (d && tc_fsync_dir(d)) bad = cli_fail(tc_last_error());
        free(d);
        if (bad) return 1;
    }
    if (j->marker && write_marker(j, &c, j->dim)) return 1;
    unlink(j->ckpt);
    return 0;
}

void infer_job_close(infer_job *j) {
    if (j->f && j->f != stdout) fclose(j->f);
    if (j->ckpt) tc_npy_writer_leave(j->w);
    else tc_npy_writer_abort(j->w);
    if (j->fresh && j->n_ckpt == 0) { /* parts this run began, with no checkpoint to continue them */
        if (j->part) unlink(j->part);
        if (j->emb_part) unlink(j->emb_part);
    }
    free(j->out), free(j->part), free(j->ckpt), free(j->emb), free(j->emb_part), free(j->marker);
    cJSON_Delete(j->ident);
    if (j->lock_fd >= 0) close(j->lock_fd);
    memset(j, 0, sizeof *j);
    j->lock_fd = -1;
}

/* ---------------------------------------------------------------- markers */

int infer_marker_read(const char *path, cJSON **m) {
    *m = read_json(path);
    int bad = 0;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(*m, "shard");
    if (!*m || !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(*m, "textclust_infer_shard")) ||
        !cJSON_IsObject(s) || !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(*m, "identity"))) {
        cJSON_Delete(*m), *m = NULL;
        return cli_failf("%s: not a textclust shard marker (or damaged)", path);
    }
    infer_counts n;
    read_counts(*m, &n, &bad);
    num_of(*m, "dim", &bad);
    if (bad || shard_num(s, "index") < 0 || shard_num(s, "count") < 1 ||
        shard_num(s, "index") >= shard_num(s, "count")) {
        cJSON_Delete(*m), *m = NULL;
        return cli_failf("%s: a shard marker with missing or negative counts", path);
    }
    /* the output it vouches for: the marker's name less ".done" */
    size_t len = strlen(path);
    char *out = len > 5 ? strndup(path, len - 5) : NULL;
    struct stat st;
    unsigned long long want = (unsigned long long)num_of(*m, "output_bytes", &bad);
    int rc = 0;
    if (!out || stat(out, &st) != 0)
        rc = cli_failf("%s: its output %s is missing: %s", path, out ? out : "?", strerror(errno));
    else if ((unsigned long long)st.st_size != want)
        rc = cli_failf("%s: its output %s has %lld bytes, the marker says %llu: replaced or cut "
                       "since the shard finished; rerun the shard", path, out, (long long)st.st_size, want);
    free(out);
    if (rc) cJSON_Delete(*m), *m = NULL;
    return rc;
}
