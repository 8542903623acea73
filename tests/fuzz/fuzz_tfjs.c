/* fuzz_tfjs.c - the TF.js weights reader (src/embed/tfjs_weights.c): the
 * input is model.json, a NUL byte, then the bytes of the shards. The shard
 * names come from the manifest (whatever the reader accepts); the bytes are
 * cut into equal parts, the last taking the rest, and written to a
 * temporary folder under those names before tc_tfjs_load reads it. Every
 * tensor loaded is then looked up and checked for NaN as the encoder does. */
#include "fuzz.h"
#include "embed/tfjs_weights.h"

#include <cjson/cJSON.h>
#include <fcntl.h>

enum { MAX_SHARDS = 16 };

static char dir[64];
static char *written[MAX_SHARDS];
static int n_written;

static void put_file(const char *name, const void *p, size_t n) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return;  /* a name the file system refuses: the reader sees it missing */
    if (n && write(fd, p, n) != (ssize_t)n) abort();
    close(fd);
}

/* The shard names of the manifest that name a plain file in dir. */
static int shard_names(const char *json, char **names) {
    int k = 0;
    cJSON *root = cJSON_Parse(json), *g, *x;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(root, "weightsManifest"))
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(g, "paths")) {
            const char *s = cJSON_GetStringValue(x);
            if (!s || !*s || strchr(s, '/') || !strcmp(s, ".") || !strcmp(s, "..") ||
                !strcmp(s, "model.json") || strlen(s) > 200 || k == MAX_SHARDS)
                continue;
            if (!(names[k] = strdup(s))) abort();
            k++;
        }
    cJSON_Delete(root);
    return k;
}

static void remove_dir(void) {
    char path[128];
    snprintf(path, sizeof path, "%s/model.json", dir);
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/fuzz_tfjs.XXXXXX", tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
        if (!mkdtemp(dir)) abort();
        atexit(remove_dir);
    }
    const uint8_t *nul = memchr(data, 0, size);
    size_t jlen = nul ? (size_t)(nul - data) : size;
    char *json = fuzz_cstr(data, jlen);
    const uint8_t *blob = nul ? nul + 1 : data + size;
    size_t blen = (size_t)(data + size - blob);
    put_file("model.json", json, jlen);
    n_written = shard_names(json, written);
    for (int i = 0; i < n_written; i++) {
        size_t part = blen / (size_t)n_written, off = part * (size_t)i;
        put_file(written[i], blob + off, i + 1 < n_written ? part : blen - off);
    }
    free(json);

    tc_tfjs_weights w;
    if (tc_tfjs_load(dir, &w) == 0) {
        for (int i = 0; i < w.n; i++) {
            const tc_tfjs_tensor *t = &w.t[i];
            /* the bytes the shape describes, without wrapping, lie in the data */
            size_t bytes = 4;
            for (int d = 0; d < t->ndim; d++)
                if (t->shape[d] < 0 || __builtin_mul_overflow(bytes, (size_t)t->shape[d], &bytes)) abort();
            if (bytes != t->nbytes || t->offset > w.size || t->nbytes > w.size - t->offset) abort();
            const unsigned char *p = tc_tfjs_get(&w, t->name, t->dtype, t->ndim, t->shape);
            if (p && t->nbytes && p[t->nbytes - 1] == 0xa5 && p[0] == 0x5a) fuzz_init();
            tc_tfjs_check_finite(&w, t->name);
        }
        tc_tfjs_free(&w);
    }

    char path[512];
    for (int i = 0; i < n_written; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, written[i]);
        unlink(path);
        free(written[i]);
    }
    n_written = 0;
    return 0;
}
