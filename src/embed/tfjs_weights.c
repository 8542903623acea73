/* tfjs_weights.c - the weights of a TF.js graph model, as written by
 * tensorflowjs_converter: model.json holds "weightsManifest", a list of
 * groups {"paths": [shard files], "weights": [{"name", "shape", "dtype"}]};
 * each group's tensors are stored back to back, little-endian, in the
 * concatenation of its shard files. Only float32 and int32 tensors without
 * quantization are supported (that is what the USE-lite model uses).
 *
 * This reads tensors; it does not interpret the graph ("modelTopology").
 * The shards are read into one buffer (28 MB for USE-lite). */
#include "embed/tfjs_weights.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *read_text(const char *path, int *rc) {
    FILE *f = fopen(path, "rb");
    if (!f) { *rc = tc_error(errno == ENOENT ? TC_ENOTFOUND : TC_EIO, "%s: %s", path, strerror(errno)); return NULL; }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(size > 0 ? (size_t)size + 1 : 1);
    if (!buf) { fclose(f); *rc = tc_error(TC_ENOMEM, "%s: out of memory", path); return NULL; }
    size_t got = size > 0 ? fread(buf, 1, (size_t)size, f) : 0;
    fclose(f);
    buf[got] = 0;
    *rc = 0;
    return buf;
}

static int parse_manifest(const char *json_path, const cJSON *man, tc_tfjs_weights *w) {
    const cJSON *g, *x;
    int n_t = 0, n_s = 0;
    cJSON_ArrayForEach(g, man) {
        const cJSON *paths = cJSON_GetObjectItem(g, "paths"), *ws = cJSON_GetObjectItem(g, "weights");
        if (!cJSON_IsArray(paths) || !cJSON_IsArray(ws))
            return tc_error(TC_EFORMAT, "%s: weightsManifest group without \"paths\" and \"weights\"", json_path);
        n_s += cJSON_GetArraySize(paths);
        n_t += cJSON_GetArraySize(ws);
    }
    w->t = calloc((size_t)n_t + 1, sizeof *w->t);
    w->shard_path = calloc((size_t)n_s + 1, sizeof *w->shard_path);
    w->shard_start = calloc((size_t)n_s + 1, sizeof *w->shard_start);
    if (!w->t || !w->shard_path || !w->shard_start) return tc_error(TC_ENOMEM, "%s: out of memory", json_path);
    size_t off = 0;
    cJSON_ArrayForEach(g, man) {
        size_t group_start = off;
        int first_shard = w->n_shards;
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(g, "weights")) {
            tc_tfjs_tensor *t = &w->t[w->n];
            const cJSON *name = cJSON_GetObjectItem(x, "name"), *shape = cJSON_GetObjectItem(x, "shape"),
                        *dtype = cJSON_GetObjectItem(x, "dtype");
            if (!cJSON_IsString(name) || !cJSON_IsArray(shape) || !cJSON_IsString(dtype))
                return tc_error(TC_EFORMAT, "%s: weight %d lacks name, shape or dtype", json_path, w->n);
            if (cJSON_GetObjectItem(x, "quantization"))
                return tc_error(TC_EUNSUPPORTED, "%s: weight %s is quantized (not supported)", json_path,
                                name->valuestring);
            t->name = tc_strdup(name->valuestring);
            if (!t->name) return tc_error(TC_ENOMEM, "%s: out of memory", json_path);
            w->n++;
            if (strcmp(dtype->valuestring, "float32") == 0) t->dtype = TC_TFJS_FLOAT32;
            else if (strcmp(dtype->valuestring, "int32") == 0) t->dtype = TC_TFJS_INT32;
            else return tc_error(TC_EUNSUPPORTED, "%s: weight %s has dtype %s (not supported)", json_path,
                                 t->name, dtype->valuestring);
            t->ndim = cJSON_GetArraySize(shape);
            if (t->ndim > 8) return tc_error(TC_EFORMAT, "%s: weight %s has %d dims", json_path, t->name, t->ndim);
            size_t count = 1;
            for (int d = 0; d < t->ndim; d++) {
                const cJSON *v = cJSON_GetArrayItem(shape, d);
                if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e9)
                    return tc_error(TC_EFORMAT, "%s: weight %s: bad shape", json_path, t->name);
                t->shape[d] = v->valueint;
                /* a wrapped product would let a huge shape pass the shard size check */
                if (t->shape[d] && count > SIZE_MAX / 4 / (size_t)t->shape[d])
                    return tc_error(TC_EFORMAT, "%s: weight %s: shape too large", json_path, t->name);
                count *= (size_t)t->shape[d];
            }
            t->offset = off;
            t->nbytes = count * 4;
            if (t->nbytes > SIZE_MAX - off)
                return tc_error(TC_EFORMAT, "%s: weight %s: the weights are too large", json_path, t->name);
            off += t->nbytes;
        }
        /* read this group's shards */
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(g, "paths")) {
            if (!cJSON_IsString(x) || strchr(x->valuestring, '/') || strcmp(x->valuestring, "..") == 0)
                return tc_error(TC_EFORMAT, "%s: bad shard path", json_path);
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", w->dir, x->valuestring);
            w->shard_path[w->n_shards] = tc_strdup(path);
            if (!w->shard_path[w->n_shards]) return tc_error(TC_ENOMEM, "%s: out of memory", json_path);
            w->n_shards++;
        }
        size_t need = off - group_start, have = 0, first_size = 0;
        for (int s = first_shard; s < w->n_shards; s++) {
            struct stat st;
            if (stat(w->shard_path[s], &st) != 0)
                return tc_error(TC_ENOTFOUND, "weight shard %s: %s", w->shard_path[s], strerror(errno));
            if (s == first_shard) first_size = (size_t)st.st_size;
            else if (s + 1 < w->n_shards && (size_t)st.st_size != first_size)
                return tc_error(TC_EFORMAT, "weight shard %s: %zu bytes, its siblings have %zu (truncated?)",
                                w->shard_path[s], (size_t)st.st_size, first_size);
            w->shard_start[s] = group_start + have;
            have += (size_t)st.st_size;
        }
        if (have != need && w->n_shards == first_shard)
            return tc_error(TC_EFORMAT, "%s: a weight group of %zu bytes names no shard file", json_path, need);
        if (have != need)
            return tc_error(TC_EFORMAT, "weight shard %s: the shards hold %zu bytes, %s describes %zu "
                            "(truncated or corrupt file)", w->shard_path[w->n_shards - 1], have, json_path, need);
    }
    w->size = off;
    return 0;
}

int tc_tfjs_load(const char *dir, tc_tfjs_weights *w) {
    memset(w, 0, sizeof *w);
    snprintf(w->dir, sizeof w->dir, "%s", dir);
    char json_path[8192];
    snprintf(json_path, sizeof json_path, "%s/model.json", dir);
    int rc;
    char *text = read_text(json_path, &rc);
    if (!text) return rc;
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *man = root ? cJSON_GetObjectItem(root, "weightsManifest") : NULL;
    if (!cJSON_IsArray(man)) rc = tc_error(TC_EFORMAT, "%s: no \"weightsManifest\" array", json_path);
    else rc = parse_manifest(json_path, man, w);
    cJSON_Delete(root);
    if (!rc) {
        w->data = malloc(w->size ? w->size : 1);
        if (!w->data) rc = tc_error(TC_ENOMEM, "%s: out of memory for %zu bytes of weights", json_path, w->size);
    }
    for (int s = 0; !rc && s < w->n_shards; s++) {
        size_t len = (s + 1 < w->n_shards ? w->shard_start[s + 1] : w->size) - w->shard_start[s];
        FILE *f = fopen(w->shard_path[s], "rb");
        if (!f) { rc = tc_error(TC_EIO, "weight shard %s: %s", w->shard_path[s], strerror(errno)); break; }
        size_t got = fread(w->data + w->shard_start[s], 1, len, f);
        fclose(f);
        if (got != len) rc = tc_error(TC_EIO, "weight shard %s: read %zu of %zu bytes", w->shard_path[s], got, len);
    }
    for (int i = 0; !rc && i < w->n; i++) {
        int s = 0;
        while (s + 1 < w->n_shards && w->shard_start[s + 1] <= w->t[i].offset) s++;
        w->t[i].shard = s;
    }
    if (rc) tc_tfjs_free(w);
    return rc;
}

void tc_tfjs_free(tc_tfjs_weights *w) {
    for (int i = 0; i < w->n; i++) free(w->t[i].name);
    for (int s = 0; s < w->n_shards; s++) free(w->shard_path[s]);
    free(w->t);
    free(w->shard_path);
    free(w->shard_start);
    free(w->data);
    memset(w, 0, sizeof *w);
}

static const tc_tfjs_tensor *find(const tc_tfjs_weights *w, const char *name) {
    for (int i = 0; i < w->n; i++)
        if (strcmp(w->t[i].name, name) == 0) return &w->t[i];
    return NULL;
}

static void shape_str(char *buf, size_t cap, int ndim, const int *shape) {
    size_t o = (size_t)snprintf(buf, cap, "[");
    for (int d = 0; d < ndim && o < cap; d++) o += (size_t)snprintf(buf + o, cap - o, d ? ", %d" : "%d", shape[d]);
    if (o < cap) snprintf(buf + o, cap - o, "]");
}

const void *tc_tfjs_get(const tc_tfjs_weights *w, const char *name, int dtype, int ndim, const int *shape) {
    const tc_tfjs_tensor *t = find(w, name);
    if (!t) { tc_error(TC_EFORMAT, "%s/model.json: no weight named %s", w->dir, name); return NULL; }
    int same = t->ndim == ndim && t->dtype == dtype;
    for (int d = 0; same && d < ndim; d++) same = t->shape[d] == shape[d];
    if (!same) {
        char want[128], got[128];
        shape_str(want, sizeof want, ndim, shape);
        shape_str(got, sizeof got, t->ndim, t->shape);
        tc_error(TC_EFORMAT, "%s/model.json: weight %s is %s %s, expected %s %s", w->dir, name,
                 t->dtype == TC_TFJS_FLOAT32 ? "float32" : "int32", got,
                 dtype == TC_TFJS_FLOAT32 ? "float32" : "int32", want);
        return NULL;
    }
    return w->data + t->offset;
}

int tc_tfjs_check_finite(const tc_tfjs_weights *w, const char *name) {
    const tc_tfjs_tensor *t = find(w, name);
    if (!t || t->dtype != TC_TFJS_FLOAT32) return 0;
    const float *v = (const float *)(w->data + t->offset);
    size_t n = t->nbytes / 4;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) {
            size_t at = t->offset + 4 * i;
            int s = 0;
            while (s + 1 < w->n_shards && w->shard_start[s + 1] <= at) s++;
            return tc_error(TC_EFORMAT, "weight shard %s: weight %s holds a NaN or infinity at byte %zu "
                            "(corrupt file)", w->shard_path[s], name, at - w->shard_start[s]);
        }
    return 0;
}
