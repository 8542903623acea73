/* safetensors.c - the safetensors format (huggingface/safetensors, "format"
 * in its README): an unsigned 64-bit little-endian header length N, N bytes
 * of a JSON object {"name": {"dtype": "F32", "shape": [..], "data_offsets":
 * [begin, end]}, ..., "__metadata__": {..}}, then the tensors' bytes, whose
 * offsets count from the end of the header. The file is mapped read-only;
 * tensors are used in place.
 *
 * Everything in the header is untrusted: each shape's byte count is computed
 * without overflow and must equal end - begin, and each range must lie in
 * the file, so a reader of a tensor never leaves the mapping. */
#include "embed/safetensors.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The reference implementation refuses larger headers too. */
#define MAX_HEADER (100u << 20)

static const struct { const char *name; int size; } dtypes[TC_ST_N_DTYPES] = {
    [TC_ST_BOOL] = {"BOOL", 1}, [TC_ST_U8] = {"U8", 1},     [TC_ST_I8] = {"I8", 1},
    [TC_ST_F8_E5M2] = {"F8_E5M2", 1}, [TC_ST_F8_E4M3] = {"F8_E4M3", 1},
    [TC_ST_I16] = {"I16", 2},   [TC_ST_U16] = {"U16", 2},   [TC_ST_F16] = {"F16", 2},
    [TC_ST_BF16] = {"BF16", 2}, [TC_ST_I32] = {"I32", 4},   [TC_ST_U32] = {"U32", 4},
    [TC_ST_F32] = {"F32", 4},   [TC_ST_F64] = {"F64", 8},   [TC_ST_I64] = {"I64", 8},
    [TC_ST_U64] = {"U64", 8},
};

const char *tc_st_dtype_name(int dtype) {
    return dtype >= 0 && dtype < TC_ST_N_DTYPES ? dtypes[dtype].name : "?";
}

int tc_st_dtype_size(int dtype) { return dtype >= 0 && dtype < TC_ST_N_DTYPES ? dtypes[dtype].size : 0; }

size_t tc_st_count(const tc_st_tensor *t) {
    size_t c = 1;
    for (int d = 0; d < t->ndim; d++) c *= (size_t)t->shape[d];
    return c;
}

float tc_st_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0x1f) bits = sign | 0x7f800000u | (man << 13);          /* inf, NaN */
    else if (exp) bits = sign | ((exp + 112) << 23) | (man << 13);     /* normal: rebias 15 -> 127 */
    else if (!man) bits = sign;                                        /* zero */
    else {                                                             /* subnormal: normalise */
        int e = -1;
        do { man <<= 1; e++; } while (!(man & 0x400));
        bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3ff) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

float tc_st_bf16_to_f32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* A JSON number that is a whole number in [0, max]. */
static int get_uint(const cJSON *v, double max, uint64_t *out) {
    if (!cJSON_IsNumber(v)) return 0;
    double d = v->valuedouble;
    if (!(d >= 0 && d <= max) || d != floor(d)) return 0;
    *out = (uint64_t)d;
    return 1;
}

static int by_name(const void *a, const void *b) {
    return strcmp(((const tc_st_tensor *)a)->name, ((const tc_st_tensor *)b)->name);
}

static int parse_tensor(const tc_st_file *f, const cJSON *e, tc_st_tensor *t) {
    const char *p = f->path, *nm = e->string;
    if (!cJSON_IsObject(e)) return tc_error(TC_EFORMAT, "%s: header: tensor %s is not an object", p, nm);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype"), *sh = cJSON_GetObjectItemCaseSensitive(e, "shape"),
                *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt) || !cJSON_IsArray(sh) || !cJSON_IsArray(off))
        return tc_error(TC_EFORMAT, "%s: header: tensor %s lacks dtype, shape or data_offsets", p, nm);
    t->dtype = -1;
    for (int i = 0; i < TC_ST_N_DTYPES; i++)
        if (strcmp(dt->valuestring, dtypes[i].name) == 0) t->dtype = i;
    if (t->dtype < 0)
        return tc_error(TC_EFORMAT, "%s: header: tensor %s has unknown dtype \"%.40s\"", p, nm, dt->valuestring);
    t->ndim = cJSON_GetArraySize(sh);
    if (t->ndim > TC_ST_MAX_DIMS)
        return tc_error(TC_EFORMAT, "%s: header: tensor %s has %d dimensions (at most %d)", p, nm, t->ndim,
                        TC_ST_MAX_DIMS);
    /* the byte count, kept below the data size so nothing can wrap */
    uint64_t bytes = (uint64_t)dtypes[t->dtype].size, d;
    int big = 0;
    for (int i = 0; i < t->ndim; i++) {
        if (!get_uint(cJSON_GetArrayItem(sh, i), 9007199254740992.0, &d))
            return tc_error(TC_EFORMAT, "%s: header: tensor %s: shape[%d] is not a non-negative integer", p, nm, i);
        t->shape[i] = (int64_t)d;
        if (d && bytes > UINT64_MAX / d) big = 1;
        else bytes *= d;
    }
    uint64_t b0, b1;
    if (cJSON_GetArraySize(off) != 2 || !get_uint(cJSON_GetArrayItem(off, 0), 9007199254740992.0, &b0) ||
        !get_uint(cJSON_GetArrayItem(off, 1), 9007199254740992.0, &b1) || b1 < b0)
        return tc_error(TC_EFORMAT, "%s: header: tensor %s: data_offsets is not [begin, end] with begin <= end", p, nm);
    if (b1 > f->data_size)
        return tc_error(TC_EFORMAT, "%s: tensor %s: bytes %llu..%llu lie past the end of the data (%zu bytes; "
                        "truncated file?)", p, nm, (unsigned long long)b0, (unsigned long long)b1, f->data_size);
    for (int i = 0; !big && i < t->ndim; i++)
        if (t->shape[i] == 0) bytes = 0;
    if (big || bytes != b1 - b0)
        return tc_error(TC_EFORMAT, "%s: tensor %s: its shape needs %s bytes, data_offsets give %llu", p, nm,
                        big ? "too many" : "a different number of", (unsigned long long)(b1 - b0));
    t->offset = (size_t)b0;
    t->nbytes = (size_t)(b1 - b0);
    return 0;
}

static int parse_header(tc_st_file *f, const char *text, size_t len) {
    cJSON *root = cJSON_ParseWithLength(text, len);
    int rc = 0;
    if (!cJSON_IsObject(root)) {
        rc = tc_error(TC_EFORMAT, "%s: the header is not a JSON object (not a safetensors file?)", f->path);
        goto out;
    }
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, root) n++;
    f->t = calloc((size_t)n + 1, sizeof *f->t);
    if (!f->t) { rc = tc_error(TC_ENOMEM, "%s: out of memory", f->path); goto out; }
    cJSON_ArrayForEach(e, root) {
        if (!e->string) { rc = tc_error(TC_EFORMAT, "%s: header: an entry has no name", f->path); goto out; }
        if (strcmp(e->string, "__metadata__") == 0) continue;
        tc_st_tensor *t = &f->t[f->n];
        if ((rc = parse_tensor(f, e, t))) goto out;
        if (!(t->name = tc_strdup(e->string))) { rc = tc_error(TC_ENOMEM, "%s: out of memory", f->path); goto out; }
        f->n++;
    }
    qsort(f->t, (size_t)f->n, sizeof *f->t, by_name);
    for (int i = 1; i < f->n; i++)
        if (strcmp(f->t[i - 1].name, f->t[i].name) == 0) {
            rc = tc_error(TC_EFORMAT, "%s: header: tensor %s is listed twice", f->path, f->t[i].name);
            goto out;
        }
out:
    cJSON_Delete(root);
    return rc;
}

int tc_st_open(const char *path, tc_st_file *f) {
    memset(f, 0, sizeof *f);
    snprintf(f->path, sizeof f->path, "%s", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return tc_error(errno == ENOENT ? TC_ENOTFOUND : TC_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0) rc = tc_error(TC_EIO, "%s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode)) rc = tc_error(TC_EFORMAT, "%s: not a regular file", path);
    else if (st.st_size < 8)
        rc = tc_error(TC_EFORMAT, "%s: %lld bytes, shorter than a safetensors header (truncated file?)", path,
                      (long long)st.st_size);
    if (!rc) {
        f->map_size = (size_t)st.st_size;
        void *m = mmap(NULL, f->map_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) rc = tc_error(TC_EIO, "%s: mmap: %s", path, strerror(errno));
        else f->map = m;
    }
    close(fd);
    if (rc) { f->map_size = 0; return rc; }
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = hlen << 8 | f->map[i];
    if (hlen > MAX_HEADER || hlen > f->map_size - 8)
        rc = tc_error(TC_EFORMAT, "%s: header length %llu does not fit in the file's %zu bytes (truncated or "
                      "not a safetensors file)", path, (unsigned long long)hlen, f->map_size);
    else if (hlen == 0 || f->map[8] != '{')
        rc = tc_error(TC_EFORMAT, "%s: the header does not start with '{' (not a safetensors file?)", path);
    if (!rc) {
        f->data = f->map + 8 + hlen;
        f->data_size = f->map_size - 8 - (size_t)hlen;
        rc = parse_header(f, (const char *)f->map + 8, (size_t)hlen);
    }
    if (rc) tc_st_close(f);
    return rc;
}

void tc_st_close(tc_st_file *f) {
    for (int i = 0; f->t && i < f->n; i++) free(f->t[i].name);
    free(f->t);
    if (f->map) munmap(f->map, f->map_size);
    char path[sizeof f->path];
    memcpy(path, f->path, sizeof path);
    memset(f, 0, sizeof *f);
    memcpy(f->path, path, sizeof path);
}

const tc_st_tensor *tc_st_find(const tc_st_file *f, const char *name) {
    size_t lo = 0, hi = (size_t)f->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(f->t[mid].name, name);
        if (c == 0) return &f->t[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}
