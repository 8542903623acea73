/* atomic.c - the one way textclust writes a file: into a temporary beside
 * the target, then fsync and rename(2) over it, so a reader (or a run after
 * a crash) sees the whole old file or the whole new one, never a part.
 *
 * The temporary is ".<base>.tmp-<pid>-<random>" in the target's folder: the
 * same file system (rename is atomic there), unique under any number of
 * writers (O_EXCL), and named after its writer, so that a later writer of
 * the same target can tell a killed run's leftover (pid gone) from a live
 * one and remove it. A symlinked folder is resolved first: the file lands
 * where the link points and the link stays. */
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* A base longer than this is cut in the temporary's name, so that name
 * stays under NAME_MAX (255) with the ".tmp-<pid>-<random>" tail. */
#define BASE_KEEP 200

/* ---------------------------------------------------------------- paths */

/* Splits path into its folder, resolved through symlinks (as written when
 * resolve is 0 or it cannot be resolved), and its base name. Both
 * malloc'd; 0 or a TC_E* code. */
static int split_path_(const char *path, int resolve, char **dir, char **base) {
    *dir = *base = NULL;
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/') len--;
    const char *slash = NULL;
    for (size_t i = 0; i < len; i++)
        if (path[i] == '/') slash = path + i;
    const char *b = slash ? slash + 1 : path;
    size_t blen = (size_t)(path + len - b);
    if (blen == 0 || (blen == 1 && b[0] == '.') || (blen == 2 && b[0] == '.' && b[1] == '.'))
        return tc_error(TC_EINVAL, "%s: not a file name", path);
    char *d;
    if (!slash) d = tc_strdup(".");
    else if (slash == path) d = tc_strdup("/");
    else d = strndup(path, (size_t)(slash - path));
    if (!d) return tc_error(TC_ENOMEM, "%s: out of memory", path);
    char *real = realpath(d, NULL);
    if (!real && !resolve) real = d, d = NULL;
    if (!real) {
        int rc = tc_error(TC_EIO, "%s: %s", d, strerror(errno));
        free(d);
        return rc;
    }
    free(d);
    if (!(*base = strndup(b, blen))) {
        free(real);
        return tc_error(TC_ENOMEM, "%s: out of memory", path);
    }
    *dir = real;
    return 0;
}

static int split_path(const char *path, char **dir, char **base) { return split_path_(path, 1, dir, base); }

/* ".<base cut to BASE_KEEP>.tmp-" into buf. */
static void tmp_prefix(char *buf, size_t size, const char *base) {
    snprintf(buf, size, ".%.*s.tmp-", BASE_KEEP, base);
}

int tc_fsync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return tc_error(TC_EIO, "%s: %s", dir, strerror(errno));
    /* Some file systems (and /proc-like ones) refuse fsync on a folder;
     * that is no reason to fail a write that has reached them. */
    int bad = fsync(fd) != 0 && errno != EINVAL && errno != EROFS;
    int err = errno;
    close(fd);
    return bad ? tc_error(TC_EIO, "%s: fsync: %s", dir, strerror(err)) : 0;
}

/* The file a write of path lands in, malloc'd: path itself, or where it
 * points when it is a symlink (so the link stays a link). *direct is set
 * when that file exists and is not a regular file (a device such as
 * /dev/stdout or /dev/null, a FIFO, a pipe from the shell): it is written
 * in place, since renaming over it would replace the device. */
static char *resolve_target(const char *path, int *direct) {
    struct stat st;
    char *t = NULL;
    *direct = 0;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) t = realpath(path, NULL);
    if (!t) t = tc_strdup(path);
    if (t && stat(t, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) *direct = 1;
    return t;
}

char *tc_atomic_target(const char *path) {
    int direct;
    return resolve_target(path, &direct);
}

/* ---------------------------------------------------------------- stale temporaries */

/* 1 when name is "<prefix><pid>-<hex>" and process pid no longer exists. */
static int is_stale(const char *name, const char *prefix) {
    size_t pl = strlen(prefix);
    if (strncmp(name, prefix, pl) != 0) return 0;
    char *end;
    errno = 0;
    long pid = strtol(name + pl, &end, 10);
    if (errno || end == name + pl || *end != '-' || pid <= 0 || pid > INT_MAX) return 0;
    if (!end[1]) return 0;
    for (const char *h = end + 1; *h; h++)
        if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f'))) return 0;
    if (pid == getpid()) return 0;  /* ours: maybe a writer of this process */
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int tc_atomic_clean(const char *path) {
    char *dir, *base;
    if (split_path(path, &dir, &base)) return 0;
    char prefix[BASE_KEEP + 16];
    tmp_prefix(prefix, sizeof prefix, base);
    int removed = 0;
    DIR *d = opendir(dir);
    if (d) {
        int dfd = dirfd(d);
        for (struct dirent *e; (e = readdir(d));)
            if (is_stale(e->d_name, prefix) && unlinkat(dfd, e->d_name, 0) == 0) removed++;
        closedir(d);
    }
    free(dir);
    free(base);
    return removed;
}

/* ---------------------------------------------------------------- writer */

/* "<dir>/<prefix><pid>-<16 hex>" into t (emptied first). */
static void tmp_name(tc_sb *t, const char *dir, const char *prefix, int attempt) {
    uint64_t r;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = (uint64_t)(tc_now() * 1e9) ^ ((uint64_t)attempt << 40) ^ (uint64_t)(uintptr_t)t;
    tc_sb_free(t);
    tc_sb_printf(t, "%s%s%s%ld-%016llx", dir, strcmp(dir, "/") ? "/" : "", prefix, (long)getpid(),
                 (unsigned long long)r);
}

char *tc_atomic_tmp_path(const char *target) {
    int direct;
    char *path = resolve_target(target, &direct), *dir, *base;
    if (!path || direct) return path;  /* written in place */
    int bad = split_path_(path, 0, &dir, &base);
    if (!bad) tc_atomic_clean(path);
    free(path);
    if (bad) return NULL;
    char prefix[BASE_KEEP + 16];
    tmp_prefix(prefix, sizeof prefix, base);
    tc_sb t = {0};
    tmp_name(&t, dir, prefix, 0);
    free(dir);
    free(base);
    if (t.oom) { tc_sb_free(&t); tc_error(TC_ENOMEM, "%s: out of memory", target); return NULL; }
    return t.s;
}

int tc_atomic_open(tc_atomic *a, const char *target) {
    memset(a, 0, sizeof *a);
    int direct;
    char *path = resolve_target(target, &direct);
    if (!path) return tc_error(TC_ENOMEM, "%s: out of memory", target);
    if (direct) {
        int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0 || !(a->f = fdopen(fd, "wb"))) {
            int rc = tc_error(TC_EIO, "%s: %s", target, strerror(errno));
            if (fd >= 0) close(fd);
            free(path);
            return rc;
        }
        a->path = path;
        return 0;
    }
    char *dir, *base;
    int rc = split_path(path, &dir, &base);
    if (rc) {
        free(path);
        return rc;
    }
    tc_atomic_clean(path);
    tc_sb t = {0}, p = {0};
    tc_sb_printf(&p, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", base);
    char prefix[BASE_KEEP + 16];
    tmp_prefix(prefix, sizeof prefix, base);
    int fd = -1, err = 0;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        tmp_name(&t, dir, prefix, attempt);
        if (t.oom) break;
        fd = open(t.s, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);  /* umask applies */
        err = errno;
        if (fd < 0 && err != EEXIST) break;
    }
    if (t.oom || p.oom) rc = tc_error(TC_ENOMEM, "%s: out of memory", path);
    else if (fd < 0) rc = tc_error(TC_EIO, "%s: cannot write in %s: %s", path, dir, strerror(err));
    else if (!(a->f = fdopen(fd, "wb"))) rc = tc_error(TC_EIO, "%s: %s", path, strerror(errno));
    if (rc) {
        if (fd >= 0) { close(fd); unlink(t.s); }
        tc_sb_free(&t), tc_sb_free(&p);
    } else {
        a->tmp = t.s, a->path = p.s, a->dir = dir, dir = NULL;
    }
    free(dir);
    free(base);
    free(path);
    return rc;
}

static void release(tc_atomic *a) {
    free(a->tmp), free(a->path), free(a->dir);
    memset(a, 0, sizeof *a);
}

int tc_atomic_commit(tc_atomic *a) {
    if (!a->f) return tc_error(TC_EINVAL, "atomic write: not open");
    int bad = ferror(a->f) != 0, err = bad ? EIO : 0;
    if (!bad && fflush(a->f) != 0) bad = 1, err = errno;
    if (!bad && a->tmp && fsync(fileno(a->f)) != 0) bad = 1, err = errno;
    if (fclose(a->f) != 0 && !bad) bad = 1, err = errno;
    a->f = NULL;
    if (!bad && a->tmp && rename(a->tmp, a->path) != 0) bad = 1, err = errno;
    int rc = 0;
    if (bad) {
        if (a->tmp) unlink(a->tmp);
        rc = tc_error(TC_EIO, "%s: write failed: %s", a->path, strerror(err));
    } else if (a->tmp) {
        rc = tc_fsync_dir(a->dir);
    }
    release(a);
    return rc;
}

void tc_atomic_abort(tc_atomic *a) {
    if (a->f) fclose(a->f);
    if (a->tmp) unlink(a->tmp);
    release(a);
}

size_t tc_write_chunk = (size_t)8 << 20;

int tc_atomic_put(tc_atomic *a, const void *data, size_t len, tc_meter *m) {
    const char *p = data;
    int fd = fileno(a->f);
    off_t sent = -1; /* a temporary's bytes up to here are on their way to the disk */
    while (len) {
        size_t k = len < tc_write_chunk ? len : tc_write_chunk;
        if (fwrite(p, 1, k, a->f) != k)
            return tc_error(TC_EIO, "%s: write failed: %s", a->path, strerror(errno));
        p += k, len -= k;
        if (a->tmp && fflush(a->f) == 0) {  /* a hint: errors show at commit's fsync */
            off_t end = ftello(a->f);
            if (sent >= 0)
                sync_file_range(fd, 0, sent,
                                SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
            if (end > 0) sync_file_range(fd, sent < 0 ? 0 : sent, end - (sent < 0 ? 0 : sent), SYNC_FILE_RANGE_WRITE);
            sent = end;
        }
        tc_meter_add(m, k);
        int rc = tc_meter_tick(m);
        if (rc) return rc;
    }
    return 0;
}

int tc_atomic_write(const char *path, const void *data, size_t len) { return tc_atomic_write_meter(path, data, len, NULL); }

int tc_atomic_write_meter(const char *path, const void *data, size_t len, tc_meter *m) {
    tc_atomic a;
    int rc = tc_atomic_open(&a, path);
    if (rc) return rc;
    if ((rc = tc_atomic_put(&a, data, len, m))) {
        tc_atomic_abort(&a);
        return rc;
    }
    return tc_atomic_commit(&a);
}

/* ---------------------------------------------------------------- the public handle */

/* tc_atomic behind the header's opaque tc_atomic_file, so the header
 * promises no layout. */
struct tc_atomic_file {
    tc_atomic a;
};

int tc_atomic_file_open(const char *path, tc_atomic_file **out) {
    *out = NULL;
    tc_atomic_file *f = calloc(1, sizeof *f);
    if (!f) return tc_error(TC_ENOMEM, "%s: out of memory", path);
    int rc = tc_atomic_open(&f->a, path);
    if (rc) {
        free(f);
        return rc;
    }
    *out = f;
    return 0;
}

FILE *tc_atomic_file_stream(tc_atomic_file *f) { return f->a.f; }

int tc_atomic_file_commit(tc_atomic_file *f) {
    int rc = tc_atomic_commit(&f->a);
    free(f);
    return rc;
}

void tc_atomic_file_abort(tc_atomic_file *f) {
    if (!f) return;
    tc_atomic_abort(&f->a);
    free(f);
}
