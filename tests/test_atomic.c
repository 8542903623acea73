/* test_atomic.c - the atomic file writer (src/util/atomic.c): commit,
 * abort, unique temporaries under two writers, a killed writer's leftover
 * cleaned by the next, a symlinked folder, a symlinked file, a FIFO written
 * in place, the file mode. */
#include "util/util.h"
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[] = "/tmp/tc-atomic-XXXXXX";

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

/* Entries of dir other than . and .. */
static int n_entries(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d) closedir(d);
    return n;
}

/* A pid that existed and is gone: a child that exited and was reaped. */
static pid_t dead_pid(void) {
    pid_t p = fork();
    if (p == 0) _exit(0);
    waitpid(p, NULL, 0);
    return p;
}

static void touch(const char *path) {
    FILE *f = fopen(path, "w");
    if (f) fclose(f);
}

int main(void) {
    CHECK(mkdtemp(root) != NULL);
    char dir[128], path[256], other[256], cmd0[256];
    snprintf(dir, sizeof dir, "%s/d", root);
    CHECK(mkdir(dir, 0755) == 0);
    snprintf(path, sizeof path, "%s/out.txt", dir);

    /* commit: the whole content, nothing else left in the folder */
    CHECK_OK(tc_atomic_write(path, "one\n", 4));
    CHECK_STR(slurp(path), "one\n");
    CHECK(n_entries(dir) == 1);

    /* abort: the earlier file stays as it was, the temporary goes */
    tc_atomic a;
    CHECK_OK(tc_atomic_open(&a, path));
    CHECK(a.f != NULL);
    fputs("half", a.f);
    CHECK(n_entries(dir) == 2);
    tc_atomic_abort(&a);
    CHECK(a.f == NULL && a.tmp == NULL);
    CHECK_STR(slurp(path), "one\n");
    CHECK(n_entries(dir) == 1);

    /* two writers of one target: different temporaries, each whole */
    tc_atomic w1, w2;
    CHECK_OK(tc_atomic_open(&w1, path));
    CHECK_OK(tc_atomic_open(&w2, path));
    CHECK(strcmp(w1.tmp, w2.tmp) != 0);
    fputs("first\n", w1.f);
    fputs("second\n", w2.f);
    CHECK_OK(tc_atomic_commit(&w2));
    CHECK_STR(slurp(path), "second\n");
    CHECK_OK(tc_atomic_commit(&w1));
    CHECK_STR(slurp(path), "first\n");
    CHECK(n_entries(dir) == 1);

    /* the temporary is hidden, in the target's folder, named after its writer */
    CHECK_OK(tc_atomic_open(&a, path));
    char want[64];
    snprintf(want, sizeof want, "/.out.txt.tmp-%ld-", (long)getpid());
    CHECK_MSG(strstr(a.tmp, want) != NULL, "%s", a.tmp);
    tc_atomic_abort(&a);

    /* stale temporaries: a dead writer's goes, a live one's and others stay */
    snprintf(other, sizeof other, "%s/.out.txt.tmp-%ld-00ff00ff00ff00ff", dir, (long)dead_pid());
    touch(other);
    char live[256], foreign[256], near[256];
    snprintf(live, sizeof live, "%s/.out.txt.tmp-1-00ff00ff00ff00ff", dir);  /* pid 1 lives */
    snprintf(foreign, sizeof foreign, "%s/.out.txt.tmp-notes", dir);
    snprintf(near, sizeof near, "%s/.other.txt.tmp-%ld-00ff", dir, (long)dead_pid());
    touch(live), touch(foreign), touch(near);
    CHECK(tc_atomic_clean(path) == 1);
    CHECK(access(other, F_OK) != 0);
    CHECK(access(live, F_OK) == 0 && access(foreign, F_OK) == 0 && access(near, F_OK) == 0);
    /* ... and the next writer of the target cleans up by itself */
    snprintf(other, sizeof other, "%s/.out.txt.tmp-%ld-abcdef", dir, (long)dead_pid());
    touch(other);
    CHECK_OK(tc_atomic_write(path, "two\n", 4));
    CHECK(access(other, F_OK) != 0);
    unlink(live), unlink(foreign), unlink(near);

    /* a symlinked folder: the file lands where the link points, the link stays */
    char link[128], via[256], real[256];
    snprintf(link, sizeof link, "%s/link", root);
    CHECK(symlink(dir, link) == 0);
    snprintf(via, sizeof via, "%s/via.txt", link);
    CHECK_OK(tc_atomic_write(via, "via\n", 4));
    snprintf(real, sizeof real, "%s/via.txt", dir);
    CHECK_STR(slurp(real), "via\n");
    struct stat st;
    CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));

    /* a symlinked file: the file it points to is replaced, the link stays */
    char flink[256];
    snprintf(flink, sizeof flink, "%s/flink.txt", root);
    CHECK(symlink(real, flink) == 0);
    CHECK_OK(tc_atomic_write(flink, "through\n", 8));
    CHECK(lstat(flink, &st) == 0 && S_ISLNK(st.st_mode));
    CHECK_STR(slurp(real), "through\n");
    char *target = tc_atomic_target(flink);
    CHECK(target && stat(target, &st) == 0 && S_ISREG(st.st_mode) && strstr(target, "/d/via.txt"));
    free(target);

    /* a FIFO (as /dev/stdout or a shell's >(...) are not regular files) is
     * written in place, never renamed over: it stays a FIFO, and the reader
     * gets the bytes; the same through a symlink to it */
    char fifo[256], fifo_link[256];
    snprintf(fifo, sizeof fifo, "%s/fifo", root);
    snprintf(fifo_link, sizeof fifo_link, "%s/fifo-link", root);
    CHECK(mkfifo(fifo, 0644) == 0 && symlink(fifo, fifo_link) == 0);
    for (int k = 0; k < 2; k++) {
        const char *to = k ? fifo_link : fifo;
        int rfd = open(fifo, O_RDONLY | O_NONBLOCK);  /* a reader, so the writer's open returns */
        CHECK(rfd >= 0);
        CHECK_OK(tc_atomic_write(to, "piped\n", 6));
        char got[16] = {0};
        CHECK(read(rfd, got, sizeof got - 1) == 6 && strcmp(got, "piped\n") == 0);
        close(rfd);
        CHECK(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
        CHECK(lstat(fifo_link, &st) == 0 && S_ISLNK(st.st_mode));
        char *t = tc_atomic_tmp_path(to);  /* in place: the temporary is the FIFO itself */
        CHECK(t && strcmp(t, fifo) == 0);
        free(t);
    }
    CHECK(n_entries(root) == 5);  /* d, link, flink.txt, fifo, fifo-link: no temporaries */

    /* mode 0666 less the umask, like fopen */
    mode_t old = umask(027);
    CHECK_OK(tc_atomic_write(path, "m", 1));
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640);
    umask(old);

    /* errors name the path; a missing folder is an error, not a crash */
    snprintf(other, sizeof other, "%s/missing/x.txt", root);
    CHECK(tc_atomic_write(other, "x", 1) == TC_EIO);
    CHECK(strstr(tc_last_error(), "missing") != NULL);
    CHECK(tc_atomic_write(dir, "x", 1) == TC_EIO);  /* a folder is not replaced */
    CHECK(n_entries(dir) == 2);

    /* the public handle: abort keeps the old file, commit replaces it */
    snprintf(other, sizeof other, "%s/pub.txt", root);
    tc_atomic_file *af = NULL;
    int n_root = n_entries(root);
    CHECK_OK(tc_atomic_file_open(other, &af));
    CHECK(n_entries(root) == n_root + 1);  /* the temporary */
    CHECK(af != NULL && tc_atomic_file_stream(af) != NULL);
    if (af) fputs("draft\n", tc_atomic_file_stream(af));
    tc_atomic_file_abort(af);
    CHECK(access(other, F_OK) != 0);
    CHECK(n_entries(root) == n_root);  /* no temporary left beside it */
    CHECK_OK(tc_atomic_file_open(other, &af));
    if (af) fputs("final\n", tc_atomic_file_stream(af));
    CHECK_OK(af ? tc_atomic_file_commit(af) : -1);
    CHECK_STR(slurp(other), "final\n");
    CHECK_OK(tc_atomic_file_open(other, &af));
    if (af) fputs("second\n", tc_atomic_file_stream(af));
    tc_atomic_file_abort(af);
    CHECK_STR(slurp(other), "final\n");
    tc_atomic_file_abort(NULL);
    snprintf(cmd0, sizeof cmd0, "%s/missing/y.txt", root);
    af = (tc_atomic_file *)1;
    CHECK(tc_atomic_file_open(cmd0, &af) == TC_EIO && af == NULL);

    /* the run's shuffle: a permutation, Fisher-Yates on the seed's shuffle
     * stream (the draw the command made before it moved into the library) */
    enum { NS = 1000 };
    static size_t perm[NS], ref[NS], seen[NS];
    CHECK_OK(tc_shuffle_indices(42, NS, perm));
    for (size_t i = 0; i < NS; i++) ref[i] = i;
    tc_rng r = tc_rng_derive(42, 0x5348554646ULL);
    for (size_t i = NS; i > 1; i--) {
        size_t j = (size_t)tc_rng_below(&r, i), t = ref[i - 1];
        ref[i - 1] = ref[j], ref[j] = t;
    }
    int same = 1, ok = 1, moved = 0;
    for (size_t i = 0; i < NS; i++) {
        same &= perm[i] == ref[i];
        if (perm[i] >= NS || seen[perm[i]]++) ok = 0;
        moved += perm[i] != i;
    }
    CHECK(same && ok && moved > NS / 2);
    CHECK_OK(tc_shuffle_indices(43, NS, ref));
    CHECK(memcmp(perm, ref, sizeof perm) != 0);
    CHECK_OK(tc_shuffle_indices(42, 0, NULL));
    CHECK(tc_shuffle_indices(42, 3, NULL) == TC_EINVAL);

    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    CHECK(system(cmd) == 0);
    printf("test_atomic: %d passed, %d failed\n", check_passed, check_failed);
    return check_failed != 0;
}
