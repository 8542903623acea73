/* push.c - the Hugging Face datasets of a save folder (or one Parquet file)
 * pushed to the hub: cli_push_save_folder and cli_push_file for run, load
 * and infer --build_hf_ds, and `textclust push` for files written without
 * a token. Each file goes to data/train-00000-of-00001.parquet, the path
 * datasets.push_to_hub writes and the name datasets.load_dataset maps to
 * the train split on its own (data/{split}-NNNNN-of-NNNNN.*), so no
 * README.md card is needed for the split to be found. */
#include "cli/common.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PATH_IN_REPO "data/train-00000-of-00001.parquet"

/* 0 when a push can start: a token and --username; else 1 after saying
 * how to get there, and how to push later (later: the command that does) */
static int ready(const cli_opts *o, int need_user, const char *later) {
    if (need_user && !o->username) {
        cli_term_printf(stderr, "textclust: error: pushing to the hub needs --username (the hub user or "
                                "organization the datasets go to); push later with: %s\n", later);
        return 1;
    }
    char *tok = tc_hub_token();
    if (tok) {
        for (volatile char *q = tok; *q; q++) *q = 0;
        free(tok);
        return 0;
    }
    cli_term_printf(stderr, "textclust: error: pushing to the hub needs a Hugging Face token with write "
                            "access: set HF_TOKEN (or log in with `hf auth login`, or put the token in "
                            "$HF_HOME/token), then push the files with: %s\n", later);
    return 1;
}

static int push_one(const cli_opts *o, const char *repo, const char *file) {
    if (cli_check_readable("push", file)) return 1;
    tc_hub_push_file f = {file, PATH_IN_REPO};
    tc_hub_push_result res;
    int progress = !o->quiet && isatty(STDERR_FILENO);
    if (tc_hub_push(repo, !o->public_repo, &f, 1, "Upload dataset", progress, &res))
        return cli_fail(tc_last_error());
    if (!o->quiet) {
        if (res.commit[0])
            cli_term_printf(stderr, "textclust: pushed %s to %s (%s, commit %.12s)\n", file, res.url,
                            res.n_uploaded ? "uploaded" : "the hub had its bytes", res.commit);
        else
            cli_term_printf(stderr, "textclust: %s is on %s already, unchanged: no commit\n", file, res.url);
    }
    return 0;
}

int cli_push_file(const cli_opts *o, const char *repo, const char *file) {
    char later[2048], full[512];
    int has_user = strchr(repo, '/') != NULL;
    snprintf(full, sizeof full, "%s%s%s", has_user ? "" : o->username ? o->username : "USER",
             has_user ? "" : "/", repo);
    snprintf(later, sizeof later, "textclust push --repo %s%s %s", full, o->public_repo ? " --public" : "", file);
    if (ready(o, !has_user, later)) return 1;
    return push_one(o, full, file);
}

int cli_push_save_folder(const cli_opts *o, const char *dir) {
    /* the reference names the repositories after the folder's last part
     * (save_load_path.split("/")[-1]); ours drops trailing slashes and
     * resolves "." and "..", which would be no repository name */
    char path[PATH_MAX], buf[PATH_MAX], name[256], later[2048];
    snprintf(path, sizeof path, "%s", dir);
    for (size_t n = strlen(path); n > 1 && path[n - 1] == '/';) path[--n] = 0;
    memcpy(buf, path, sizeof buf);
    const char *base = basename(buf);
    char real[PATH_MAX];
    if ((!strcmp(base, ".") || !strcmp(base, "..")) && realpath(dir, real)) base = basename(real);
    snprintf(name, sizeof name, "%s", base);
    snprintf(later, sizeof later, "textclust push --save_load_path %s --username %s%s", dir,
             o->username ? o->username : "USER", o->public_repo ? " --public" : "");
    if (ready(o, 1, later)) return 1;
    char texts[PATH_MAX + 32], clusters[PATH_MAX + 32], repo[512];
    snprintf(texts, sizeof texts, "%s/hf_texts.parquet", path);
    snprintf(clusters, sizeof clusters, "%s/hf_clusters.parquet", path);
    for (int i = 0; i < 2; i++) {
        const char *f = i ? texts : clusters;
        if (access(f, R_OK) != 0) {
            cli_term_printf(stderr, "textclust: error: %s: no such file; run or load with --build_hf_ds "
                                    "writes it into the save folder\n", f);
            return 1;
        }
    }
    /* The reference pushes its per-cluster dataset (held in a variable
     * named ds) to USER/NAME and the per-text one (data_clusters) to
     * USER/NAME_clusters, and the FineWeb space and its plot_distributions
     * read them so: the names stay as it has them, swapped against the
     * contents. */
    snprintf(repo, sizeof repo, "%s/%s", o->username, name);
    if (push_one(o, repo, clusters)) return 1;
    snprintf(repo, sizeof repo, "%s/%s_clusters", o->username, name);
    return push_one(o, repo, texts);
}

int cmd_push(cli_opts *o) {
    if (o->repo) {
        if (!o->push_file) {
            fputs("textclust: push --repo USER/NAME needs the file to push: textclust push --repo USER/NAME FILE\n", stderr);
            return 2;
        }
        return cli_push_file(o, o->repo, o->push_file);
    }
    if (o->push_file) {
        cli_term_printf(stderr, "textclust: push %s: a file needs --repo USER/NAME; a save folder is "
                                "pushed with --save_load_path DIR --username USER\n", o->push_file);
        return 2;
    }
    return cli_push_save_folder(o, o->save_load_path);
}
