/* test_save_folder.c - save folders through the public API: only owned
 * files are replaced, foreign folders refused, one writer at a time, and an
 * interrupted commit finished (marker) or dropped (no marker) by the next
 * open. */
#include "textclust.h"
#include "check.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/tc-savefolder-XXXXXX";

static int exists(const char *dir, const char *name) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

static void put(const char *dir, const char *name, const char *text) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (f) fputs(text, f), fclose(f);
}

/* Entries of dir starting with prefix. */
static int n_prefixed(const char *dir, const char *prefix) {
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d) closedir(d);
    return n;
}

static tc_classifier *fitted(void) {
    static const char *words[] = {"kernel driver module boot", "guitar chord piano song",
                                  "flour butter oven bread"};
    enum { N = 60 };
    const char *texts[N];
    for (int i = 0; i < N; i++) texts[i] = words[i % 3];
    tc_params p = tc_default_params();
    p.embed_model = "hashing";
    p.dbscan.eps = 0.5;
    p.dbscan.min_samples = 5;
    p.n_threads = 2;
    tc_classifier *c = NULL;
    if (tc_classifier_new(&p, &c) || tc_classifier_fit(c, texts, N, NULL, 0)) return NULL;
    return c;
}

int main(void) {
    CHECK(mkdtemp(root) != NULL);
    tc_classifier *c = fitted();
    CHECK(c != NULL);
    if (!c) return 1;
    char dir[128], path[256];

    /* a save into a folder with the user's files: theirs survive, ours arrive */
    snprintf(dir, sizeof dir, "%s/a", root);
    CHECK_OK(tc_classifier_save(c, dir));
    put(dir, "precious.txt", "mine");
    snprintf(path, sizeof path, "%s/sub", dir);
    CHECK(mkdir(path, 0755) == 0);
    put(path, "deep.txt", "mine too");
    put(dir, "topics_dist.png", "the user's own");  /* an owned name no save of ours wrote: kept */
    CHECK_OK(tc_classifier_save(c, dir));
    CHECK(exists(dir, "precious.txt") && exists(dir, "sub/deep.txt"));
    CHECK(exists(dir, "textclust.json") && exists(dir, "embeddings.npy"));
    CHECK(exists(dir, "topics_dist.png"));

    /* a save's own plots that the next save does not write are removed */
    tc_save_folder *sf = NULL;
    CHECK_OK(tc_save_folder_open(dir, TC_SAVE_WRITE, &sf));
    CHECK_OK(tc_classifier_save_to(c, sf));
    CHECK_OK(tc_classifier_plot_to(c, sf, NULL));
    CHECK_OK(tc_save_folder_commit(sf));
    tc_save_folder_close(sf);
    CHECK(exists(dir, "map.png") && exists(dir, "map.html"));
    CHECK_OK(tc_classifier_save(c, dir));
    CHECK(!exists(dir, "map.png") && !exists(dir, "map.html"));
    CHECK(exists(dir, "topics_dist.png") && exists(dir, "precious.txt"));
    CHECK(n_prefixed(dir, ".textclust-save-") == 0);

    /* one writer: a second open for writing fails at once, a reader too */
    tc_save_folder *f = NULL, *g = NULL;
    CHECK_OK(tc_save_folder_open(dir, TC_SAVE_WRITE, &f));
    CHECK(tc_save_folder_open(dir, TC_SAVE_WRITE, &g) == TC_EIO && g == NULL);
    CHECK(strstr(tc_last_error(), "another textclust process") != NULL);
    CHECK(tc_save_folder_open(dir, TC_SAVE_READ, &g) == TC_EIO);
    snprintf(path, sizeof path, "%s/texts.json", dir);
    CHECK(tc_save_folder_owns(f, path) == 1);
    snprintf(path, sizeof path, "%s/precious.txt", dir);
    CHECK(tc_save_folder_owns(f, path) == 0);
    /* staged files are not in place until commit; close without commit drops them */
    CHECK_OK(tc_classifier_save_to(c, f));
    CHECK(n_prefixed(dir, ".textclust-save-") == 1);
    tc_save_folder_close(f);
    CHECK(n_prefixed(dir, ".textclust-save-") == 0);
    /* readers share */
    CHECK_OK(tc_save_folder_open(dir, TC_SAVE_READ, &f));
    CHECK_OK(tc_save_folder_open(dir, TC_SAVE_READ, &g));
    CHECK(tc_save_folder_commit(f) == TC_EINVAL);  /* a reader does not save */
    tc_save_folder_close(g);
    tc_save_folder_close(f);

    /* a staging folder without a marker (killed while writing) is dropped */
    snprintf(path, sizeof path, "%s/.textclust-save-dead01", dir);
    CHECK(mkdir(path, 0700) == 0);
    put(path, "textclust.json", "half");
    CHECK_OK(tc_save_folder_open(dir, TC_SAVE_READ, &f));
    tc_save_folder_close(f);
    CHECK(n_prefixed(dir, ".textclust-save-") == 0);
    /* with the marker (killed while moving files in) it is finished */
    CHECK(mkdir(path, 0700) == 0);
    put(path, "textclust.json", "{\"format\": \"textclust save folder\", \"new\": 1}");
    put(path, ".commit", "textclust save commit 1\nprune\ntextclust.json\nembeddings.npy\n");
    /* embeddings.npy was moved before the kill: only textclust.json is left to move */
    CHECK_OK(tc_save_folder_open(dir, TC_SAVE_READ, &f));
    tc_save_folder_close(f);
    CHECK(n_prefixed(dir, ".textclust-save-") == 0);
    CHECK(exists(dir, "embeddings.npy"));
    CHECK(!exists(dir, "texts.json") && !exists(dir, "faiss.index"));  /* not in the new save */
    CHECK(exists(dir, "precious.txt") && exists(dir, "sub/deep.txt"));
    FILE *j = fopen(path, "r");
    CHECK(j == NULL);
    snprintf(path, sizeof path, "%s/textclust.json", dir);
    j = fopen(path, "r");
    char buf[128] = "";
    if (j) { CHECK(fgets(buf, sizeof buf, j) != NULL); fclose(j); }
    CHECK(strstr(buf, "\"new\": 1") != NULL);

    /* a foreign non-empty folder: refused, accepted with OVERWRITE, nothing foreign touched */
    snprintf(dir, sizeof dir, "%s/foreign", root);
    CHECK(mkdir(dir, 0755) == 0);
    put(dir, "notes.txt", "mine");
    put(dir, "cluster_summaries.json", "the user's");
    CHECK(tc_save_folder_open(dir, TC_SAVE_WRITE, &f) == TC_EIO);
    CHECK(strstr(tc_last_error(), "--overwrite") != NULL);
    CHECK(tc_classifier_save(c, dir) == TC_EIO);
    CHECK(!exists(dir, ".textclust.lock") && !exists(dir, "textclust.json"));
    CHECK_OK(tc_save_folder_open(dir, TC_SAVE_WRITE | TC_SAVE_OVERWRITE, &f));
    CHECK_OK(tc_classifier_save_to(c, f));
    CHECK_OK(tc_save_folder_commit(f));
    tc_save_folder_close(f);
    CHECK(exists(dir, "notes.txt") && exists(dir, "textclust.json"));
    /* an empty folder is fine without OVERWRITE */
    snprintf(dir, sizeof dir, "%s/empty", root);
    CHECK(mkdir(dir, 0755) == 0);
    CHECK_OK(tc_classifier_save(c, dir));

    /* a path that is a file, or below a file: refused, nothing created */
    snprintf(dir, sizeof dir, "%s/file", root);
    put(root, "file", "x");
    CHECK(tc_save_folder_open(dir, TC_SAVE_WRITE, &f) == TC_EIO);
    CHECK(strstr(tc_last_error(), "not a folder") != NULL);
    snprintf(dir, sizeof dir, "%s/file/below", root);
    CHECK(tc_save_folder_open(dir, TC_SAVE_WRITE, &f) == TC_EIO);
    /* a failed run leaves no folder or lock it made */
    snprintf(dir, sizeof dir, "%s/new/deeper", root);
    CHECK_OK(tc_save_folder_open(dir, TC_SAVE_WRITE, &f));
    CHECK(exists(root, "new/deeper/.textclust.lock"));
    tc_save_folder_close(f);
    CHECK(!exists(root, "new"));
    /* reading a folder that is not there is an error, and creates nothing */
    CHECK(tc_save_folder_open(dir, TC_SAVE_READ, &f) == TC_ENOTFOUND);
    CHECK(!exists(root, "new"));

    tc_classifier_free(c);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    CHECK(system(cmd) == 0);
    printf("test_save_folder: %d passed, %d failed\n", check_passed, check_failed);
    return check_failed != 0;
}
