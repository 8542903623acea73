/* npy.c - NumPy .npy files (format documented in numpy/lib/format.py,
 * "NEP 1"): a magic string, a version, a header that is a Python dict
 * literal {'descr': ..., 'fortran_order': ..., 'shape': (...), } padded with
 * spaces to a 64-byte boundary, then the raw array in C order.
 *
 * We write version 1.0 exactly as numpy.save does (the same header bytes,
 * including the 21-digit growth room after the shape), so a streaming writer
 * can patch the row count in place on close. We read versions 1, 2 and 3,
 * little-endian float32/float64 and int64/int32, 1-D or 2-D, C order. */
#include "io/io.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_ALIGN 64
#define NPY_GROWTH_DIGITS 21 /* numpy reserves room for a 21-digit first axis */
/* Any one dimension above this is a hostile or broken header: no file we
 * could read holds 2^40 rows, and below it rows * cols * 8 cannot overflow
 * once the product is checked. Also bounds (N, 0) arrays, whose size says
 * nothing about N. */
#define NPY_MAX_DIM ((unsigned long long)1 << 40)

/* ---------------------------------------------------------------- header */

/* Builds the full v1.0 header (magic to '\n') into out (room >= 256 bytes);
 * returns its length, a multiple of 64. ndim is 1 or 2. */
static size_t npy_header(char *out, const char *descr, int ndim, size_t rows, size_t cols) {
    char dict[200], shape[64];
    if (ndim == 1) snprintf(shape, sizeof shape, "(%zu,)", rows);
    else snprintf(shape, sizeof shape, "(%zu, %zu)", rows, cols);
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                     descr, shape);
    char rows_str[32];
    int rl = snprintf(rows_str, sizeof rows_str, "%zu", rows);
    for (int i = rl; i < NPY_GROWTH_DIGITS; i++) dict[n++] = ' ';
    size_t hlen = (size_t)n + 1; /* + '\n' */
    size_t pad = NPY_ALIGN - ((6 + 2 + 2 + hlen) % NPY_ALIGN);
    size_t total = 10 + hlen + pad;
    memcpy(out, NPY_MAGIC, 6);
    out[6] = 1, out[7] = 0;
    out[8] = (char)((hlen + pad) & 0xff), out[9] = (char)((hlen + pad) >> 8);
    memcpy(out + 10, dict, (size_t)n);
    memset(out + 10 + n, ' ', pad);
    out[total - 1] = '\n';
    return total;
}

static int npy_write(const char *path, const char *descr, int ndim, size_t rows, size_t cols,
                     const void *data, size_t itemsize, tc_meter *m) {
    char head[512];
    size_t hl = npy_header(head, descr, ndim, rows, cols);
    tc_atomic a;
    int rc = tc_atomic_open(&a, path);
    if (rc) return rc;
    size_t nbytes = rows * (ndim == 2 ? cols : 1) * itemsize;
    if (fwrite(head, 1, hl, a.f) != hl) rc = tc_error(TC_EIO, "%s: write failed: %s", path, strerror(errno));
    else rc = tc_atomic_put(&a, data, nbytes, m);
    if (rc) {
        tc_atomic_abort(&a);
        return rc;
    }
    return tc_atomic_commit(&a);
}

int tc_npy_save_f32_meter(const char *path, const float *x, size_t rows, size_t cols, tc_meter *m) {
    return npy_write(path, "<f4", cols ? 2 : 1, rows, cols, x, 4, m);
}

int tc_npy_save_i64_meter(const char *path, const int64_t *x, size_t n, tc_meter *m) {
    return npy_write(path, "<i8", 1, n, 0, x, 8, m);
}

int tc_npy_save_f32(const char *path, const float *x, size_t rows, size_t cols) {
    return tc_npy_save_f32_meter(path, x, rows, cols, NULL);
}

int tc_npy_save_i64(const char *path, const int64_t *x, size_t n) { return tc_npy_save_i64_meter(path, x, n, NULL); }

/* ---------------------------------------------------------------- loading */

typedef struct {
    char descr[16];
    int ndim;
    size_t shape[2];
    long data_off;
    size_t file_size;
} npy_info;

/* Finds 'key' in the header dict and returns a pointer after its ':'. */
static const char *dict_value(const char *h, const char *key) {
    char pat[32];
    snprintf(pat, sizeof pat, "'%s'", key);
    const char *p = strstr(h, pat);
    if (!p) {
        snprintf(pat, sizeof pat, "\"%s\"", key);
        if (!(p = strstr(h, pat))) return NULL;
    }
    p += strlen(pat);
    while (*p == ' ') p++;
    if (*p != ':') return NULL;
    p++;
    while (*p == ' ') p++;
    return p;
}

static int npy_read_header(const char *path, FILE *f, npy_info *info) {
    unsigned char pre[12];
    struct stat st;
    /* f is a regular file (npy_open uses tc_fopen_regular), so its size is real */
    if (fstat(fileno(f), &st) != 0) return tc_error(TC_EIO, "%s: %s", path, strerror(errno));
    info->file_size = (size_t)st.st_size;
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, NPY_MAGIC, 6) != 0)
        return tc_error(TC_EFORMAT, "%s: not a .npy file (no \\x93NUMPY magic)", path);
    int major = pre[6];
    size_t hlen;
    long off;
    if (major == 1) {
        hlen = pre[8] | (size_t)pre[9] << 8;
        off = 10;
    } else if (major == 2 || major == 3) {
        if (fread(pre + 10, 1, 2, f) != 2) return tc_error(TC_EFORMAT, "%s: truncated header", path);
        hlen = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
        off = 12;
    } else {
        return tc_error(TC_EFORMAT, "%s: .npy version %d.%d not supported", path, major, pre[7]);
    }
    if (hlen > 100000 || off + hlen > info->file_size)
        return tc_error(TC_EFORMAT, "%s: truncated or oversized .npy header (%zu bytes)", path, hlen);
    char *h = malloc(hlen + 1);
    if (!h) return tc_error(TC_ENOMEM, "%s: out of memory", path);
    int rc = 0;
    if (fread(h, 1, hlen, f) != hlen) {
        rc = tc_error(TC_EIO, "%s: cannot read header", path);
        goto done;
    }
    h[hlen] = 0;
    const char *d = dict_value(h, "descr"), *fo = dict_value(h, "fortran_order"),
               *sh = dict_value(h, "shape");
    if (!d || !fo || !sh || (*d != '\'' && *d != '"')) {
        rc = tc_error(TC_EFORMAT, "%s: .npy header lacks descr, fortran_order or shape: %s", path, h);
        goto done;
    }
    size_t dl = strcspn(d + 1, "'\"");
    if (dl >= sizeof info->descr) dl = sizeof info->descr - 1;
    memcpy(info->descr, d + 1, dl);
    info->descr[dl] = 0;
    if (strncmp(fo, "False", 5) != 0) {
        rc = tc_error(TC_EUNSUPPORTED, "%s: fortran_order True arrays are not supported; save "
                      "with numpy.ascontiguousarray", path);
        goto done;
    }
    if (*sh != '(') {
        rc = tc_error(TC_EFORMAT, "%s: malformed shape in .npy header", path);
        goto done;
    }
    sh++;
    info->ndim = 0;
    for (;;) {
        while (*sh == ' ' || *sh == ',') sh++;
        if (*sh == ')') break;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(sh, &end, 10);
        if (end == sh || errno || *sh == '-') {
            rc = tc_error(TC_EFORMAT, "%s: malformed shape in .npy header", path);
            goto done;
        }
        if (info->ndim >= 2) {
            rc = tc_error(TC_EUNSUPPORTED, "%s: arrays with more than 2 dimensions are not supported", path);
            goto done;
        }
        if (v > NPY_MAX_DIM) {
            rc = tc_error(TC_EFORMAT, "%s: shape dimension %llu is absurd (more than 2^40)", path, v);
            goto done;
        }
        info->shape[info->ndim++] = (size_t)v;
        sh = end;
        while (*sh == 'L') sh++; /* Python 2 long suffix */
    }
    if (info->ndim == 0) {
        rc = tc_error(TC_EUNSUPPORTED, "%s: 0-dimensional arrays are not supported", path);
        goto done;
    }
    info->data_off = off + (long)hlen;
done:
    free(h);
    return rc;
}

/* Byte size of the data, checked against overflow and against the file. */
static int npy_check_size(const char *path, const npy_info *info, size_t itemsize, size_t *count) {
    size_t n = info->shape[0], c = info->ndim == 2 ? info->shape[1] : 1;
    if (c && n > SIZE_MAX / c / itemsize)
        return tc_error(TC_EFORMAT, "%s: shape too large", path);
    *count = n * c;
    if (info->file_size < (size_t)info->data_off)
        return tc_error(TC_EFORMAT, "%s: truncated header", path);
    size_t need = *count * itemsize, have = info->file_size - (size_t)info->data_off;
    if (have < need)
        return tc_error(TC_EFORMAT, "%s: truncated: shape needs %zu data bytes, file has %zu",
                        path, need, have);
    return 0;
}

/* Reads count items of itemsize into out, converting to the output type;
 * adds the bytes read to m (NULL: none), ticking every piece. */
static int npy_read_data(const char *path, FILE *f, void *out, size_t count, size_t itemsize,
                         int convert /* 0 copy, 1 f8->f4, 2 i4->i8 */, tc_meter *meter) {
    if (convert == 0) {
        size_t piece = tc_write_chunk / itemsize ? tc_write_chunk / itemsize : 1;
        for (size_t i = 0; i < count; i += piece) {
            size_t k = count - i < piece ? count - i : piece;
            if (fread((char *)out + i * itemsize, itemsize, k, f) != k)
                return tc_error(TC_EIO, "%s: short read", path);
            tc_meter_add(meter, k * itemsize);
            int rc = tc_meter_tick(meter);
            if (rc) return rc;
        }
        return 0;
    }
    enum { CHUNK = 1 << 16 };
    unsigned char *buf = malloc(CHUNK * 8);
    if (!buf) return tc_error(TC_ENOMEM, "%s: out of memory", path);
    for (size_t i = 0; i < count; i += CHUNK) {
        size_t m = count - i < CHUNK ? count - i : CHUNK;
        int rc = fread(buf, itemsize, m, f) != m ? tc_error(TC_EIO, "%s: short read", path) : 0;
        tc_meter_add(meter, m * itemsize);
        if (!rc) rc = tc_meter_tick(meter);
        if (rc) {
            free(buf);
            return rc;
        }
        if (convert == 1) {
            float *o = (float *)out + i;
            for (size_t j = 0; j < m; j++) {
                double v;
                memcpy(&v, buf + 8 * j, 8);
                o[j] = (float)v;
            }
        } else {
            int64_t *o = (int64_t *)out + i;
            for (size_t j = 0; j < m; j++) {
                int32_t v;
                memcpy(&v, buf + 4 * j, 4);
                o[j] = v;
            }
        }
    }
    free(buf);
    return 0;
}

static int npy_open(const char *path, FILE **f, npy_info *info) {
    int rc = tc_fopen_regular(path, ".npy arrays are read from files", f);
    if (rc) return rc;
    rc = npy_read_header(path, *f, info);
    if (rc == 0 && info->descr[0] == '>')
        rc = tc_error(TC_EUNSUPPORTED, "%s: big-endian dtype '%s' not supported; convert with "
                      "arr.astype(arr.dtype.newbyteorder('<'))", path, info->descr);
    if (rc) fclose(*f), *f = NULL;
    return rc;
}

/* Checks the data size against the shape, then reads all elements
 * (converted by npy_read_data) into a malloc'd *out of out_size-byte items. */
static int npy_read_all(const char *path, FILE *f, const npy_info *info, size_t itemsize,
                        int convert, size_t out_size, void **out, size_t *count, tc_meter *m) {
    *out = NULL;
    int rc = npy_check_size(path, info, itemsize, count);
    if (rc) return rc;
    void *buf = malloc(*count ? *count * out_size : 1);
    if (!buf) return tc_error(TC_ENOMEM, "%s: out of memory (%zu values)", path, *count);
    if (fseek(f, info->data_off, SEEK_SET) != 0) rc = tc_error(TC_EIO, "%s: %s", path, strerror(errno));
    else rc = npy_read_data(path, f, buf, *count, itemsize, convert, m);
    if (rc) free(buf);
    else *out = buf;
    return rc;
}

int tc_npy_load_f32(const char *path, float **x, size_t *rows, size_t *cols) {
    return tc_npy_load_f32_meter(path, x, rows, cols, NULL);
}

int tc_npy_load_f32_meter(const char *path, float **x, size_t *rows, size_t *cols, tc_meter *m) {
    FILE *f;
    npy_info info;
    *x = NULL;
    int rc = npy_open(path, &f, &info);
    if (rc) return rc;
    int convert = 0;
    size_t itemsize = 8;
    if (!strcmp(info.descr, "<f4")) convert = 0, itemsize = 4;
    else if (!strcmp(info.descr, "<f8")) convert = 1, itemsize = 8;
    else {
        fclose(f);
        return tc_error(TC_EFORMAT, "%s: dtype '%s', expected a float array ('<f4' float32 or "
                        "'<f8' float64)", path, info.descr);
    }
    size_t count;
    void *buf;
    rc = npy_read_all(path, f, &info, itemsize, convert, sizeof(float), &buf, &count, m);
    if (!rc) {
        *x = buf;
        *rows = info.shape[0];
        *cols = info.ndim == 2 ? info.shape[1] : 1;
    }
    fclose(f);
    return rc;
}

int tc_npy_load_i64(const char *path, int64_t **x, size_t *n) { return tc_npy_load_i64_meter(path, x, n, NULL); }

int tc_npy_load_i64_meter(const char *path, int64_t **x, size_t *n, tc_meter *m) {
    FILE *f;
    npy_info info;
    *x = NULL;
    int rc = npy_open(path, &f, &info);
    if (rc) return rc;
    int convert = 0;
    size_t itemsize = 8;
    if (!strcmp(info.descr, "<i8")) convert = 0, itemsize = 8;
    else if (!strcmp(info.descr, "<i4")) convert = 2, itemsize = 4;
    else rc = tc_error(TC_EFORMAT, "%s: dtype '%s', expected an integer array ('<i8' int64 or "
                       "'<i4' int32)", path, info.descr);
    if (!rc && info.ndim == 2 && info.shape[1] != 1)
        rc = tc_error(TC_EFORMAT, "%s: shape (%zu, %zu), expected a 1-D array", path,
                      info.shape[0], info.shape[1]);
    size_t count;
    void *buf;
    if (!rc && !(rc = npy_read_all(path, f, &info, itemsize, convert, sizeof(int64_t), &buf, &count, m)))
        *x = buf, *n = count;
    fclose(f);
    return rc;
}

/* ---------------------------------------------------------------- streaming writer */

struct tc_npy_writer {
    tc_atomic a;
    FILE *f;     /* a.f */
    char *path;
    size_t cols, rows;
    int failed;
};

int tc_npy_writer_open(const char *path, size_t cols, tc_npy_writer **out) {
    *out = NULL;
    if (cols == 0) return tc_error(TC_EINVAL, "%s: npy writer needs cols > 0", path);
    tc_npy_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = tc_strdup(path))) {
        free(w);
        return tc_error(TC_ENOMEM, "%s: out of memory", path);
    }
    w->cols = cols;
    int rc = tc_atomic_open(&w->a, path);
    if (!rc && !w->a.tmp && lseek(fileno(w->a.f), 0, SEEK_CUR) < 0)  /* a pipe, written in place */
        rc = tc_error(TC_EINVAL, "%s: cannot stream a .npy into a pipe (the row count goes in its "
                      "header, written last); give a file", path), tc_atomic_abort(&w->a);
    if (rc) {
        free(w->path), free(w);
        return rc;
    }
    w->f = w->a.f;
    /* The header for 0 rows has the same length as for any row count
     * (numpy's growth room), so close can overwrite it in place. */
    char head[512];
    size_t hl = npy_header(head, "<f4", 2, 0, cols);
    if (fwrite(head, 1, hl, w->f) != hl) w->failed = errno ? errno : EIO;
    *out = w;
    return 0;
}

int tc_npy_writer_append(tc_npy_writer *w, const float *x, size_t rows) {
    if (w->failed) return tc_error(TC_EIO, "%s: write failed: %s", w->path, strerror(w->failed));
    if (rows && fwrite(x, sizeof(float) * w->cols, rows, w->f) != rows) {
        w->failed = errno ? errno : EIO;
        return tc_error(TC_EIO, "%s: write failed: %s", w->path, strerror(w->failed));
    }
    w->rows += rows;
    return 0;
}

int tc_npy_writer_close(tc_npy_writer *w) {
    if (!w) return 0;
    int rc = 0;
    char head[512];
    size_t hl = npy_header(head, "<f4", 2, w->rows, w->cols);
    if (!w->failed && (fseek(w->f, 0, SEEK_SET) != 0 || fwrite(head, 1, hl, w->f) != hl))
        w->failed = errno ? errno : EIO;
    if (w->failed) {
        rc = tc_error(TC_EIO, "%s: write failed: %s", w->path, strerror(w->failed));
        tc_atomic_abort(&w->a);
    } else {
        rc = tc_atomic_commit(&w->a);
    }
    free(w->path);
    free(w);
    return rc;
}

void tc_npy_writer_abort(tc_npy_writer *w) {
    if (!w) return;
    tc_atomic_abort(&w->a);
    free(w->path);
    free(w);
}

/* ---------------------------------------------------------------- resumable writer */

int tc_npy_writer_resume(const char *part, const char *path, size_t cols, size_t keep_rows,
                         tc_npy_writer **out) {
    *out = NULL;
    if (cols == 0) return tc_error(TC_EINVAL, "%s: npy writer needs cols > 0", path);
    char head[512], have[512];
    size_t hl = npy_header(head, "<f4", 2, 0, cols);
    unsigned long long keep = hl + (unsigned long long)keep_rows * cols * sizeof(float);
    FILE *f = fopen(part, keep_rows ? "r+b" : "w+b");
    if (!f) return tc_error(TC_EIO, "%s: %s", part, strerror(errno));
    struct stat st;
    int rc = 0;
    if (keep_rows) { /* the header still says 0 rows: close writes the count */
        if (fstat(fileno(f), &st) != 0 || (unsigned long long)st.st_size < keep ||
            fread(have, 1, hl, f) != hl || memcmp(have, head, hl) != 0)
            rc = tc_error(TC_EFORMAT, "%s: not the %zu-column float32 rows written before, or "
                          "shorter than the %zu rows the checkpoint counts", part, cols, keep_rows);
    } else if (fwrite(head, 1, hl, f) != hl) {
        rc = tc_error(TC_EIO, "%s: write failed: %s", part, strerror(errno));
    }
    if (!rc && (fflush(f) != 0 || ftruncate(fileno(f), (off_t)keep) != 0 || fseek(f, 0, SEEK_END) != 0))
        rc = tc_error(TC_EIO, "%s: %s", part, strerror(errno));
    tc_npy_writer *w = rc ? NULL : calloc(1, sizeof *w);
    if (!rc && !w) rc = tc_error(TC_ENOMEM, "%s: out of memory", path);
    if (!rc) {
        const char *slash = strrchr(path, '/');
        w->path = tc_strdup(path);
        w->a.tmp = tc_strdup(part), w->a.path = tc_strdup(path);
        w->a.dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : tc_strdup(".");
        if (!w->path || !w->a.tmp || !w->a.path || !w->a.dir) rc = tc_error(TC_ENOMEM, "%s: out of memory", path);
    }
    if (rc) {
        if (w) free(w->path), free(w->a.tmp), free(w->a.path), free(w->a.dir), free(w);
        fclose(f);
        return rc;
    }
    w->a.f = w->f = f;
    w->cols = cols, w->rows = keep_rows;
    *out = w;
    return 0;
}

int tc_npy_writer_sync(tc_npy_writer *w) {
    if (!w->failed && (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0)) w->failed = errno ? errno : EIO;
    return w->failed ? tc_error(TC_EIO, "%s: write failed: %s", w->path, strerror(w->failed)) : 0;
}

size_t tc_npy_writer_rows(const tc_npy_writer *w) { return w->rows; }

void tc_npy_writer_leave(tc_npy_writer *w) {
    if (!w) return;
    if (w->a.f) fclose(w->a.f);
    free(w->a.tmp), free(w->a.path), free(w->a.dir);
    free(w->path);
    free(w);
}
