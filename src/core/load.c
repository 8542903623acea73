/* load.c - reads a save folder written by textclust or by the Python
 * reference, checking that every file agrees on the number of texts. */
#include "core/core.h"
#include "io/io.h"
#include "label/label.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static cJSON *load_json(const char *path, int *rc) {
    char *text;
    size_t len;
    *rc = tc_read_regular_file(path, &text, &len);
    if (*rc) return NULL;
    cJSON *j = cJSON_ParseWithLength(text, len);
    if (!j) *rc = tc_error(TC_EFORMAT, "%s: not valid JSON (near byte %ld)", path,
                           (long)(cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - text : 0));
    free(text);
    return j;
}

/* Checks faiss.index against (n, d) from embeddings.npy, and its size
 * against what its own header implies (the layout is in io/faiss.c), so a
 * cut or padded file is caught without reading the vectors. */
static int check_faiss(const char *path, size_t n, int d) {
    FILE *f;
    int orc = tc_fopen_regular(path, "a faiss index is read from a file", &f);
    if (orc) return orc == TC_ENOTFOUND ? 0 : orc;
    struct stat st;
    unsigned char h[49];
    size_t got = fread(h, 1, sizeof h, f);
    int stat_rc = fstat(fileno(f), &st);
    fclose(f);
    if (stat_rc != 0) return tc_error(TC_EIO, "%s: %s", path, strerror(errno));
    if (got < 45 || h[0] != 'I' || h[1] != 'x' || h[2] != 'F')
        return tc_error(TC_EFORMAT, "%s: not a faiss IndexFlat file", path);
    int32_t fd, metric;
    int64_t fn;
    uint64_t count;
    memcpy(&fd, h + 4, 4);
    memcpy(&fn, h + 8, 8);
    memcpy(&metric, h + 33, 4);
    size_t off = metric > 1 ? 41 : 37;  /* a float metric_arg follows other metrics */
    if (got < off + 8) return tc_error(TC_EFORMAT, "%s: truncated faiss index header", path);
    memcpy(&count, h + off, 8);
    off += 8;
    if (fd != d || fn != (int64_t)n)
        return tc_error(TC_EMISMATCH, "%s holds %lld vectors of dimension %d but embeddings.npy "
                        "has %zu of dimension %d", path, (long long)fn, fd, n, d);
    /* n * d fits: embeddings.npy of that shape was just read into memory */
    uint64_t want = (uint64_t)n * (uint64_t)d;
    if (count != want)
        return tc_error(TC_EFORMAT, "%s: header says %lld x %d but counts %llu floats", path,
                        (long long)fn, fd, (unsigned long long)count);
    uint64_t size = (uint64_t)st.st_size, need = off + 4 * want;
    if (size != need)
        return tc_error(TC_EFORMAT, "%s: %s: %lld vectors of dimension %d take %llu bytes, the "
                        "file has %llu", path, size < need ? "truncated" : "trailing bytes",
                        (long long)fn, fd, (unsigned long long)need, (unsigned long long)size);
    return 0;
}

/* 1 when the .npy file at path holds a 1-D array. tc_npy_load_f32 reads
 * (n,) as (n, 1); the shape tuple of the header tells them apart. */
static int npy_is_1d(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char h[1024];
    size_t got = fread(h, 1, sizeof h - 1, f);
    fclose(f);
    h[got] = 0;
    if (got < 10) return 0;
    const char *shape = memmem(h, got, "'shape'", 7);  /* the length bytes may be 0 */
    const char *open = shape ? strchr(shape, '(') : NULL;
    const char *close = open ? strchr(open, ')') : NULL;
    if (!close) return 0;
    const char *comma = memchr(open, ',', (size_t)(close - open));
    if (!comma) return 0;
    for (const char *q = comma + 1; q < close; q++)
        if (*q != ' ') return 0;
    return 1;
}

static int load_summaries(tc_classifier *c, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return 0;  /* saved without summaries */
    int rc;
    cJSON *j = load_json(path, &rc);
    if (!j) return rc;
    if (!cJSON_IsObject(j)) { cJSON_Delete(j); return tc_error(TC_EFORMAT, "%s: expected a JSON object", path); }
    size_t k = (size_t)cJSON_GetArraySize(j);
    c->names = calloc(k ? k : 1, sizeof *c->names);
    if (!c->names) { cJSON_Delete(j); return tc_error(TC_ENOMEM, "out of memory"); }
    for (cJSON *e = j->child; e; e = e->next) {
        char *end;
        long long label = strtoll(e->string, &end, 10);
        if (!*e->string || *end) {
            rc = tc_error(TC_EFORMAT, "%s: key \"%s\" is not a cluster number", path, e->string);
            break;
        }
        if (label < 0) continue;
        tc_cluster_label *l = &c->names[c->n_names++];
        l->label = label;
        l->score = -1;
        l->summary = strdup(cJSON_IsString(e) ? e->valuestring : "");
        if (!l->summary) {
            rc = tc_error(TC_ENOMEM, "out of memory");
            break;
        }
        if ((rc = tc_summary_single_parse(l->summary, &l->topic, &l->score))) break;
    }
    cJSON_Delete(j);
    /* ascending label order, as everywhere else */
    for (size_t a = 1; a < c->n_names; a++)
        for (size_t b = a; b > 0 && c->names[b - 1].label > c->names[b].label; b--) {
            tc_cluster_label t = c->names[b];
            c->names[b] = c->names[b - 1], c->names[b - 1] = t;
        }
    return rc;
}

/* Our own textclust.json: the encoder id, topic mode and the names' extras. */
static int load_meta(tc_classifier *c, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return 0;  /* a folder from the Python reference */
    int rc;
    cJSON *j = load_json(path, &rc);
    if (!j) return rc;
    cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "model");
    if (cJSON_IsString(v)) snprintf(c->model, sizeof c->model, "%s", v->valuestring);
    v = cJSON_GetObjectItemCaseSensitive(j, "embed_dtype");
    c->dtype = 0;
    if (v && (!cJSON_IsString(v) || (c->dtype = tc_dtype_by_name(v->valuestring)) <= 0)) {
        cJSON_Delete(j);
        return tc_error(TC_EFORMAT, "%s: embed_dtype: not fp32, bf16 or int8", path);
    }
    cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "summary");
    v = cJSON_GetObjectItemCaseSensitive(s, "topic_mode");
    if (cJSON_IsString(v)) c->p.label.topic_mode = strcmp(v->valuestring, "single_topic") == 0;
    v = cJSON_GetObjectItemCaseSensitive(j, "seed");
    /* out-of-range doubles would make the casts below undefined */
    if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 0x1p64)
        c->p.seed = (uint64_t)v->valuedouble;
    /* the topic tree (older saves have none) */
    cJSON *tree = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "tree"), "nodes");
    if (tree && (rc = tc_topic_tree_parse(tree, path, c->n, &c->tree, &c->n_tree))) {
        cJSON_Delete(j);
        return rc;
    }
    cJSON *clusters = cJSON_GetObjectItemCaseSensitive(j, "clusters"), *e;
    cJSON_ArrayForEach(e, clusters) {
        cJSON *lab = cJSON_GetObjectItemCaseSensitive(e, "label");
        int lab_ok = cJSON_IsNumber(lab) && fabs(lab->valuedouble) < 0x1p63;
        for (size_t t = 0; lab_ok && t < c->n_names; t++) {
            tc_cluster_label *l = &c->names[t];
            if (l->label != (int64_t)lab->valuedouble) continue;
            cJSON *kw = cJSON_GetObjectItemCaseSensitive(e, "keywords");
            cJSON *score = cJSON_GetObjectItemCaseSensitive(e, "score");
            cJSON *topic = cJSON_GetObjectItemCaseSensitive(e, "topic");
            if (cJSON_IsString(kw) && !l->keywords) l->keywords = strdup(kw->valuestring);
            if (cJSON_IsNumber(score))
                l->score = score->valuedouble >= 1 && score->valuedouble <= 10 ? (int)score->valuedouble : -1;
            if (cJSON_IsString(topic)) { free(l->topic); l->topic = strdup(topic->valuestring); }
        }
    }
    cJSON_Delete(j);
    return 0;
}

/* Stage "load" counts the bytes of the arrays, texts.json and tfidf.bin
 * (their sizes when the load starts). */
static size_t load_bytes(const char *dir) {
    static const char *const files[] = {"embeddings.npy", "projections.npy", "cluster_labels.npy",
                                        "texts.json", "tfidf.bin"};
    size_t total = 0;
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[4400];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) total += (size_t)st.st_size;
    }
    return total;
}

static int load_arrays(tc_classifier *c, const char *dir, tc_meter *m) {
    char path[4400];
    size_t rows, cols, n;
    int rc;
#define IN(name) (snprintf(path, sizeof path, "%s/%s", dir, name), path)
    if ((rc = tc_npy_load_f32_meter(IN("embeddings.npy"), &c->emb, &rows, &cols, m))) return rc;
    if (rows == 0) return tc_error(TC_EFORMAT, "%s: no embeddings", path);
    if (cols == 1 && npy_is_1d(path))
        return tc_error(TC_EFORMAT, "%s: a 1-D array of %zu values; expected shape (N, d): one "
                        "d-dim embedding per text", path, rows);
    if (cols == 0 || cols > INT32_MAX)
        return tc_error(TC_EFORMAT, "%s: shape (%zu, %zu); expected (N, d) with d >= 1", path, rows, cols);
    c->n = rows, c->dim = (int)cols;
    /* a NaN row is never anyone's nearest neighbour and a NaN point sinks
     * the map's bounds, so a folder's arrays must hold finite numbers */
    if ((rc = tc_check_finite(path, c->emb, rows, cols))) return rc;
    if ((rc = tc_npy_load_f32_meter(IN("projections.npy"), &c->proj, &rows, &cols, m))) return rc;
    if (rows != c->n || cols != 2)
        return tc_error(TC_EMISMATCH, "%s is %zu x %zu but embeddings.npy has %zu rows (expected %zu x 2)",
                        path, rows, cols, c->n, c->n);
    if ((rc = tc_check_finite(path, c->proj, rows, cols))) return rc;
    if ((rc = tc_npy_load_i64_meter(IN("cluster_labels.npy"), &c->labels, &n, m))) return rc;
    if (n != c->n)
        return tc_error(TC_EMISMATCH, "%s has %zu labels but embeddings.npy has %zu rows", path, n, c->n);
    size_t n_texts = c->n;  /* tc_classifier_clear frees as many as c->n */
    c->n = 0;
    rc = tc_json_load_strings_meter(IN("texts.json"), n_texts, &c->texts, &n, m);
    c->n = n_texts;
    if (rc == TC_EMISMATCH)
        return tc_error(TC_EMISMATCH, "%s has %zu texts but embeddings.npy has %zu rows", path, n, c->n);
    if (rc) { c->texts = NULL; return rc; }
    if (n != c->n) {
        tc_strings_free(c->texts, n);
        c->texts = NULL;
        return tc_error(TC_EMISMATCH, "%s has %zu texts but embeddings.npy has %zu rows", path, n, c->n);
    }
    if ((rc = check_faiss(IN("faiss.index"), c->n, c->dim))) return rc;
    if ((rc = load_summaries(c, IN("cluster_summaries.json")))) return rc;
    if ((rc = load_meta(c, IN("textclust.json")))) return rc;
    /* read now, used when the encoder opens (tc_classifier_open_encoder) */
    struct stat st;
    if (stat(IN("tfidf.bin"), &st) == 0) {
        char *state;
        if ((rc = tc_read_regular_file(path, &state, &c->enc_state_len))) return rc;
        tc_meter_add(m, c->enc_state_len);
        c->enc_state = state;
    }
#undef IN
    return 0;
}

/* The folder's files, read under a lock its caller holds. */
static int load_dir(const char *folder, const tc_params *p, tc_classifier **out) {
    tc_classifier *c;
    int rc = tc_classifier_new(p, &c);
    if (rc) return rc;
    tc_meter m;
    rc = tc_meter_start(&m, c->p.progress, c->p.progress_ctx, "load", load_bytes(folder));
    if (!rc) rc = load_arrays(c, folder, &m);
    if (!rc) rc = tc_meter_report(&m, m.total);
    if (!rc) {
        for (size_t i = 0; i < c->n; i++) c->stats.n_noise += c->labels[i] < 0;
        rc = tc_classifier_compute_centres(c);
    }
    if (rc) {
        tc_classifier_free(c);
        return tc_error_prefix(rc, "loading %s", folder);
    }
    *out = c;
    return 0;
}

int tc_classifier_load(const char *folder, const tc_params *p, tc_classifier **out) {
    *out = NULL;
    struct stat st;
    if (!folder || stat(folder, &st) != 0)
        return tc_error(TC_ENOTFOUND, "%s: %s", folder ? folder : "(null)", strerror(errno));
    if (!S_ISDIR(st.st_mode)) return tc_error(TC_EINVAL, "%s: not a save folder", folder);
    /* Shared lock for the read, which also finishes a save a killed run left
     * half done; a caller holding its own handle already did both. */
    tc_save_folder *sf;
    int rc = tc_save_folder_open(folder, TC_SAVE_READ, &sf);
    if (rc) return rc;
    rc = load_dir(folder, p, out);
    tc_save_folder_close(sf);
    return rc;
}

int tc_classifier_load_from(tc_save_folder *sf, const tc_params *p, tc_classifier **out) {
    *out = NULL;
    return load_dir(tc_save_folder_path(sf), p, out);
}
