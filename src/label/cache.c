/* cache.c - LLM answers kept on disk so that a re-run, or a run resumed
 * after a failure, pays for no request twice. One small JSON file per
 * answer, {"answer": "..."}, named by a 128-bit FNV-1a hash of everything
 * that determines the answer: endpoint URL, model, generation parameters
 * and prompt. The API key is never part of the key or the file. Writes go
 * through tc_atomic_write (temporary, fsync, rename), so a reader sees a
 * whole answer or none. */
#include "label/label.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- key */

typedef unsigned __int128 u128;

static u128 fnv128(u128 h, const void *data, size_t n) {
    const u128 prime = ((u128)0x0000000001000000ULL << 64) | 0x000000000000013BULL;
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * prime;
    return h;
}

/* each field with its length first, so that field boundaries count */
static u128 field(u128 h, const char *s) {
    uint64_t n = s ? strlen(s) + 1 : 0;
    h = fnv128(h, &n, sizeof n);
    return s ? fnv128(h, s, n - 1) : h;
}

void tc_cache_key(const char *endpoint, const char *model, int max_new_tokens,
                  float temperature, const char *prompt, char key[33]) {
    u128 h = ((u128)0x6c62272e07bb0142ULL << 64) | 0x62b821756295c58dULL;
    char gen[64];
    snprintf(gen, sizeof gen, "max_new_tokens=%d temperature=%.6g", max_new_tokens,
             (double)temperature);
    h = field(h, "textclust-llm-cache-1");
    h = field(h, endpoint);
    h = field(h, model);
    h = field(h, gen);
    h = field(h, prompt);
    snprintf(key, 33, "%016llx%016llx", (unsigned long long)(uint64_t)(h >> 64),
             (unsigned long long)(uint64_t)h);
}

/* ---------------------------------------------------------------- files */

static char *path_of(const char *dir, const char key[33]) {
    tc_sb b = {0};
    tc_sb_printf(&b, "%s/%s.json", dir, key);
    return b.oom ? (tc_sb_free(&b), NULL) : b.s;
}

char *tc_cache_get(const char *dir, const char key[33]) {
    char *path = path_of(dir, key);
    if (!path) return NULL;
    FILE *f = fopen(path, "rb");
    free(path);
    if (!f) return NULL;
    tc_sb b = {0};
    char buf[4096];
    size_t r;
    while ((r = fread(buf, 1, sizeof buf, f)) > 0) tc_sb_append(&b, buf, r);
    fclose(f);
    if (!b.s || b.oom) { tc_sb_free(&b); return NULL; }
    cJSON *j = cJSON_Parse(b.s);
    tc_sb_free(&b);
    const char *a = cJSON_GetStringValue(cJSON_GetObjectItem(j, "answer"));
    char *out = a ? strdup(a) : NULL;
    cJSON_Delete(j);
    return out;
}

/* mkdir -p */
static int make_dirs(const char *dir) {
    char *d = strdup(dir);
    if (!d) return -1;
    for (char *p = d + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(d, 0777) && errno != EEXIST) { free(d); return -1; }
        *p = '/';
    }
    int rc = mkdir(d, 0777) && errno != EEXIST ? -1 : 0;
    free(d);
    return rc;
}

int tc_cache_put(const char *dir, const char key[33], const char *answer) {
    if (make_dirs(dir))
        return tc_error(TC_EIO, "label cache: cannot create %s: %s", dir, strerror(errno));
    cJSON *j = cJSON_CreateObject();
    if (!j || !cJSON_AddStringToObject(j, "answer", answer)) {
        cJSON_Delete(j);
        return tc_error(TC_ENOMEM, "label cache: out of memory");
    }
    char *text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    char *path = path_of(dir, key);
    tc_sb line = {0};
    if (text) tc_sb_printf(&line, "%s\n", text);
    int rc = !text || !path || line.oom ? tc_error(TC_ENOMEM, "label cache: out of memory")
                                        : tc_atomic_write(path, line.s, line.len);
    if (rc && rc != TC_ENOMEM) tc_error_prefix(rc, "label cache");
    free(text);
    free(path);
    tc_sb_free(&line);
    return rc;
}
