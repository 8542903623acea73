/* hub_dataset.c - a Hugging Face dataset's split as local files of the
 * standard cache (datasets--ORG--NAME/, laid out as for models, hub.h).
 *
 * Online, the hub's Parquet listing of CONFIG/SPLIT comes first: its files
 * live on the refs/convert/parquet branch, whose file list (the revision
 * API, as the `datasets` library resolves the .parquet files of
 * "hf://...@refs%2Fconvert%2Fparquet/CONFIG/SPLIT/") gives the commit and the names; the
 * listing's N-th URL is the N-th of them. Without a listing (404, or no
 * access to it), the repository's own files at the asked revision (main)
 * are picked by the datasets library's patterns (hub_split.c). Files are
 * then fetched in order, through the same per-file step as models
 * (tc_hub_repo_fetch: HEAD, blob under its lock, resumed .incomplete,
 * snapshot link), and a file the snapshot holds is not asked for again.
 * With a row budget, fetching stops once the Parquet footers of the files
 * so far count that many rows.
 *
 * Offline (HF_HUB_OFFLINE=1), the snapshot the ref names is read as it is:
 * the convert branch's CONFIG/SPLIT folder, else the files of the main
 * snapshot the patterns pick. The hub is not asked whether more files
 * exist, so a cache that an `infer` filled partly holds only those. */
#include "io/hub.h"
#include "io/hub_http.h"
#include "io/parquet.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define API_MAX (16u << 20)           /* bytes of a listing or file list */
#define DATA_FILE_MAX (64LL << 30)    /* bytes of one data file */
#define CONVERT_REV "refs/convert/parquet"

tc_hub_dataset_params tc_hub_dataset_default_params(void) {
    tc_hub_dataset_params p = {NULL, NULL, 0, NULL, 1, 0};
    return p;
}

typedef struct {
    tc_hub_repo r;
    const char *config, *split, *field;
    size_t rows;
    char what[600];  /* "dataset ORG/NAME (config C, split S)" */
} job;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The convert branch's files of the split, sorted: the .parquet files of
 * CONFIG/SPLIT/, else of CONFIG/partial-SPLIT/ (a conversion cut at 5 GB). */
static int convert_files(const job *j, char *const *files, char ***out) {
    tc_hub_strs l = {0};
    for (int partial = 0; partial < 2 && l.n == 0; partial++) {
        char pre[600];
        snprintf(pre, sizeof pre, "%s/%s%s/", j->config, partial ? "partial-" : "", j->split);
        size_t pl = strlen(pre);
        for (char *const *f = files; *f; f++)
            if (!strncmp(*f, pre, pl) && !strchr(*f + pl, '/') && tc_hub_data_kind(*f) == 1)
                tc_hub_strs_add(&l, *f);
    }
    int rc = tc_hub_strs_take(&l, out);
    if (!rc) qsort(*out, l.n, sizeof **out, cmp_str);
    return rc;
}

/* The split's files among the repository's: Parquet when there is any,
 * else the text formats the readers take; none of either is an error
 * naming what was found. */
static int pattern_files(const job *j, char *const *files, char ***out) {
    char found[1024];
    char **all;
    int rc = tc_hub_split_files(files, j->config, j->split, &all, found, sizeof found);
    if (rc) return rc;
    tc_hub_strs l = {0};
    size_t n_all = 0;
    while (all[n_all]) n_all++;
    for (int kind = 1; kind <= 2 && l.n == 0; kind++)
        for (char **f = all; *f; f++)
            if (tc_hub_data_kind(*f) == kind) tc_hub_strs_add(&l, *f);
    if (l.n == 0 && n_all)
        rc = tc_error(TC_ENOTFOUND, "hub: %s: its %zu data file%s (such as %s) %s of a format not "
                      "read here; only Parquet, JSONL, CSV, TSV and text files are", j->what, n_all,
                      n_all > 1 ? "s" : "", all[0], n_all > 1 ? "are" : "is");
    else if (l.n == 0 && !found[0] && strcmp(j->config, "default"))
        rc = tc_error(TC_ENOTFOUND, "hub: %s: no files for the split: the repository has no data "
                      "files in a folder %s/ (a config named in a README's YAML is not read)",
                      j->what, j->config);
    else if (l.n == 0)
        rc = tc_error(TC_ENOTFOUND, "hub: %s: no files for the split; the repository's files give "
                      "the splits: %s", j->what, found[0] ? found : "(none: it holds no data files)");
    tc_hub_list_free(all);
    if (rc) {
        tc_hub_strs_free(&l);
        return rc;
    }
    return tc_hub_strs_take(&l, out);
}

/* snap/file's rows by its footer; 0 for another format or a bad file
 * (the reader reports that one, with its reason) */
static size_t rows_of(const job *j, const char *path) {
    if (tc_hub_data_kind(path) != 1) return 0;
    tc_parquet *p;
    if (tc_parquet_open(path, NULL, 0, j->field, NULL, &p)) return 0;
    size_t n = tc_parquet_rows(p);
    tc_parquet_close(p);
    return n;
}

/* names (in order) as paths in the snapshot, fetched where missing (c
 * NULL: none may be fetched), until the row budget is met. */
static int collect(job *j, char **names, char ***paths, size_t *n_paths) {
    tc_hub_strs l = {0};
    size_t rows = 0;
    int rc = 0;
    for (char **f = names; *f && !rc; f++) {
        if (j->rows && rows >= j->rows) break;
        if (!tc_file_in(j->r.snap, *f)) {
            if (!j->r.c) {
                rc = tc_error(TC_ENOTFOUND, "hub: %s: %s is not in the cache (%s) and HF_HUB_OFFLINE "
                              "is set", j->what, *f, j->r.snap);
                break;
            }
            if ((rc = tc_hub_repo_fetch(&j->r, *f, DATA_FILE_MAX))) break;
        }
        char p[8192];
        snprintf(p, sizeof p, "%s/%s", j->r.snap, *f);
        tc_hub_strs_add(&l, p);
        if (j->rows) rows += rows_of(j, p);
    }
    if (rc) {
        tc_hub_strs_free(&l);
        return rc;
    }
    *n_paths = l.n;
    return tc_hub_strs_take(&l, paths);
}

/* ---------------------------------------------------------------- online */

/* GET url as JSON; *status its HTTP status (0 none). */
static int get(job *j, const char *url, char **body, size_t *len, long *status) {
    return tc_hub_get_json(j->r.c, url, API_MAX, j->what, body, len, status);
}

/* The conversion's config/split pairs, for a message ("" when unknown). */
static void conversion_splits(job *j, char *out, size_t cap) {
    char url[4096], *body = NULL, **pairs = NULL;
    size_t len;
    long st;
    out[0] = 0;
    snprintf(url, sizeof url, "%s/api/datasets/%s/parquet", tc_hub_client_endpoint(j->r.c), j->r.id);
    if (get(j, url, &body, &len, &st) == 0 && tc_hub_parse_parquet_index(body, len, &pairs) == 0) {
        tc_sb b = {0};
        for (char **p = pairs; *p; p++) tc_sb_printf(&b, "%s%s", b.len ? ", " : "", *p);
        snprintf(out, cap, "%s", b.s ? b.s : "");
        tc_sb_free(&b);
    }
    free(body);
    tc_hub_list_free(pairs);
}

/* The listing's URLs mapped onto the convert branch's files. */
static int from_listing(job *j, char **urls, size_t n_urls, char ***names) {
    char **files = NULL, **conv = NULL;
    size_t n_files, n_conv = 0;
    int rc = tc_hub_repo_set_rev(&j->r, CONVERT_REV);
    if (!rc) rc = tc_hub_repo_info(&j->r, &files, &n_files);
    if (!rc) rc = convert_files(j, files, &conv);
    tc_hub_strs l = {0};
    for (size_t i = 0; !rc && conv[i]; i++) n_conv++;
    for (size_t i = 0; !rc && i < n_urls; i++) {
        long idx;
        char path[1024];
        int kind = tc_hub_listing_url(urls[i], j->r.id, &idx, path, sizeof path);
        if (kind == 1 && idx >= 0 && (size_t)idx < n_conv) tc_hub_strs_add(&l, conv[idx]);
        else if (kind == 2) tc_hub_strs_add(&l, path);
        else
            rc = tc_error(TC_EFORMAT, "hub: %s: the Parquet listing's URL %zu names no file of the "
                          "%s branch (%zu files for the split there)", j->what, i + 1, CONVERT_REV, n_conv);
    }
    tc_hub_list_free(files);
    tc_hub_list_free(conv);
    if (rc) {
        tc_hub_strs_free(&l);
        return rc;
    }
    return tc_hub_strs_take(&l, names);
}

static int online(job *j, const char *rev, char ***names) {
    char url[4096], qc[800], qs[800], *body = NULL, **urls = NULL;
    size_t len, n_urls = 0;
    long st = 0;
    tc_hub_repo_quote(j->config, qc, sizeof qc);
    tc_hub_repo_quote(j->split, qs, sizeof qs);
    snprintf(url, sizeof url, "%s/api/datasets/%s/parquet/%s/%s", tc_hub_client_endpoint(j->r.c),
             j->r.id, qc, qs);
    int rc = get(j, url, &body, &len, &st);
    if (!rc) rc = tc_hub_parse_parquet_list(body, len, &urls, &n_urls);
    free(body);
    if (!rc && n_urls) {
        rc = from_listing(j, urls, n_urls, names);
        tc_hub_list_free(urls);
        return rc;
    }
    tc_hub_list_free(urls);
    /* no answer at all is the network's failure; any answer without a
     * listing (404, no access, a server error) leaves the repository's files */
    if (rc && st == 0 && rc != TC_EFORMAT) return rc;
    /* no conversion to read: the repository's own files */
    char **files = NULL;
    size_t n_files;
    if ((rc = tc_hub_repo_set_rev(&j->r, rev)) || (rc = tc_hub_repo_info(&j->r, &files, &n_files)))
        return tc_error_prefix(rc, "%s", j->what);
    rc = pattern_files(j, files, names);
    tc_hub_list_free(files);
    if (rc == TC_ENOTFOUND) {
        char why[1536], conv[1024];
        snprintf(why, sizeof why, "%s", tc_last_error());
        conversion_splits(j, conv, sizeof conv);
        if (conv[0])
            return tc_error(rc, "%s; the hub's Parquet conversion has (config/split): %s", why, conv);
        return tc_error(rc, "%s; the hub has no Parquet conversion of it", why);
    }
    return rc;
}

/* ---------------------------------------------------------------- offline */

/* dir's files under rel, recursively, as paths relative to the snapshot
 * (bounded: a snapshot folder is ours, but a huge one is not read whole) */
static void walk(const char *snap, const char *rel, tc_hub_strs *l, int depth) {
    char p[8192];
    snprintf(p, sizeof p, "%s%s%s", snap, rel[0] ? "/" : "", rel);
    DIR *d = depth < 16 ? opendir(p) : NULL;
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) && l->n < 1000000) {
        if (e->d_name[0] == '.') continue;
        char r[4096];
        if (snprintf(r, sizeof r, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name) >= (int)sizeof r) continue;
        struct stat st;
        char full[8192];
        snprintf(full, sizeof full, "%s/%s", snap, r);
        if (stat(full, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) walk(snap, r, l, depth + 1);
        else if (S_ISREG(st.st_mode) && tc_hub_safe_path(r)) tc_hub_strs_add(l, r);
    }
    closedir(d);
}

static int snapshot_files(const tc_hub_repo *r, char ***files) {
    tc_hub_strs l = {0};
    walk(r->snap, "", &l, 0);
    int rc = tc_hub_strs_take(&l, files);
    if (!rc) qsort(*files, l.n, sizeof **files, cmp_str);
    return rc;
}

static int offline(job *j, const char *rev, char ***names) {
    char **files = NULL;
    int rc = tc_hub_repo_set_rev(&j->r, CONVERT_REV);
    if (!rc && j->r.sha[0]) {
        if ((rc = snapshot_files(&j->r, &files))) return rc;
        rc = convert_files(j, files, names);
        tc_hub_list_free(files);
        if (rc || (*names)[0]) return rc;
        tc_hub_list_free(*names);
        *names = NULL;
    }
    if (rc || (rc = tc_hub_repo_set_rev(&j->r, rev))) return rc;
    if (j->r.sha[0]) {
        if ((rc = snapshot_files(&j->r, &files))) return rc;
        rc = pattern_files(j, files, names);
        tc_hub_list_free(files);
        if (rc != TC_ENOTFOUND) return rc;
    }
    return tc_error(TC_ENOTFOUND, "hub: %s is not in the Hugging Face cache (looked for %s/refs/%s "
                    "with %s/%s/ in its snapshot, and for the split's files in the snapshot of "
                    "%s/refs/%s) and HF_HUB_OFFLINE is set; fetch it once where the network is "
                    "allowed", j->what, j->r.dir, CONVERT_REV, j->config, j->split, j->r.dir, rev);
}

/* ---------------------------------------------------------------- the entry */

int tc_hub_dataset_files(const char *id, const tc_hub_dataset_params *p, char ***paths,
                         size_t *n_paths, char *snap, size_t cap) {
    *paths = NULL, *n_paths = 0;
    tc_hub_dataset_params d = tc_hub_dataset_default_params();
    if (!p) p = &d;
    job j = {.config = p->config && p->config[0] ? p->config : "default",
             .split = p->split && p->split[0] ? p->split : "train",
             .field = p->field && p->field[0] ? p->field : "text", .rows = p->rows};
    int rc = tc_hub_repo_init(&j.r, TC_HUB_DATASET, id);
    if (rc) return rc;
    char rev[256];
    snprintf(rev, sizeof rev, "%s", j.r.rev);
    snprintf(j.what, sizeof j.what, "dataset %s (config %s, split %s)", j.r.id, j.config, j.split);
    char **names = NULL;
    if (tc_hub_offline() || !p->allow_download) {
        rc = offline(&j, rev, &names);
    } else {
        if ((rc = tc_hub_client_open(p->progress, &j.r.c))) return rc;
        rc = online(&j, rev, &names);
    }
    if (!rc) {
        if (!j.r.c && !j.rows)
            tc_info("hub: %s: offline, reading the files the cache holds; the hub was not asked "
                    "whether the split has more", j.what);
        rc = collect(&j, names, paths, n_paths);
    }
    tc_hub_list_free(names);
    tc_hub_client_free(j.r.c);
    if (!rc && snap && snprintf(snap, cap, "%s", j.r.snap) >= (int)cap)
        rc = tc_error(TC_EINVAL, "hub: the snapshot path is too long: %s", j.r.snap);
    if (rc) {
        tc_hub_list_free(*paths);
        *paths = NULL, *n_paths = 0;
    }
    return rc;
}
