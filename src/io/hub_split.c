/* hub_split.c - which files of a dataset repository hold a split: the
 * pure parsers behind tc_hub_dataset_files (hub_dataset.c), kept apart so
 * that the unit tests and the fuzzer reach them without a network.
 *
 * The hub's Parquet listing (GET /api/datasets/ID/parquet/CONFIG/SPLIT) is
 * a JSON list of URLs, one per shard of the refs/convert/parquet branch:
 * ".../api/datasets/ID/parquet/CONFIG/SPLIT/N.parquet", which the hub
 * redirects to ".../datasets/ID/resolve/refs%2Fconvert%2Fparquet/CONFIG/
 * SPLIT/NNNN.parquet" (the dataset viewer's docs, "Using the Hugging Face
 * Hub API"). GET /api/datasets/ID/parquet is the same per config and split.
 *
 * Without a conversion, the split's files are picked from the repository's
 * own files by the default data-files patterns of the `datasets` library
 * (data_files.py, fsspec >= 2023.12 globbing), in its order of precedence:
 *   1. data/{split}-NNNNN-of-NNNNN*.*          (any split name)
 *   2. a folder named after the split, at any depth: {kw}, {kw}[sep]...,
 *      ...[sep]{kw} or ...[sep]{kw}[sep]...
 *   3. a file named after it, at any depth: {kw}[sep]... or ...[sep]{kw}[sep]...
 *   4. everything is "train"
 * with sep one of "-._ " or a digit and the keywords train|training,
 * validation|valid|dev|val, test|testing|eval|evaluation. The first rule
 * that matches any file decides the splits. README.md, config.json and
 * the other metadata files the library skips are skipped, as are hidden
 * files and "__" folders. A README's YAML `configs:` section is not read:
 * a config other than "default" is taken to be a folder of that name. */
#include "io/hub.h"
#include "io/hub_http.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LIST_MAX 100000  /* URLs in one listing */
#define URL_MAX 4096

/* ---------------------------------------------------------------- the listing */

int tc_hub_parse_parquet_list(const char *body, size_t len, char ***urls, size_t *n) {
    *urls = NULL, *n = 0;
    cJSON *j = body && len ? cJSON_ParseWithLength(body, len) : NULL;
    if (!cJSON_IsArray(j)) {
        cJSON_Delete(j);
        return tc_error(TC_EFORMAT, "the Parquet listing is not a JSON list of URLs");
    }
    tc_hub_strs l = {0};
    cJSON *it;
    int rc = 0;
    cJSON_ArrayForEach(it, j) {
        const char *u = cJSON_GetStringValue(it);
        if (!u || !u[0] || strlen(u) > URL_MAX || strpbrk(u, "\r\n\t ") || l.n >= LIST_MAX) {
            rc = tc_error(TC_EFORMAT, "the Parquet listing: item %zu is not a URL%s", l.n + 1,
                          l.n >= LIST_MAX ? " (too many items)" : "");
            break;
        }
        tc_hub_strs_add(&l, u);
    }
    cJSON_Delete(j);
    if (rc) {
        tc_hub_strs_free(&l);
        return rc;
    }
    *n = l.n;
    return tc_hub_strs_take(&l, urls);
}

int tc_hub_parse_parquet_index(const char *body, size_t len, char ***pairs) {
    *pairs = NULL;
    cJSON *j = body && len ? cJSON_ParseWithLength(body, len) : NULL;
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return tc_error(TC_EFORMAT, "the Parquet index is not a JSON object of configs");
    }
    tc_hub_strs l = {0};
    cJSON *cfg, *sp;
    cJSON_ArrayForEach(cfg, j) {
        if (!cJSON_IsObject(cfg) || !cfg->string) continue;
        cJSON_ArrayForEach(sp, cfg) {
            char pair[512];
            if (!sp->string || !cJSON_IsArray(sp) || l.n >= 1000) continue;
            if (snprintf(pair, sizeof pair, "%s/%s", cfg->string, sp->string) < (int)sizeof pair)
                tc_hub_strs_add(&l, pair);
        }
    }
    cJSON_Delete(j);
    return tc_hub_strs_take(&l, pairs);
}

/* s[0..n) percent-decoded into out (cap bytes); 0 on a bad escape, a NUL,
 * or when it does not fit. */
static int pct_decode(const char *s, size_t n, char *out, size_t cap) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) || !isxdigit((unsigned char)s[i + 2]))
                return 0;
            char hex[3] = {s[i + 1], s[i + 2], 0};
            c = (int)strtol(hex, NULL, 16);
            i += 2;
        }
        if (c == 0 || k + 1 >= cap) return 0;
        out[k++] = (char)c;
    }
    out[k] = 0;
    return 1;
}

int tc_hub_listing_url(const char *url, const char *id, long *index, char *path, size_t cap) {
    *index = -1;
    if (cap) path[0] = 0;
    size_t ul = strcspn(url, "?#");
    char pre[300];
    /* ".../api/datasets/ID/parquet/CONFIG/SPLIT/N.parquet" */
    snprintf(pre, sizeof pre, "/api/datasets/%s/parquet/", id);
    const char *p = strstr(url, pre);
    if (p && (size_t)(p - url) < ul) {
        const char *end = url + ul, *last = end;
        while (last > p && last[-1] != '/') last--;
        const char *d = last;
        long v = 0;
        while (d < end && isdigit((unsigned char)*d) && v < 100000000) v = v * 10 + (*d++ - '0');
        if (d == last || (size_t)(end - d) != 8 || strncmp(d, ".parquet", 8)) return 0;
        *index = v;
        return 1;
    }
    /* ".../datasets/ID/resolve/REV/PATH" */
    snprintf(pre, sizeof pre, "/datasets/%s/resolve/", id);
    if ((p = strstr(url, pre)) && (size_t)(p - url) < ul) {
        const char *rev = p + strlen(pre), *slash = memchr(rev, '/', (size_t)(url + ul - rev));
        if (!slash || slash == rev) return 0;
        if (!pct_decode(slash + 1, (size_t)(url + ul - slash - 1), path, cap) || !tc_hub_safe_path(path)) {
            if (cap) path[0] = 0;
            return 0;
        }
        return 2;
    }
    return 0;
}

/* ---------------------------------------------------------------- data-files patterns */

static const char *const TRAIN[] = {"train", "training", NULL};
static const char *const VALID[] = {"validation", "valid", "dev", "val", NULL};
static const char *const TEST[] = {"test", "testing", "eval", "evaluation", NULL};
static const struct { const char *name; const char *const *kw; } SPLITS[] = {
    {"train", TRAIN}, {"validation", VALID}, {"test", TEST},
};

static int is_sep(char c) { return c == '-' || c == '.' || c == '_' || c == ' ' || isdigit((unsigned char)c); }

/* the folder component c[0..n) names kw: kw, kw[sep]*, *[sep]kw, *[sep]kw[sep]* */
static int dir_names(const char *c, size_t n, const char *kw) {
    size_t k = strlen(kw);
    if (n < k) return 0;
    if (!memcmp(c, kw, k) && (n == k || is_sep(c[k]))) return 1;
    for (size_t i = 1; i + k <= n; i++)
        if (is_sep(c[i - 1]) && !memcmp(c + i, kw, k) && (i + k == n || is_sep(c[i + k]))) return 1;
    return 0;
}

/* the file name f names kw: kw[sep]*, *[sep]kw[sep]* */
static int file_names(const char *f, const char *kw) {
    size_t k = strlen(kw), n = strlen(f);
    if (n > k && !memcmp(f, kw, k) && is_sep(f[k])) return 1;
    for (size_t i = 1; i + k < n; i++)
        if (is_sep(f[i - 1]) && !memcmp(f + i, kw, k) && is_sep(f[i + k])) return 1;
    return 0;
}

static int any_dir_names(const char *rel, const char *const *kws) {
    for (const char *c = rel;;) {
        const char *slash = strchr(c, '/');
        if (!slash) return 0;  /* the last component is the file */
        for (const char *const *k = kws; *k; k++)
            if (dir_names(c, (size_t)(slash - c), *k)) return 1;
        c = slash + 1;
    }
}

static int any_file_names(const char *rel, const char *const *kws) {
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    for (const char *const *k = kws; *k; k++)
        if (file_names(base, *k)) return 1;
    return 0;
}

/* rel is data/{split}-NNNNN-of-NNNNN*.*: the split's length, else 0 */
static size_t sharded(const char *rel) {
    if (strncmp(rel, "data/", 5) || strchr(rel + 5, '/')) return 0;
    const char *b = rel + 5;
    for (size_t i = 1; b[0] && b[i]; i++) {
        const char *q = b + i;
        if (strlen(q) < 15 || q[0] != '-' || strncmp(q + 6, "-of-", 4)) continue;
        if (strspn(q + 1, "0123456789") < 5 || strspn(q + 10, "0123456789") < 5) continue;
        if (!strchr(q + 15, '.')) continue;
        return i;
    }
    return 0;
}

/* files the datasets library skips whatever the pattern */
static int skipped(const char *path) {
    static const char *const meta[] = {"README.md", "config.json", "dataset_info.json",
                                       "dataset_infos.json", "dummy_data.zip", "dataset_dict.json"};
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < sizeof meta / sizeof *meta; i++)
        if (!strcmp(base, meta[i])) return 1;
    for (const char *c = path; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL)
        if (c[0] == '_' && c[1] == '_' && strchr(c, '/')) return 1;  /* a "__" folder */
    return 0;
}

/* name[0..n) onto the list of splits seen, once */
static void add_split(tc_hub_strs *seen, const char *name, size_t n) {
    char s[256];
    snprintf(s, sizeof s, "%.*s", (int)(n < 255 ? n : 255), name);
    for (size_t i = 0; i < seen->n; i++)
        if (!strcmp(seen->v[i], s)) return;
    tc_hub_strs_add(seen, s);
}

int tc_hub_split_files(char *const *files, const char *config, const char *split, char ***out,
                       char *found, size_t cap) {
    *out = NULL;
    if (cap) found[0] = 0;
    size_t cl = config && strcmp(config, "default") ? strlen(config) : 0;
    tc_hub_strs rel = {0}, full = {0}, pick = {0};
    for (char *const *f = files; *f; f++) {
        if (cl && (strncmp(*f, config, cl) || (*f)[cl] != '/')) continue;
        if (skipped(*f + (cl ? cl + 1 : 0))) continue;
        tc_hub_strs_add(&rel, *f + (cl ? cl + 1 : 0));
        tc_hub_strs_add(&full, *f);
    }
    tc_hub_strs seen = {0};
    int rule = 0;
    size_t sl = strlen(split);
    for (size_t i = 0; i < rel.n; i++) {  /* 1. sharded names */
        size_t n = sharded(rel.v[i]);
        if (!n) continue;
        rule = 1;
        add_split(&seen, rel.v[i] + 5, n);
        if (n == sl && !strncmp(rel.v[i] + 5, split, sl)) tc_hub_strs_add(&pick, full.v[i]);
    }
    for (int r = 2; r <= 3 && !rule; r++) {  /* 2. folders, 3. file names */
        for (size_t s = 0; s < sizeof SPLITS / sizeof *SPLITS; s++)
            for (size_t i = 0; i < rel.n; i++) {
                if (!(r == 2 ? any_dir_names(rel.v[i], SPLITS[s].kw) : any_file_names(rel.v[i], SPLITS[s].kw)))
                    continue;
                add_split(&seen, SPLITS[s].name, strlen(SPLITS[s].name));
                rule = r;
                if (!strcmp(split, SPLITS[s].name)) tc_hub_strs_add(&pick, full.v[i]);
            }
    }
    if (!rule && rel.n) {  /* 4. all of it is train */
        add_split(&seen, "train", 5);
        if (!strcmp(split, "train"))
            for (size_t i = 0; i < rel.n; i++) tc_hub_strs_add(&pick, full.v[i]);
    }
    tc_sb list = {0};
    for (size_t i = 0; i < seen.n; i++) tc_sb_printf(&list, "%s%s", i ? ", " : "", seen.v[i]);
    if (cap) snprintf(found, cap, "%s", list.s ? list.s : "");
    int rc = list.oom || seen.oom || rel.oom || full.oom ? TC_ENOMEM : 0;
    tc_sb_free(&list);
    tc_hub_strs_free(&seen);
    tc_hub_strs_free(&rel);
    tc_hub_strs_free(&full);
    if (tc_hub_strs_take(&pick, out)) rc = TC_ENOMEM;
    if (rc) {
        tc_hub_list_free(*out);
        *out = NULL;
        return tc_error(TC_ENOMEM, "hub: out of memory");
    }
    return 0;
}

/* ---------------------------------------------------------------- formats */

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcasecmp(s + n - m, suffix);
}

int tc_hub_data_kind(const char *name) {
    if (ends_with(name, ".parquet")) return 1;
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s", name);
    if (ends_with(tmp, ".gz")) tmp[strlen(tmp) - 3] = 0;
    static const char *const text[] = {".jsonl", ".json", ".ndjson", ".csv", ".tsv", ".txt"};
    for (size_t i = 0; i < sizeof text / sizeof *text; i++)
        if (ends_with(tmp, text[i])) return 2;
    return 0;
}
