/* folder.c - the save folder as a place textclust shares with its user.
 *
 * A save replaces only the files textclust owns (OWNED below); anything
 * else in the folder is never touched. To keep the owned files one
 * consistent save under kill -9, a save is written into a staging folder
 * inside the target, DIR/.textclust-save-XXXXXX/ (same file system), then:
 *   1. every staged file is fsynced (tc_atomic_commit does it);
 *   2. a commit marker, .commit, lists the staged names (and whether owned
 *      files the save does not produce are to be removed, or kept because
 *      the staged files are added to the save: load --build_hf_ds);
 *   3. each staged file is renamed into DIR; owned files the save does not
 *      produce are removed if the previous save's list (.textclust-files)
 *      has them, and the new list is written;
 *   4. the marker, then the staging folder, go.
 * Whoever opens the folder next finds a staging folder only after a crash:
 * with the marker it redoes steps 3-4 (each step can be redone), without it
 * it deletes the staging folder. Either way the old save or the new one is
 * left, never a mix.
 *
 * One writer at a time: an exclusive flock on DIR/.textclust.lock, taken
 * without waiting (a second run fails at once) and held until close; load,
 * show and infer take it shared. */
#include "core/core.h"
#include "io/io.h"
#include "util/util.h"
#include "viz/tiles.h"
#include "viz/viz.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOCK_NAME ".textclust.lock"
#define STAGE_PREFIX ".textclust-save-"
#define MARKER ".commit"
#define MARKER_HEAD "textclust save commit 1\n"
#define FORMAT_MARK "textclust save folder"
/* The owned files the last save wrote, one name a line: only these may be
 * pruned by the next save, so a user's own "topics_dist.png" put into a
 * folder before an --overwrite save is never taken for a stale one. */
#define MANIFEST ".textclust-files"

/* The README's save-folder table: the reference's six files, ours, the
 * plots and the Hugging Face datasets. */
static const char *const OWNED[] = {
    "embeddings.npy", "projections.npy", "cluster_labels.npy", "texts.json",
    "cluster_summaries.json", "faiss.index", "textclust.json", "map.png", "map.html",
    "topics_dist.png", "educational_score.png", "df_categories_count.csv",
    "hf_texts.parquet", "hf_clusters.parquet", "tfidf.bin", "map",
};
/* The one owned name that is a folder: the tiled map, replaced as a whole by a
 * save that writes one, removed file by file (ours only) by one that does not. */
#define MAP_DIR "map"
#define MAP_OLD ".textclust-map-old"
#define N_OWNED (sizeof OWNED / sizeof *OWNED)

struct tc_save_folder {
    tc_progress_fn progress; /* "commit" reports (tc_save_folder_set_progress); NULL = none */
    void *progress_ctx;
    char *dir;             /* the folder, symlinks resolved */
    char *shown;           /* the folder as the caller named it, for messages */
    char *stage;           /* staging folder once created, else NULL */
    int lock_fd;           /* -1 when unlocked (a read-only folder we may only read) */
    int writer;            /* exclusive lock, may stage and commit */
    int prune;             /* the folder was a save folder: drop owned files not re-written */
    int add;               /* TC_SAVE_ADD: keep them, the staged files join the save */
    int committed;
    int created_lock;      /* we made the lock file... */
    char *created[64];     /* ...and these folders, outermost first */
    int n_created;
};

static int owned_index(const char *name) {
    for (size_t i = 0; i < N_OWNED; i++)
        if (strcmp(name, OWNED[i]) == 0) return (int)i;
    return -1;
}

/* Test-only faults: TEXTCLUST_TEST_SAVE_KILL=N kills the process at the
 * N-th step of a commit (1: all staged, no marker; 2: marker written; 3..:
 * after each owned file is moved or removed), so the tests can check the
 * recovery from each point; TEXTCLUST_TEST_SAVE_SLEEP=S holds the lock S
 * seconds at step 1, for the tests of concurrent runs. */
static void crash_point(void) {
    static int step;
    const char *at = getenv("TEXTCLUST_TEST_SAVE_KILL"), *nap = getenv("TEXTCLUST_TEST_SAVE_SLEEP");
    step++;
    if (at && atoi(at) == step) kill(getpid(), SIGKILL);
    if (nap && step == 1) sleep((unsigned)atoi(nap));
}

/* ---------------------------------------------------------------- removing */

/* Deletes a staging folder and what is in it: files, and the map folders
 * the tiled map's writer makes (map/, .textclust-map-*); a foreign
 * subfolder there is left. */
static void remove_stage(const char *stage) {
    DIR *d = opendir(stage);
    char path[4400];
    if (d) {
        for (struct dirent *e; (e = readdir(d));) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            if (!strcmp(e->d_name, MAP_DIR) || !strncmp(e->d_name, ".textclust-map-", 15)) {
                snprintf(path, sizeof path, "%s/%s", stage, e->d_name);
                tc_viz_remove_tree(path);
            } else {
                unlinkat(dirfd(d), e->d_name, 0);
            }
        }
        closedir(d);
    }
    rmdir(stage);
}

/* Moves dir/map (when there) to dir/.textclust-map-old and removes that:
 * a folder cannot be renamed over a full one. Redoable: a leftover old
 * folder from a crash is removed first. */
static int drop_map(const char *dir) {
    char map[4400], old[4400];
    snprintf(map, sizeof map, "%s/" MAP_DIR, dir);
    snprintf(old, sizeof old, "%s/" MAP_OLD, dir);
    if (tc_viz_remove_tree(old) != 0)
        return tc_error(TC_EIO, "%s: cannot remove: %s", old, strerror(errno));
    if (rename(map, old) != 0 && errno != ENOENT)
        return tc_error(TC_EIO, "%s: cannot replace the earlier save's map: %s", map, strerror(errno));
    return 0;
}

/* ---------------------------------------------------------------- roll forward */

/* Marks in wrote[] the owned names listed in text (one a line, after skip
 * bytes); the lines are cut in place. */
static void read_names(char *text, size_t skip, int *wrote) {
    for (char *line = text + skip, *next; *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        else next = line + strlen(line);
        int i = owned_index(line);
        if (i >= 0) wrote[i] = 1;
    }
}

/* Steps 3-4 for a staging folder whose marker is written: the staged files
 * moved in, the earlier save's files that this one did not write removed
 * (only those its manifest lists), the new manifest written. Redoable at
 * every step: a rerun after the new manifest prunes nothing more. */
static int roll_forward(const char *dir, const char *stage, tc_meter *meter) {
    char path[4400], to[4400];
    snprintf(path, sizeof path, "%s/" MARKER, stage);
    char *text;
    size_t len;
    int rc = tc_read_file(path, &text, &len);
    if (rc) return rc;
    if (len < strlen(MARKER_HEAD) || memcmp(text, MARKER_HEAD, strlen(MARKER_HEAD)) != 0) {
        free(text);
        return tc_error(TC_EFORMAT, "%s: not a textclust commit marker", path);
    }
    int listed[N_OWNED] = {0}, earlier[N_OWNED] = {0};
    int prune = strstr(text + strlen(MARKER_HEAD), "prune\n") != NULL;
    int add = strncmp(text + strlen(MARKER_HEAD), "add\n", 4) == 0;
    read_names(text, strlen(MARKER_HEAD), listed);
    free(text);
    snprintf(path, sizeof path, "%s/" MANIFEST, dir);
    if ((prune || add) && tc_read_file(path, &text, &len) == 0) {  /* none: a folder of an older version */
        read_names(text, 0, earlier);
        free(text);
    }
    /* a report before each name: a rename over an earlier save's 1.5 GB
     * file frees its blocks (0.35 s here) */
    for (size_t i = 0; i < N_OWNED; i++) {
        if (meter && i) (void)tc_meter_tick_at(meter, i); /* past the marker a cancel is not heard */
        snprintf(to, sizeof to, "%s/%s", dir, OWNED[i]);
        if (!strcmp(OWNED[i], MAP_DIR)) {
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", stage, OWNED[i]);
            int staged = listed[i] && lstat(path, &st) == 0;  /* not: moved before a crash */
            if (staged && (rc = drop_map(dir))) return rc;
            /* a map/ this save does not replace (the last save's, or a later load's or show's):
             * only the files its meta.json names go, so a file the user put there keeps it */
            if (!add && !listed[i]) tc_viz_remove_map_files(to);
            if (staged && rename(path, to) != 0) return tc_error(TC_EIO, "%s: %s", to, strerror(errno));
            snprintf(path, sizeof path, "%s/" MAP_OLD, dir);
            tc_viz_remove_tree(path);
            crash_point();
            continue;
        }
        if (listed[i]) {
            snprintf(path, sizeof path, "%s/%s", stage, OWNED[i]);
            if (rename(path, to) != 0 && errno != ENOENT)  /* ENOENT: moved before a crash */
                return tc_error(TC_EIO, "%s: %s", to, strerror(errno));
        } else if (!add && earlier[i] && unlink(to) != 0 && errno != ENOENT) {
            return tc_error(TC_EIO, "%s: cannot remove the earlier save's file: %s", to, strerror(errno));
        } else if (!add && !earlier[i] && !strcmp(OWNED[i], "map.html") && tc_viz_is_map_html(to)) {
            unlink(to);  /* one a load or show wrote after the last save: ours by its first line */
        }
        crash_point();
    }
    tc_sb m = {0};
    for (size_t i = 0; i < N_OWNED; i++)
        if (listed[i] || (add && earlier[i])) tc_sb_printf(&m, "%s\n", OWNED[i]);
    snprintf(path, sizeof path, "%s/" MANIFEST, dir);
    rc = m.oom ? tc_error(TC_ENOMEM, "out of memory") : tc_atomic_write(path, m.s ? m.s : "", m.len);
    tc_sb_free(&m);
    if (rc) return rc;  /* tc_atomic_write synced the folder */
    snprintf(path, sizeof path, "%s/" MARKER, stage);
    unlink(path);
    remove_stage(stage);
    return tc_fsync_dir(dir);
}

/* Finishes or drops every staging folder in dir (we hold the exclusive lock,
 * so each is a dead run's). */
static int recover(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return tc_error(TC_EIO, "%s: %s", dir, strerror(errno));
    int rc = 0;
    char stage[4400], marker[4500];
    for (struct dirent *e; (e = readdir(d)) && !rc;) {
        if (strncmp(e->d_name, STAGE_PREFIX, strlen(STAGE_PREFIX)) != 0) continue;
        snprintf(stage, sizeof stage, "%s/%s", dir, e->d_name);
        snprintf(marker, sizeof marker, "%s/" MARKER, stage);
        struct stat st;
        if (lstat(stage, &st) != 0 || !S_ISDIR(st.st_mode)) continue;
        if (stat(marker, &st) == 0) {
            tc_info("%s: finishing a save that was interrupted after it was complete", dir);
            rc = roll_forward(dir, stage, NULL);
        } else {
            remove_stage(stage);
        }
    }
    closedir(d);
    for (size_t i = 0; i < N_OWNED; i++) {  /* killed writers' temporaries */
        snprintf(stage, sizeof stage, "%s/%s", dir, OWNED[i]);
        tc_atomic_clean(stage);
    }
    /* a killed tiled-map writer's folders (we hold the folder exclusively) */
    if (!rc && (d = opendir(dir))) {
        for (struct dirent *e; (e = readdir(d));)
            if (!strncmp(e->d_name, ".textclust-map-", 15)) {
                snprintf(stage, sizeof stage, "%s/%s", dir, e->d_name);
                tc_viz_remove_tree(stage);
            }
        closedir(d);
    }
    return rc;
}

/* ---------------------------------------------------------------- checks */

/* 1 when dir holds a save: textclust.json with our format mark, or the
 * reference's embeddings.npy and texts.json. */
static int is_save_folder(const char *dir) {
    char path[4400];
    struct stat st;
    snprintf(path, sizeof path, "%s/textclust.json", dir);
    char *text;
    size_t len;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < (64 << 20) &&
        tc_read_file(path, &text, &len) == 0) {
        cJSON *j = cJSON_ParseWithLength(text, len);
        free(text);
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(j, "format");
        int ours = cJSON_IsString(f) && strcmp(f->valuestring, FORMAT_MARK) == 0;
        cJSON_Delete(j);
        if (ours) return 1;
    }
    snprintf(path, sizeof path, "%s/embeddings.npy", dir);
    int emb = stat(path, &st) == 0 && S_ISREG(st.st_mode);
    snprintf(path, sizeof path, "%s/texts.json", dir);
    return emb && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* 1 when dir holds anything but our lock, staging folders and temporaries. */
static int has_foreign_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int found = 0;
    for (struct dirent *e; !found && (e = readdir(d));) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, LOCK_NAME) || !strcmp(n, MANIFEST)) continue;
        if (!strncmp(n, STAGE_PREFIX, strlen(STAGE_PREFIX))) continue;
        found = 1;
    }
    closedir(d);
    return found;
}

/* A save renames its files over the owned names and removes stale ones; a
 * folder under one of those names (a user's "map.png/") would make that
 * fail half-way through every commit, so it is refused before any work. */
static int check_owned_names(const tc_save_folder *f) {
    char path[4400];
    struct stat st;
    for (size_t i = 0; i < N_OWNED; i++) {
        snprintf(path, sizeof path, "%s/%s", f->dir, OWNED[i]);
        if (!strcmp(OWNED[i], MAP_DIR)) {
            if (lstat(path, &st) == 0 && (!S_ISDIR(st.st_mode) || !tc_viz_is_map_folder(path)))
                return tc_error(TC_EIO, "%s/%s: is not the tiled map a save writes there (no map/meta.json "
                                "of textclust's); move it away or use another --save_load_path",
                                f->shown, OWNED[i]);
            continue;
        }
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return tc_error(TC_EIO, "%s/%s: is a folder, where the save writes a file; move it away "
                            "or use another --save_load_path", f->shown, OWNED[i]);
    }
    return 0;
}

/* mkdir -p, remembering what was made so a failed run can take it back. */
static int make_dirs(tc_save_folder *f, const char *path) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    size_t len = strlen(dir);
    for (char *p = dir + 1; p <= dir + len; p++) {
        if (*p != '/' && *p) continue;
        char keep = *p;
        *p = 0;
        if (mkdir(dir, 0777) == 0) {  /* umask applies */
            if (f->n_created < 64) f->created[f->n_created++] = tc_strdup(dir);
        } else if (errno != EEXIST) {
            int err = errno;
            *p = keep;
            return tc_error(TC_EIO, "%s: cannot create folder %s: %s", path, dir, strerror(err));
        }
        *p = keep;
    }
    return 0;
}

/* ---------------------------------------------------------------- lock */

/* A shared lock for a reader. Another reader holds the lock exclusively
 * for the moment its recovery check takes (open, below), so shards started
 * together (a Slurm array, MPI ranks) wait out that moment instead of
 * failing: up to 2 s. 0, or -1 with errno. */
static int lock_shared(int fd) {
    for (int i = 0;; i++) {
        if (flock(fd, LOCK_SH | LOCK_NB) == 0) return 0;
        if (errno != EWOULDBLOCK || i == 200) return -1;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* Opens (creating when writer) and flocks the lock file; retries when the
 * file was replaced under us (a failed run removing the one it made). */
static int take_lock(tc_save_folder *f, int writer) {
    char path[4400];
    snprintf(path, sizeof path, "%s/" LOCK_NAME, f->dir);
    for (int attempt = 0; attempt < 10; attempt++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno == ENOENT) {
            fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
            if (fd >= 0) f->created_lock = 1;
            else if (errno == EEXIST) continue;
        }
        if (fd < 0) {
            if (!writer && (errno == EACCES || errno == EROFS)) return 0;  /* read it unlocked */
            return tc_error(TC_EIO, "%s: cannot write in this folder: %s", f->shown, strerror(errno));
        }
        if ((writer ? flock(fd, LOCK_EX | LOCK_NB) : lock_shared(fd)) != 0) {
            int err = errno;
            close(fd);
            if (f->created_lock) unlink(path), f->created_lock = 0;
            if (err == EWOULDBLOCK)
                return tc_error(TC_EIO, "%s: another textclust process is %s this save folder "
                                "(%s is locked); wait for it to end or use another path", f->shown,
                                writer ? "using" : "writing", LOCK_NAME);
            return tc_error(TC_EIO, "%s/%s: cannot lock: %s", f->shown, LOCK_NAME, strerror(err));
        }
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
            f->lock_fd = fd;
            return 0;
        }
        close(fd);
    }
    return tc_error(TC_EIO, "%s/%s: the lock file keeps changing", f->shown, LOCK_NAME);
}

/* ---------------------------------------------------------------- open, close */

int tc_save_folder_open(const char *folder, int flags, tc_save_folder **out) {
    *out = NULL;
    if (!folder || !*folder) return tc_error(TC_EINVAL, "no save folder given");
    if (strlen(folder) >= 3800) return tc_error(TC_EINVAL, "%.60s...: save folder path too long", folder);
    tc_save_folder *f = calloc(1, sizeof *f);
    if (!f || !(f->shown = tc_strdup(folder))) {
        free(f);
        return tc_error(TC_ENOMEM, "out of memory");
    }
    f->lock_fd = -1;
    f->writer = (flags & TC_SAVE_WRITE) != 0;
    f->add = f->writer && (flags & TC_SAVE_ADD);
    int rc = 0;
    struct stat st;
    if (f->add && stat(folder, &st) != 0) {  /* a save to add to, not a folder to make */
        rc = tc_error(TC_ENOTFOUND, "%s: %s", folder, strerror(errno));
    } else if (stat(folder, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            rc = tc_error(TC_EIO, "%s: exists and is not a folder; give --save_load_path a folder", folder);
    } else if (!f->writer) {
        rc = tc_error(TC_ENOTFOUND, "%s: %s", folder, strerror(errno));
    } else if (errno != ENOENT) {
        rc = tc_error(TC_EIO, "%s: %s", folder, strerror(errno));
    } else {
        rc = make_dirs(f, folder);
    }
    if (!rc && !(f->dir = realpath(folder, NULL))) rc = tc_error(TC_EIO, "%s: %s", folder, strerror(errno));
    if (!rc) rc = take_lock(f, f->writer);
    if (!rc && f->lock_fd >= 0 && !f->writer) {
        /* An interrupted save needs the exclusive lock to be finished; a reader
         * takes it for that moment when no one else holds the folder. */
        if (flock(f->lock_fd, LOCK_EX | LOCK_NB) == 0) {
            rc = recover(f->dir);
            flock(f->lock_fd, LOCK_SH);
        } else if (lock_shared(f->lock_fd) != 0) {  /* the failed upgrade dropped our shared lock */
            rc = tc_error(TC_EIO, "%s: another textclust process is writing this save folder", folder);
        }
    } else if (!rc && f->writer) {
        if (!(rc = check_owned_names(f))) rc = recover(f->dir);
    }
    if (!rc && f->writer) {
        f->prune = is_save_folder(f->dir);
        if (f->add && !f->prune)
            rc = tc_error(TC_EINVAL, "%s: holds no save (textclust.json, or embeddings.npy and "
                          "texts.json) to add files to", folder);
        else if (!f->prune && has_foreign_entries(f->dir) && !(flags & TC_SAVE_OVERWRITE))
            rc = tc_error(TC_EIO, "%s: the folder is not empty and holds no textclust save; refusing "
                          "to write into it (pass --overwrite to add the save's files anyway; "
                          "nothing else in it is touched)", folder);
    }
    if (rc) {
        tc_save_folder_close(f);
        return rc;
    }
    *out = f;
    return 0;
}

void tc_save_folder_close(tc_save_folder *f) {
    if (!f) return;
    if (f->stage) remove_stage(f->stage);
    if (!f->committed && f->created_lock) {  /* leave no trace of a run that saved nothing */
        char path[4400];
        snprintf(path, sizeof path, "%s/" LOCK_NAME, f->dir);
        unlink(path);
    }
    if (f->lock_fd >= 0) close(f->lock_fd);
    for (int i = f->n_created - 1; i >= 0; i--) {
        if (!f->committed) rmdir(f->created[i]);  /* only when still empty */
        free(f->created[i]);
    }
    free(f->stage);
    free(f->dir);
    free(f->shown);
    free(f);
}

const char *tc_save_folder_path(const tc_save_folder *f) { return f->dir; }

int tc_save_folder_owns(const tc_save_folder *f, const char *path) {
    struct stat a, b;
    if (!path || stat(path, &a) != 0) return 0;
    char p[4400];
    for (size_t i = 0; i < N_OWNED; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, OWNED[i]);
        if (stat(p, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- staging, commit */

int tc_save_folder_stage(tc_save_folder *f, const char **stage) {
    *stage = NULL;
    if (!f->writer) return tc_error(TC_EINVAL, "%s: opened for reading, not for a save", f->shown);
    if (f->committed) return tc_error(TC_EINVAL, "%s: this save is committed already", f->shown);
    if (!f->stage) {
        tc_sb b = {0};
        tc_sb_printf(&b, "%s/" STAGE_PREFIX "XXXXXX", f->dir);
        if (b.oom) return tc_error(TC_ENOMEM, "out of memory");
        if (!mkdtemp(b.s)) {
            int rc = tc_error(TC_EIO, "%s: cannot write in this folder: %s", f->shown, strerror(errno));
            tc_sb_free(&b);
            return rc;
        }
        f->stage = b.s;
    }
    *stage = f->stage;
    return 0;
}

void tc_save_folder_set_progress(tc_save_folder *f, tc_progress_fn fn, void *ctx) {
    if (f) f->progress = fn, f->progress_ctx = ctx;
}

int tc_save_folder_commit(tc_save_folder *f) {
    const char *stage;
    int rc = tc_save_folder_stage(f, &stage);
    if (rc) return rc;
    /* stage "commit", the owned names: a cancel at its start leaves the
     * earlier save; from the marker on the commit finishes */
    tc_meter meter;
    if ((rc = tc_meter_start(&meter, f->progress, f->progress_ctx, "commit", N_OWNED)))
        return tc_error_prefix(rc, "saving %s (the earlier save is untouched)", f->shown);
    crash_point();
    tc_sb m = {0};
    tc_sb_puts(&m, MARKER_HEAD);
    if (f->add) tc_sb_puts(&m, "add\n");
    else if (f->prune) tc_sb_puts(&m, "prune\n");
    DIR *d = opendir(stage);
    if (!d) {
        tc_sb_free(&m);
        return tc_error(TC_EIO, "%s: %s", stage, strerror(errno));
    }
    for (struct dirent *e; (e = readdir(d));)
        if (owned_index(e->d_name) >= 0) tc_sb_printf(&m, "%s\n", e->d_name);
    closedir(d);
    char path[4400];
    snprintf(path, sizeof path, "%s/" MARKER, stage);
    rc = m.oom ? tc_error(TC_ENOMEM, "out of memory") : tc_atomic_write(path, m.s, m.len);
    tc_sb_free(&m);
    if (rc) return tc_error_prefix(rc, "saving %s (the earlier save is untouched)", f->shown);
    crash_point();
    rc = roll_forward(f->dir, stage, &meter);
    if (!rc) (void)tc_meter_report(&meter, N_OWNED);
    free(f->stage);
    f->stage = NULL;
    f->committed = 1;
    f->prune = 1;  /* it is a save folder now */
    if (rc) return tc_error_prefix(rc, "saving %s (the next save or load finishes it)", f->shown);
    return 0;
}
