/* commands.c - run, load and show: the reference script's modes (infer.c has infer). */
#include "cli/common.h"
#include "cli/hfds.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void print_clusters(const tc_classifier *c, size_t max) {
    size_t n_names;
    const tc_cluster_label *names = tc_classifier_cluster_labels(c, &n_names);
    /* names come from an LLM or a save folder someone sent: never raw */
    for (size_t j = 0; j < n_names && j < max; j++) {
        printf("%lld: ", (long long)names[j].label);
        cli_term_fputs(names[j].summary ? names[j].summary : "", stdout);
        putchar('\n');
    }
    if (n_names > max) printf("... and %zu more clusters\n", n_names - max);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* The noise share and the distribution of cluster sizes: what to act on
 * (--assign_noise, --dbscan_eps, --min_cluster_size). */
static void print_shape(const tc_classifier *c, const cli_opts *o) {
    if (o->quiet) return;
    tc_fit_stats s = tc_classifier_stats(c);
    size_t n = tc_classifier_n_texts(c), k = 0;
    fprintf(stderr, "textclust: %zu texts, %zu clusters, %zu noise (%.1f%%)\n", n,
            tc_classifier_n_clusters(c), s.n_noise, n ? 100.0 * (double)s.n_noise / (double)n : 0.0);
    /* sizes by sorting the labels: any numbering works */
    const int64_t *labels = tc_classifier_labels(c);
    int64_t *l = malloc((n ? n : 1) * sizeof *l);
    size_t *size = malloc((n ? n : 1) * sizeof *size);
    if (!l || !size) { free(l), free(size); return; }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (labels[i] >= 0) l[m++] = labels[i];
    qsort(l, m, sizeof *l, cmp_i64);
    for (size_t i = 0; i < m; i++) {
        if (i == 0 || l[i] != l[i - 1]) size[k++] = 0;
        size[k - 1]++;
    }
    if (k) {
        qsort(size, k, sizeof *size, cmp_size);
        fprintf(stderr, "textclust: cluster sizes: min %zu, 25%% %zu, median %zu, 75%% %zu, max %zu; "
                        "the largest holds %.1f%% of the texts\n", size[0], size[(k - 1) / 4],
                size[(k - 1) / 2], size[3 * (k - 1) / 4], size[k - 1],
                n ? 100.0 * (double)size[k - 1] / (double)n : 0.0);
    }
    free(l), free(size);
}

/* The topic tree as an indented outline, depth levels below the root. */
static void print_tree(const tc_classifier *c, const cli_opts *o) {
    size_t n_nodes;
    const tc_topic_node *t = tc_classifier_tree(c, &n_nodes);
    if (!t || o->depth <= 0) return;
    size_t *stack = malloc(n_nodes * sizeof *stack), sp = 0;
    if (!stack) return;
    printf("topic tree (%zu nodes):\n", n_nodes);
    stack[sp++] = 0;
    while (sp) {
        size_t u = stack[--sp];
        const tc_topic_node *nd = &t[u];
        printf("%*s", 2 * nd->depth, "");
        cli_term_fputs(nd->name ? nd->name : "", stdout);
        printf(" (%zu texts", nd->size);
        if (nd->cluster >= 0) printf(", cluster %lld", (long long)nd->cluster);
        printf(")");
        if (nd->keywords && nd->keywords[0]) {
            printf(" [");
            cli_term_fputs(nd->keywords, stdout);
            printf("]");
        }
        putchar('\n');
        if (nd->depth >= o->depth) continue;
        for (size_t ch = nd->n_children; ch-- > 0;) stack[sp++] = (size_t)nd->children[ch];
    }
    free(stack);
}

/* ---------------------------------------------------------------- run */

/* The tiled map needs a web server: one line saying how to serve it. */
static void map_hint(const cli_opts *o, const tc_classifier *c, const char *dir) {
    size_t n = tc_classifier_n_texts(c);
    if (o->quiet || o->no_plots || n <= (size_t)o->p.viz.map_max_points) return;
    fprintf(stderr, "textclust: %zu points, more than --map_max_points %d: the map is %s/map/, which "
            "a browser fetches from a server (file:// cannot): python3 -m http.server -d %s/map 8000\n",
            n, o->p.viz.map_max_points, dir, dir);
}

/* The texts run fits on: shuffled with the seed, then range(start, end) when
 * start > 0, else the first n_samples (as the reference script selects). */
static int select_rows(const cli_opts *o, size_t n, size_t **rows, size_t *m) {
    size_t *perm = malloc((n ? n : 1) * sizeof *perm);
    if (!perm) return cli_fail("out of memory");
    tc_shuffle_indices(o->p.seed, n, perm);
    size_t lo = 0, hi = o->n_samples < 0 ? 0 : (size_t)o->n_samples;
    if (o->start > 0) lo = (size_t)o->start, hi = o->end < 0 ? 0 : (size_t)o->end;
    if (hi > n) hi = n;
    if (lo >= hi) {
        free(perm);
        fprintf(stderr, "textclust: error: the selection is empty: the input has %zu texts "
                        "(--start %ld, --end %ld, --n_samples %ld)\n", n, o->start, o->end, o->n_samples);
        return 1;
    }
    memmove(perm, perm + lo, (hi - lo) * sizeof *perm);
    *rows = perm, *m = hi - lo;
    return 0;
}

int cmd_run(cli_opts *o) {
    if (o->inference_repo_name) cli_warnf("--inference_repo_name names the hub repository of infer's results; run ignores it");
    if (o->username && !o->build_hf_ds) cli_warnf("--username names the hub user of --build_hf_ds pushes; without that flag nothing is pushed");
    char path[4096];
    int format, rc = cli_input(o, path, sizeof path, &format);
    if (rc || (rc = cli_load_prompts(o))) return rc;
    /* The save folder is checked and locked before any work, and stays
     * locked until its files and plots are in place. */
    tc_save_folder *sf = NULL;
    if (tc_save_folder_open(o->save_load_path, TC_SAVE_WRITE | (o->overwrite ? TC_SAVE_OVERWRITE : 0), &sf))
        return cli_fail(tc_last_error());
    tc_save_folder_set_progress(sf, o->p.progress, o->p.progress_ctx);
    if (tc_save_folder_owns(sf, path)) {
        fprintf(stderr, "textclust: error: %s: the input is a file of the save folder %s, which the save "
                        "replaces; copy it elsewhere or save to another folder\n", path, o->save_load_path);
        tc_save_folder_close(sf);
        return 1;
    }
    if (!o->llm_cache && o->p.label.api != TC_LLM_NONE) {
        /* beside the folder: "out/x/" and "." name it by its real name, so
         * the cache is out/x.llm-cache, not out/x/.llm-cache or ..llm-cache */
        static char cache[4200];
        const char *dir = o->save_load_path;
        size_t len = strlen(dir);
        while (len > 1 && dir[len - 1] == '/') len--;
        const char *base = dir + len;
        while (base > dir && base[-1] != '/') base--;
        if ((dir + len - base == 1 && base[0] == '.') || (dir + len - base == 2 && !strncmp(base, "..", 2)))
            dir = tc_save_folder_path(sf), len = strlen(dir);
        snprintf(cache, sizeof cache, "%.*s.llm-cache", (int)len, dir);
        o->p.label.cache_dir = cache;
    } else if (o->llm_cache) {
        o->p.label.cache_dir = o->llm_cache;
    }

    tc_label_stats llm_stats = {0};
    o->p.label.stats = &llm_stats;
    tc_textset ts = {0};
    float *all_emb = NULL, *emb = NULL;
    size_t *rows = NULL, m = 0, e_rows = 0, e_cols = 0;
    const char **texts = NULL;
    tc_classifier *c = NULL;
    rc = 1;
    /* The vectors first: checked in the user's row order, before the shuffle
     * makes a row number meaningless, and before the texts are read. */
    if (o->embeddings) {
        if (cli_check_readable("--embeddings", o->embeddings)) goto done;
        if (tc_npy_load_f32(o->embeddings, &all_emb, &e_rows, &e_cols)) { cli_fail(tc_last_error()); goto done; }
        if (e_cols == 0) {
            cli_failf("%s: shape (%zu, 0): the embeddings have no dimensions; expected (N, d) with "
                      "d >= 1, one row per input text", o->embeddings, e_rows);
            goto done;
        }
        if (cli_check_finite(o->embeddings, all_emb, e_rows, e_cols)) goto done;
    }
    if (cli_read_texts(o, path, format, &ts)) goto done;
    if (all_emb && e_rows != ts.n) {
        cli_failf("%s has %zu rows but %s has %zu texts", o->embeddings, e_rows, path, ts.n);
        goto done;
    }
    if (select_rows(o, ts.n, &rows, &m)) goto done;
    if (!(texts = malloc(m * sizeof *texts)) ||
        (all_emb && !(emb = malloc(m * e_cols * sizeof *emb)))) { cli_fail("out of memory"); goto done; }
    for (size_t i = 0; i < m; i++) {
        texts[i] = ts.texts[rows[i]];
        if (emb) memcpy(emb + i * e_cols, all_emb + rows[i] * e_cols, e_cols * sizeof *emb);
    }
    free(all_emb);
    all_emb = NULL;

    if (tc_classifier_new(&o->p, &c) || tc_classifier_fit(c, texts, m, emb, (int)e_cols)) {
        cli_fail(tc_last_error());
        goto done;
    }
    print_clusters(c, 10);
    double t = cli_now();
    if (tc_classifier_save_to(c, sf)) { cli_fail(tc_last_error()); goto done; }
    double save_s = cli_now() - t;
    t = cli_now();
    if (!o->no_plots && tc_classifier_plot_to(c, sf, &o->plot)) { cli_fail(tc_last_error()); goto done; }
    double plot_s = cli_now() - t;
    t = cli_now();
    if (o->build_hf_ds && tc_classifier_hf_datasets_to(c, sf)) { cli_fail(tc_last_error()); goto done; }
    if (tc_save_folder_commit(sf)) { cli_fail(tc_last_error()); goto done; }
    save_s += cli_now() - t;
    print_tree(c, o);
    print_shape(c, o);
    map_hint(o, c, o->save_load_path);
    if (o->build_hf_ds && cli_hfds_saved(o, o->save_load_path)) goto done;
    if (!o->quiet && o->p.label.api != TC_LLM_NONE)
        fprintf(stderr, "textclust: LLM: %zu requests (%zu retries), %zu answers from the cache, "
                        "%zu clusters fell back to keywords\n", llm_stats.n_requests, llm_stats.n_retries,
                llm_stats.n_cache_hits, llm_stats.n_failed);
    if (!o->quiet) {
        tc_fit_stats s = tc_classifier_stats(c);
        fprintf(stderr, "textclust: embed %.2fs  umap %.2fs  cluster %.2fs  label %.2fs  save %.2fs  plots %.2fs -> %s\n",
                s.embed_s, s.umap_s, s.cluster_s, s.label_s, save_s, plot_s, o->save_load_path);
    }
    rc = 0;
done:
    tc_save_folder_close(sf);
    tc_classifier_free(c);
    free(texts);
    free(rows);
    free(emb);
    free(all_emb);
    tc_textset_free(&ts);
    return rc;
}

/* ---------------------------------------------------------------- load, show */

int cli_load_folder(cli_opts *o, tc_save_folder **sf, tc_classifier **c) {
    *c = NULL;
    if (tc_save_folder_open(o->save_load_path, TC_SAVE_READ, sf)) return cli_fail(tc_last_error());
    if (tc_classifier_load(o->save_load_path, &o->p, c)) return cli_fail(tc_last_error());
    return 0;
}

/* load --build_hf_ds writes into the folder: held exclusively from the
 * read to the commit, so the datasets are built from the save they join. */
static int load_for_datasets(cli_opts *o, tc_save_folder **sf, tc_classifier **c) {
    *c = NULL;
    if (tc_save_folder_open(o->save_load_path, TC_SAVE_WRITE | TC_SAVE_ADD, sf)) return cli_fail(tc_last_error());
    tc_save_folder_set_progress(*sf, o->p.progress, o->p.progress_ctx);
    if (tc_classifier_load_from(*sf, &o->p, c)) return cli_fail(tc_last_error());
    return 0;
}

int cmd_load(cli_opts *o) {
    tc_classifier *c;
    tc_save_folder *sf = NULL;
    if (o->build_hf_ds ? load_for_datasets(o, &sf, &c) : cli_load_folder(o, &sf, &c)) {
        tc_classifier_free(c);
        tc_save_folder_close(sf);
        return 1;
    }
    print_clusters(c, 10);
    print_tree(c, o);
    print_shape(c, o);
    int rc = 0;
    if (o->build_hf_ds) {
        if (tc_classifier_hf_datasets_to(c, sf) || tc_save_folder_commit(sf)) rc = cli_fail(tc_last_error());
        else rc = cli_hfds_saved(o, o->save_load_path);
    }
    /* A folder we may only read (someone's save on a read-only share) loads
     * fine; its plots stay as they are, rather than failing the check. */
    int plots = !o->no_plots;
    if (plots && access(tc_save_folder_path(sf), W_OK) != 0) {
        cli_warnf("%s: cannot write in this folder (%s); its plots are not redrawn (show --output DIR "
                "draws them elsewhere)", o->save_load_path, strerror(errno));
        plots = 0;
    }
    if (!rc && plots && tc_classifier_plot(c, o->save_load_path, &o->plot)) rc = cli_fail(tc_last_error());
    else if (!rc && plots) map_hint(o, c, o->save_load_path);
    tc_classifier_free(c);
    tc_save_folder_close(sf);
    return rc;
}

/* 1 when dir is a save folder (ours or the reference's) other than the
 * one at real (symlinks resolved). */
static int holds_other_save(const char *dir, const char *real) {
    char *r = realpath(dir, NULL), path[4200];
    int other = r && strcmp(r, real) != 0;
    free(r);
    if (!other) return 0;
    struct stat st;
    snprintf(path, sizeof path, "%s/textclust.json", dir);
    if (stat(path, &st) == 0) return 1;
    snprintf(path, sizeof path, "%s/embeddings.npy", dir);
    return stat(path, &st) == 0;
}

/* show --overlay FILE [FILE...]: infer's outputs, read before the save. */
static int read_overlay(cli_opts *o, tc_overlay *ov) {
    memset(ov, 0, sizeof *ov);
    if (!o->overlay) {
        if (o->n_paths) return cli_failf("unexpected argument '%s' (show takes files after --overlay)", o->paths[0]);
        return 0;
    }
    const char **files = calloc((size_t)o->n_paths + 1, sizeof *files);
    if (!files) return cli_fail("out of memory");
    files[0] = o->overlay;
    for (int i = 0; i < o->n_paths; i++) files[i + 1] = o->paths[i];
    int rc = tc_overlay_read(files, (size_t)o->n_paths + 1, ov) ? cli_fail(tc_last_error()) : 0;
    free(files);
    if (!rc && !o->quiet) {
        fprintf(stderr, "textclust: overlay: %zu inferred texts (%zu far or noise)", ov->n, ov->n_noise);
        if (ov->n > TC_OVERLAY_HTML_MAX) fprintf(stderr, "; map.html or map/ shows a sample of %d", TC_OVERLAY_HTML_MAX);
        fputc('\n', stderr);
    }
    return rc;
}

int cmd_show(cli_opts *o) {
    tc_classifier *c;
    tc_save_folder *sf = NULL;
    tc_overlay ov;
    if (read_overlay(o, &ov)) { tc_overlay_free(&ov); free(o->paths); o->paths = NULL; return 1; }
    free(o->paths), o->paths = NULL, o->n_paths = 0;  /* cli_parse's list */
    if (cli_load_folder(o, &sf, &c)) { tc_overlay_free(&ov); tc_save_folder_close(sf); return 1; }
    const char *dir = o->output ? o->output : o->save_load_path;
    int rc = 0;
    if (o->output && holds_other_save(dir, tc_save_folder_path(sf))) {
        cli_failf("--output %s holds another save, whose plots this would replace with %s's; "
                  "draw into an empty folder", dir, o->save_load_path);
        rc = 1;
    } else if (o->output && mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "textclust: error: %s: %s\n", dir, strerror(errno));
        rc = 1;
    } else if (tc_classifier_plot_overlay(c, dir, &o->plot, ov.n ? &ov : NULL, o->p.seed)) {
        rc = cli_fail(tc_last_error());
    } else if (!o->quiet) {
        int tiled = tc_classifier_n_texts(c) > (size_t)o->p.viz.map_max_points;
        fprintf(stderr, "textclust: wrote %s/map.png and %s/%s\n", dir, dir, tiled ? "map/" : "map.html");
        map_hint(o, c, dir);
    }
    tc_overlay_free(&ov);
    tc_classifier_free(c);
    tc_save_folder_close(sf);
    return rc;
}
