/* faiss.c - the faiss IndexFlat file format (faiss/impl/index_write.cpp),
 * so that faiss.read_index opens our faiss.index and we open theirs:
 *   fourcc "IxF2" (L2), "IxFI" (inner product) or "IxFl" (other metric)
 *   int32 d, int64 ntotal, int64 1<<20, int64 1<<20, uint8 is_trained,
 *   int32 metric_type (1 = L2, 0 = inner product) [+ float32 metric_arg if > 1]
 *   uint64 count of floats (= ntotal * d), then the floats (ntotal, d).
 * All little-endian, as faiss writes on x86. */
#include "io/io.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A dimension above this is a broken or hostile header, not an embedding. */
#define FAISS_MAX_DIM (1 << 20)

int tc_faiss_save_flat(const char *path, const float *x, size_t n, int d) {
    return tc_faiss_save_flat_meter(path, x, n, d, NULL);
}

int tc_faiss_save_flat_meter(const char *path, const float *x, size_t n, int d, tc_meter *m) {
    if (d <= 0) return tc_error(TC_EINVAL, "%s: dimension %d", path, d);
    unsigned char h[45], *p = h;
    int32_t d32 = d, metric = 1;
    int64_t ntotal = (int64_t)n, dummy = 1 << 20;
    uint64_t count = (uint64_t)n * (uint64_t)d;
    memcpy(p, "IxF2", 4), p += 4;
    memcpy(p, &d32, 4), p += 4;
    memcpy(p, &ntotal, 8), p += 8;
    memcpy(p, &dummy, 8), p += 8;
    memcpy(p, &dummy, 8), p += 8;
    *p++ = 1; /* is_trained */
    memcpy(p, &metric, 4), p += 4;
    memcpy(p, &count, 8), p += 8;
    tc_atomic a;
    int rc = tc_atomic_open(&a, path);
    if (rc) return rc;
    if (fwrite(h, 1, sizeof h, a.f) != sizeof h) rc = tc_error(TC_EIO, "%s: write failed: %s", path, strerror(errno));
    else rc = tc_atomic_put(&a, x, count * 4, m);
    if (rc) {
        tc_atomic_abort(&a);
        return rc;
    }
    return tc_atomic_commit(&a);
}

int tc_faiss_load_flat(const char *path, float **x, size_t *n, int *d) {
    *x = NULL;
    FILE *f;
    int orc = tc_fopen_regular(path, "a faiss index is read from a file", &f);
    if (orc) return orc;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {  /* a regular file (tc_fopen_regular): its size is real */
        int err = errno;
        fclose(f);
        return tc_error(TC_EIO, "%s: %s", path, strerror(err));
    }
    size_t fsize = (size_t)st.st_size;
    unsigned char h[64];
    int rc = 0;
    int32_t d32, metric;
    int64_t ntotal;
    uint64_t count;
    size_t off = 33;
    if (fread(h, 1, 37, f) != 37) {
        rc = tc_error(TC_EFORMAT, "%s: truncated faiss index header", path);
        goto done;
    }
    if (memcmp(h, "IxF2", 4) && memcmp(h, "IxFI", 4) && memcmp(h, "IxFl", 4)) {
        rc = tc_error(TC_EUNSUPPORTED, "%s: not a faiss IndexFlat file (fourcc \"%.4s\"; only "
                      "IndexFlatL2/IndexFlatIP are supported)", path, (const char *)h);
        goto done;
    }
    memcpy(&d32, h + 4, 4);
    memcpy(&ntotal, h + 8, 8);
    memcpy(&metric, h + 33, 4);
    off = 37;
    if (metric > 1) off += 4; /* metric_arg */
    if (fseek(f, (long)off, SEEK_SET) != 0 || fread(&count, 8, 1, f) != 1) {
        rc = tc_error(TC_EFORMAT, "%s: truncated faiss index header", path);
        goto done;
    }
    off += 8;
    if (d32 <= 0 || d32 > FAISS_MAX_DIM || ntotal < 0 || (uint64_t)ntotal > UINT64_MAX / (uint64_t)d32 ||
        count != (uint64_t)ntotal * (uint64_t)d32) {
        rc = tc_error(TC_EFORMAT, "%s: inconsistent faiss header (d %d, ntotal %lld, %llu floats)",
                      path, (int)d32, (long long)ntotal, (unsigned long long)count);
        goto done;
    }
    if (fsize < off || count > (fsize - off) / 4) {
        rc = tc_error(TC_EFORMAT, "%s: truncated: %lld vectors of dimension %d need %llu data "
                      "bytes, file has %zu", path, (long long)ntotal, (int)d32,
                      (unsigned long long)count * 4, fsize > off ? fsize - off : 0);
        goto done;
    }
    float *buf = malloc(count ? count * 4 : 1);
    if (!buf) {
        rc = tc_error(TC_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    if (fread(buf, 4, count, f) != count) {
        free(buf);
        rc = tc_error(TC_EIO, "%s: short read", path);
        goto done;
    }
    *x = buf, *n = (size_t)ntotal, *d = d32;
done:
    fclose(f);
    return rc;
}
