/* hub.c - a Hugging Face model id resolved to a snapshot folder of the
 * standard cache (the layout is in hub.h), downloading what the BERT
 * encoder needs when it is missing.
 *
 * The cache is shared with huggingface_hub, so everything here is written
 * as it writes it (file_download.py, _snapshot_download.py): refs/<rev>
 * holds the bare commit sha, blobs are named by the normalised ETag,
 * snapshot entries are relative symlinks, partial blobs are
 * "<etag>.incomplete", and a download holds .locks/<repo>/<etag>.lock
 * (flock, as Python's filelock takes it). A blob appears under its name
 * only after its size and, for an LFS file (its ETag is a sha256), its
 * sha256 were checked, by one rename; a snapshot link only after its blob.
 * model.safetensors is fetched last, so a snapshot that has it (and the
 * other files the encoder needs) is complete and is used with no request. */
#include "io/hub.h"
#include "io/hub_http.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define API_MAX (16u << 20)                    /* bytes of a model info answer */
#define WEIGHTS_MAX (16LL << 30)               /* bytes of model.safetensors */
#define FILE_MAX (512LL << 20)                 /* bytes of any other file */
#define PATH_CAP 4096

/* What the encoder reads, in download order: model.safetensors last (see
 * the top); the module configs of modules.json go after modules.json. */
static const char *const FILES[] = {
    "modules.json", "sentence_bert_config.json", "tokenizer.json", "tokenizer_config.json",
    "special_tokens_map.json", "vocab.txt", "config.json", "model.safetensors",
};

/* ---------------------------------------------------------------- ids */

static int word_char(int c) { return isalnum(c) || c == '_'; }

/* one part of a repo id: huggingface_hub's REPO_ID_REGEX on ASCII */
static int valid_name(const char *s, size_t n) {
    if (n == 0 || n > 96 || !word_char((unsigned char)s[0]) || !word_char((unsigned char)s[n - 1]))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!word_char(c) && c != '-' && c != '.') return 0;
        if (i && (c == '-' || c == '.') && s[i - 1] == c) return 0;  /* "--", ".." */
    }
    return 1;
}

static int valid_revision(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 255 || s[0] == '/' || s[n - 1] == '/' || strstr(s, "..") || strstr(s, "//"))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '-' && c != '_' && c != '.' && c != '/') return 0;
        if (c == '.' && (i == 0 || s[i - 1] == '/')) return 0;  /* no hidden files under refs/ */
    }
    return 1;
}

/* s as id[@rev] of a repository of type into id's names (the rest of id
 * untouched); 0 when it is not one. */
static int parse_id(const char *s, int type, tc_hub_repo *id) {
    if (!s) return 0;
    const char *at = strchr(s, '@');
    size_t rl = at ? (size_t)(at - s) : strlen(s);
    if (rl >= sizeof id->id) return 0;
    const char *slash = memchr(s, '/', rl);
    if (slash) {
        size_t ol = (size_t)(slash - s);
        if (!valid_name(s, ol) || !valid_name(slash + 1, rl - ol - 1)) return 0;
    } else if (!valid_name(s, rl)) {
        return 0;
    }
    if (rl >= 4 && !strncmp(s + rl - 4, ".git", 4)) return 0;
    memcpy(id->id, s, rl);
    id->id[rl] = 0;
    id->type = type;
    const char *kind = type == TC_HUB_DATASET ? "datasets--" : "models--";
    snprintf(id->folder, sizeof id->folder, "%s%s", kind, id->id);
    char *p = strchr(id->folder + strlen(kind), '/');
    if (p) {  /* "--" for the '/' */
        memmove(p + 2, p + 1, strlen(p + 1) + 1);
        p[0] = p[1] = '-';
    }
    const char *rev = at ? at + 1 : "main";
    if (!valid_revision(rev) || strlen(rev) >= sizeof id->rev) return 0;
    snprintf(id->rev, sizeof id->rev, "%s", rev);
    return 1;
}

int tc_hub_is_id(const char *s) {
    tc_hub_repo id;
    return parse_id(s, TC_HUB_MODEL, &id);
}

static int is_commit(const char *s) {
    size_t n = 0;
    for (; s[n]; n++)
        if (!isdigit((unsigned char)s[n]) && !(s[n] >= 'a' && s[n] <= 'f')) return 0;
    return n == 40;
}

/* ---------------------------------------------------------------- environment */

int tc_hub_offline(void) {
    return tc_hub_env_true(getenv("HF_HUB_OFFLINE")) || tc_hub_env_true(getenv("TRANSFORMERS_OFFLINE"));
}

int tc_hub_env_true(const char *v) {
    return v && (!strcasecmp(v, "1") || !strcasecmp(v, "on") || !strcasecmp(v, "yes") ||
                 !strcasecmp(v, "true"));
}

int tc_hub_expand(const char *s, const char *suffix, char *out, size_t cap) {
    const char *home = "";
    if (s[0] == '~' && (s[1] == '/' || s[1] == 0)) {
        home = getenv("HOME");
        if (!home || !home[0]) return TC_EINVAL;
        s++;
    }
    int n = snprintf(out, cap, "%s%s%s", home, s, suffix);
    return n < 0 || (size_t)n >= cap ? TC_EINVAL : 0;
}

int tc_hub_home(char *out, size_t cap) {
    const char *e;
    if ((e = getenv("HF_HOME")) && e[0]) return tc_hub_expand(e, "", out, cap);
    if ((e = getenv("XDG_CACHE_HOME")) && e[0]) return tc_hub_expand(e, "/huggingface", out, cap);
    return tc_hub_expand("~", "/.cache/huggingface", out, cap);
}

static int cache_root(char *out, size_t cap) {
    const char *e;
    int rc;
    if ((e = getenv("HF_HUB_CACHE")) && e[0]) rc = tc_hub_expand(e, "", out, cap);
    else if ((e = getenv("HUGGINGFACE_HUB_CACHE")) && e[0]) rc = tc_hub_expand(e, "", out, cap);
    else if (!(rc = tc_hub_home(out, cap)) && strlen(out) + 4 < cap) strcat(out, "/hub");
    else rc = TC_EINVAL;
    if (rc) return tc_error(TC_EINVAL, "hub: no cache folder: set HF_HUB_CACHE or HF_HOME (HOME is not set)");
    return 0;
}

/* ---------------------------------------------------------------- parsers */

int tc_hub_safe_path(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 255) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int start = i == 0 || s[i - 1] == '/';
        if (c == '/' ? start || i == n - 1 : c == '.' ? start : !(isalnum(c) || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

void tc_hub_list_free(char **list) {
    if (!list) return;
    for (char **p = list; *p; p++) free(*p);
    free(list);
}

typedef tc_hub_strs list;

void tc_hub_strs_add(tc_hub_strs *l, const char *s) {
    if (l->oom) return;
    if (l->n + 2 > l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 16;
        char **v = realloc(l->v, nc * sizeof *v);
        if (!v) { l->oom = 1; return; }
        l->v = v, l->cap = nc;
    }
    if (!(l->v[l->n] = strdup(s))) { l->oom = 1; return; }
    l->v[++l->n] = NULL;
}

void tc_hub_strs_free(tc_hub_strs *l) {
    if (l->v) l->v[l->n] = NULL;
    tc_hub_list_free(l->v);
    memset(l, 0, sizeof *l);
}

int tc_hub_strs_take(tc_hub_strs *l, char ***out) {
    if (l->oom || (!l->v && !(l->v = calloc(1, sizeof *l->v)))) {
        tc_hub_strs_free(l);
        *out = NULL;
        return tc_error(TC_ENOMEM, "hub: out of memory");
    }
    *out = l->v;
    return 0;
}

int tc_hub_parse_api(const char *body, size_t len, char sha[41], char ***files, size_t *n_files) {
    *files = NULL, *n_files = 0, sha[0] = 0;
    cJSON *j = body && len ? cJSON_ParseWithLength(body, len) : NULL;
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return tc_error(TC_EFORMAT, "the model info is not a JSON object");
    }
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "sha"));
    cJSON *sib = cJSON_GetObjectItemCaseSensitive(j, "siblings");
    int rc = 0;
    if (!s || strlen(s) != 40 || strspn(s, "0123456789abcdefABCDEF") != 40)
        rc = tc_error(TC_EFORMAT, "the model info: sha: not a 40-digit commit id");
    else if (!cJSON_IsArray(sib))
        rc = tc_error(TC_EFORMAT, "the model info: siblings: not a list of files");
    if (rc) { cJSON_Delete(j); return rc; }
    for (int i = 0; i < 40; i++) sha[i] = (char)tolower((unsigned char)s[i]);
    sha[40] = 0;
    list l = {0};
    cJSON *it;
    cJSON_ArrayForEach(it, sib) {
        const char *f = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "rfilename"));
        if (f && tc_hub_safe_path(f)) tc_hub_strs_add(&l, f);
    }
    cJSON_Delete(j);
    *n_files = l.n;
    return tc_hub_strs_take(&l, files);
}

int tc_hub_parse_modules(const char *body, size_t len, char ***paths, char ***need) {
    *paths = NULL;
    if (need) *need = NULL;
    cJSON *j = body && len ? cJSON_ParseWithLength(body, len) : NULL;
    if (!cJSON_IsArray(j)) {
        cJSON_Delete(j);
        return tc_error(TC_EFORMAT, "modules.json: not a JSON list of modules");
    }
    list all = {0}, req = {0};
    cJSON *it;
    cJSON_ArrayForEach(it, j) {
        const char *p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "path"));
        const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "type"));
        char f[300];
        if (!p || !p[0] || strlen(p) > 200 || !tc_hub_safe_path(p)) continue;
        snprintf(f, sizeof f, "%s/config.json", p);
        tc_hub_strs_add(&all, f);
        size_t tl = t ? strlen(t) : 0;
        if (tl >= 7 && !strcmp(t + tl - 7, "Pooling")) tc_hub_strs_add(&req, f);
    }
    cJSON_Delete(j);
    int rc = tc_hub_strs_take(&all, paths);
    if (!rc && need) rc = tc_hub_strs_take(&req, need);
    else tc_hub_strs_free(&req);
    if (rc) { tc_hub_list_free(*paths); *paths = NULL; }
    return rc;
}

/* ---------------------------------------------------------------- the cache */

/* out = a/b; a may be out itself */
static int join(char *out, size_t cap, const char *a, const char *b) {
    size_t al = strlen(a), bl = strlen(b);
    if (al + 1 + bl >= cap) return tc_error(TC_EINVAL, "hub: path too long: %.200s/%.200s", a, b);
    memmove(out, a, al);
    out[al] = '/';
    memcpy(out + al + 1, b, bl + 1);
    return 0;
}

/* Reads a small file whole (at most cap bytes); malloc'd, NUL-terminated. */
static char *slurp(const char *path, size_t cap, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *b = malloc(cap + 1);
    size_t n = b ? fread(b, 1, cap + 1, f) : 0;
    fclose(f);
    if (!b || n > cap) { free(b); return NULL; }
    b[n] = 0;
    *len = n;
    return b;
}

/* The files of snap the encoder cannot do without that are missing, as a
 * ", "-separated list in miss ("" when none: the snapshot is complete). */
static void missing_files(const char *snap, char *miss, size_t cap) {
    tc_sb b = {0};
    tc_sb_puts(&b, "");
    if (!tc_file_in(snap, "config.json")) tc_sb_puts(&b, ", config.json");
    if (!tc_file_in(snap, "model.safetensors")) tc_sb_puts(&b, ", model.safetensors");
    if (!tc_file_in(snap, "tokenizer.json") && !tc_file_in(snap, "vocab.txt"))
        tc_sb_puts(&b, ", tokenizer.json or vocab.txt");
    char p[PATH_CAP];
    size_t len;
    char *m = snprintf(p, sizeof p, "%s/modules.json", snap) < (int)sizeof p ? slurp(p, FILE_MAX, &len) : NULL;
    char **all = NULL, **need = NULL;
    if (m && tc_hub_parse_modules(m, len, &all, &need) == 0)
        for (char **q = need; *q; q++)
            if (!tc_file_in(snap, *q)) tc_sb_printf(&b, ", %s", *q);
    tc_hub_list_free(all);
    tc_hub_list_free(need);
    free(m);
    snprintf(miss, cap, "%s", b.s && b.len > 2 ? b.s + 2 : b.oom ? "(out of memory)" : "");
    tc_sb_free(&b);
}

/* mkdir -p of path's folders (and of path itself when last) */
int tc_hub_make_dirs(const char *path, int last) {
    char p[PATH_CAP];
    if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p) return tc_error(TC_EINVAL, "hub: path too long: %s", path);
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s) continue;
        char keep = *s;
        if (!keep && !last) break;
        *s = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            return tc_error(TC_EIO, "hub: cannot create %s: %s", p, strerror(errno));
        if (!keep) break;
        *s = keep;
    }
    return 0;
}

/* The commit refs/<rev> holds ("" when none or not a commit id). */
static void read_ref(const char *repo, const char *rev, char sha[41]) {
    char p[PATH_CAP];
    size_t len;
    sha[0] = 0;
    char *b = snprintf(p, sizeof p, "%s/refs/%s", repo, rev) < (int)sizeof p ? slurp(p, 256, &len) : NULL;
    if (!b) return;
    size_t n = strlen(b);
    while (n && isspace((unsigned char)b[n - 1])) b[--n] = 0;
    if (is_commit(b)) memcpy(sha, b, 41);
    free(b);
}

static int write_ref(const char *repo, const char *rev, const char *sha) {
    char p[PATH_CAP], old[41];
    read_ref(repo, rev, old);
    if (!strcmp(old, sha)) return 0;  /* a read-only cache with a current ref stays usable */
    int rc = join(p, sizeof p, repo, "refs");
    if (!rc) rc = join(p, sizeof p, p, rev);
    if (!rc) rc = tc_hub_make_dirs(p, 0);
    if (!rc && tc_atomic_write(p, sha, 40)) rc = tc_error_prefix(TC_EIO, "hub");
    return rc;
}

/* snap/name -> ../(..)/blobs/etag, replacing what was there, via a
 * temporary link and a rename. */
static int link_blob(const char *snap, const char *name, const char *etag) {
    char path[PATH_CAP], target[PATH_CAP], tmp[PATH_CAP];
    if (join(path, sizeof path, snap, name)) return TC_EINVAL;
    tc_sb t = {0};
    tc_sb_puts(&t, "../../");
    for (const char *s = name; *s; s++)
        if (*s == '/') tc_sb_puts(&t, "../");
    tc_sb_printf(&t, "blobs/%s", etag);
    if (t.oom || t.len >= sizeof target) { tc_sb_free(&t); return tc_error(TC_ENOMEM, "hub: out of memory"); }
    memcpy(target, t.s, t.len + 1);
    tc_sb_free(&t);
    int rc = tc_hub_make_dirs(path, 0);
    if (rc) return rc;
    const char *base = strrchr(path, '/') + 1;
    snprintf(tmp, sizeof tmp, "%.*s.%s.tmp-%ld", (int)(base - path), path, base, (long)getpid());
    unlink(tmp);
    if (symlink(target, tmp) != 0 || rename(tmp, path) != 0) {
        rc = tc_error(TC_EIO, "hub: cannot link %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    return rc;
}

/* 1 when etag is 64 lower-case hex digits: the sha256 of an LFS file */
static int is_sha256(const char *etag) {
    return strlen(etag) == 64 && strspn(etag, "0123456789abcdef") == 64;
}

static int hash_fd(int fd, char hex[65]) {
    enum { CHUNK = 1 << 20 };
    unsigned char *buf = malloc(CHUNK);
    if (!buf) return -1;
    tc_sha256 s;
    tc_sha256_init(&s);
    for (off_t off = 0;;) {
        ssize_t n = pread(fd, buf, CHUNK, off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { free(buf); return -1; }
        if (n == 0) break;
        tc_sha256_update(&s, buf, (size_t)n);
        off += n;
    }
    free(buf);
    tc_sha256_hex(&s, hex);
    return 0;
}

/* ---------------------------------------------------------------- one file */

typedef tc_hub_repo ctx;

/* Takes .locks/<repo>/<etag>.lock; returns its fd, or -1 with the error set. */
static int lock_blob(const ctx *x, const char *etag, const char *file) {
    char p[PATH_CAP];
    if (snprintf(p, sizeof p, "%s/.locks/%s/%s.lock", x->root, x->folder, etag) >= (int)sizeof p) {
        tc_error(TC_EINVAL, "hub: path too long under %s", x->root);
        return -1;
    }
    if (tc_hub_make_dirs(p, 0)) return -1;
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) { tc_error(TC_EIO, "hub: %s: %s", p, strerror(errno)); return -1; }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        tc_info("hub: %s: %s: another process is downloading it; waiting", x->id, file);
        while (flock(fd, LOCK_EX) != 0)
            if (errno != EINTR) {
                tc_error(TC_EIO, "hub: %s: %s", p, strerror(errno));
                close(fd);
                return -1;
            }
    }
    return fd;
}

/* part <- the download of m, its size and sha256 checked; *bad set when
 * the bytes are wrong (then part is removed: a resume could only keep them
 * wrong), *resumed when part held bytes of an earlier attempt. */
static int download_part(const ctx *x, const char *file, const tc_hub_meta *m, const char *part,
                         long long cap, int *bad, int *resumed) {
    *bad = *resumed = 0;
    int fd = open(part, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) return tc_error(TC_EIO, "hub: %s: %s", part, strerror(errno));
    struct stat st;
    *resumed = fstat(fd, &st) == 0 && st.st_size > 0;
    char what[512];
    snprintf(what, sizeof what, "%s: %s", x->id, file);
    int rc = tc_hub_download(x->c, m->url, fd, m->size, cap, what, file);
    if (rc) {
        close(fd);
        return rc;
    }
    char hex[65];
    if (fstat(fd, &st) != 0 || (is_sha256(m->etag) && hash_fd(fd, hex) != 0)) {
        rc = tc_error(TC_EIO, "hub: %s: %s", part, strerror(errno));
    } else if (m->size >= 0 && st.st_size != m->size) {
        rc = tc_error(TC_EFORMAT, "hub: %s: %s: %lld bytes arrived, the hub announced %lld; the "
                      "download was removed, try again", x->id, file, (long long)st.st_size, m->size);
        *bad = 1;
    } else if (is_sha256(m->etag) && strcmp(hex, m->etag)) {
        rc = tc_error(TC_EFORMAT, "hub: %s: %s: the downloaded bytes have sha256 %s, but the hub "
                      "named the file %s; the download was removed (if this repeats, the server at "
                      "HF_ENDPOINT sends corrupt data)", x->id, file, hex, m->etag);
        *bad = 1;
    } else if (fsync(fd) != 0) {
        rc = tc_error(TC_EIO, "hub: %s: %s", part, strerror(errno));
    }
    if (*bad) unlink(part);
    close(fd);
    return rc;
}

/* blob <- the checked download, by one rename. A partial file from an
 * earlier run that turns out wrong costs one fresh download, not a
 * failure. */
static int download_blob(const ctx *x, const char *file, const tc_hub_meta *m, const char *blob,
                         long long cap) {
    char part[PATH_CAP];
    if (snprintf(part, sizeof part, "%s.incomplete", blob) >= (int)sizeof part)
        return tc_error(TC_EINVAL, "hub: path too long: %s", blob);
    if (m->size > cap)
        return tc_error(TC_EFORMAT, "hub: %s: %s: %lld bytes, over the %lld MiB this reader accepts "
                        "for it", x->id, file, m->size, cap >> 20);
    int bad, resumed;
    int rc = download_part(x, file, m, part, cap, &bad, &resumed);
    if (rc && bad && resumed) {
        tc_info("hub: %s: %s: the partial download left by an earlier run was wrong; downloading "
                "it again", x->id, file);
        rc = download_part(x, file, m, part, cap, &bad, &resumed);
    }
    if (rc) return rc;
    if (rename(part, blob) != 0) return tc_error(TC_EIO, "hub: %s: %s", blob, strerror(errno));
    char dir[PATH_CAP];
    snprintf(dir, sizeof dir, "%s", blob);
    *strrchr(dir, '/') = 0;
    tc_fsync_dir(dir);
    return 0;
}

int tc_hub_repo_fetch(tc_hub_repo *x, const char *file, long long cap) {
    const char *ep = tc_hub_client_endpoint(x->c);
    tc_sb u = {0};
    tc_sb_printf(&u, "%s/%s%s/resolve/%s/%s", ep, x->type == TC_HUB_DATASET ? "datasets/" : "", x->id,
                 x->sha, file);
    if (u.oom) { tc_sb_free(&u); return tc_error(TC_ENOMEM, "hub: out of memory"); }
    char what[512];
    snprintf(what, sizeof what, "%s: %s", x->id, file);
    tc_hub_meta m;
    int rc = tc_hub_head(x->c, u.s, what, &m);
    tc_sb_free(&u);
    if (rc) return rc;
    if (m.commit[0] && strcmp(m.commit, x->sha)) {
        free(m.url);
        return tc_error(TC_EFORMAT, "hub: %s: the hub answered commit %.40s, asked for %s", what,
                        m.commit, x->sha);
    }
    char blob[PATH_CAP];
    struct stat st;
    if (snprintf(blob, sizeof blob, "%s/blobs/%s", x->dir, m.etag) >= (int)sizeof blob) {
        free(m.url);
        return tc_error(TC_EINVAL, "hub: path too long under %s", x->dir);
    }
    if (stat(blob, &st) != 0) {
        if ((rc = tc_hub_make_dirs(blob, 0))) { free(m.url); return rc; }
        int lock = lock_blob(x, m.etag, file);
        if (lock < 0) { free(m.url); return TC_EIO; }
        if (stat(blob, &st) != 0) rc = download_blob(x, file, &m, blob, cap);  /* not done meanwhile */
        close(lock);
    }
    free(m.url);
    return rc ? rc : link_blob(x->snap, file, m.etag);
}

/* ---------------------------------------------------------------- resolve */

static int has(char **files, const char *name) {
    for (char **f = files; *f; f++)
        if (!strcmp(*f, name)) return 1;
    return 0;
}

static int unsupported(const tc_hub_repo *id, char **files) {
    const char *why = has(files, "model.safetensors.index.json") ? "its weights are split in shards "
                      "(model.safetensors.index.json)"
                      : has(files, "pytorch_model.bin") ? "it has only pytorch_model.bin"
                      : !has(files, "config.json") ? "it has no config.json"
                                                   : "it has no model.safetensors";
    return tc_error(TC_ENOTFOUND, "hub: %s@%s: %s; only safetensors BERT models are supported "
                    "(config.json and one model.safetensors, as sentence-transformers saves them)",
                    id->id, id->rev, why);
}

/* The Cache Directory Tagging Standard's mark (bford.info/cachedir), which
 * huggingface_hub also leaves, so backup tools skip the cache; best effort. */
static void tag_cache(const char *root) {
    static const char tag[] = "Signature: 8a477f597d28d172789f06886806bc55\n"
                              "# This file is a cache directory tag: the Hugging Face hub cache.\n"
                              "# See https://bford.info/cachedir/\n";
    char p[PATH_CAP];
    struct stat st;
    if (join(p, sizeof p, root, "CACHEDIR.TAG") == 0 && lstat(p, &st) != 0 && errno == ENOENT &&
        tc_hub_make_dirs(root, 1) == 0)
        if (tc_atomic_write(p, tag, sizeof tag - 1)) {}
}

void tc_hub_repo_quote(const char *s, char *out, size_t cap) {
    size_t k = 0;
    for (; *s && k + 4 < cap; s++) {  /* urllib's quote(s, safe="") */
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || strchr("-_.~", ch)) out[k++] = (char)ch;
        else k += (size_t)snprintf(out + k, cap - k, "%%%02X", ch);
    }
    out[k] = 0;
}

/* snap = dir/snapshots/sha */
static int set_snap(tc_hub_repo *x) {
    int rc = join(x->snap, sizeof x->snap, x->dir, "snapshots");
    if (!rc) rc = join(x->snap, sizeof x->snap, x->snap, x->sha);
    if (rc) x->snap[0] = 0;
    return rc;
}

int tc_hub_repo_set_rev(tc_hub_repo *x, const char *rev) {
    if (!valid_revision(rev) || strlen(rev) >= sizeof x->rev)
        return tc_error(TC_EINVAL, "hub: %s: '%s' is not a revision", x->id, rev);
    snprintf(x->rev, sizeof x->rev, "%s", rev);
    x->snap[0] = 0;
    if (is_commit(x->rev)) memcpy(x->sha, x->rev, 41);
    else read_ref(x->dir, x->rev, x->sha);
    return x->sha[0] ? set_snap(x) : 0;
}

int tc_hub_repo_init(tc_hub_repo *x, int type, const char *id) {
    memset(x, 0, sizeof *x);
    if (!parse_id(id, type, x))
        return tc_error(TC_EINVAL, "'%s' is not a Hugging Face %s id (ORG/NAME or NAME, optionally "
                        "@REVISION)", id ? id : "(null)", type == TC_HUB_DATASET ? "dataset" : "model");
    char rev[256];
    memcpy(rev, x->rev, sizeof rev);
    int rc = cache_root(x->root, sizeof x->root);
    if (!rc) rc = join(x->dir, sizeof x->dir, x->root, x->folder);
    return rc ? rc : tc_hub_repo_set_rev(x, rev);
}

int tc_hub_repo_info(tc_hub_repo *x, char ***files, size_t *n_files) {
    char url[PATH_CAP], rev[768];
    *files = NULL, *n_files = 0;
    tc_hub_repo_quote(x->rev, rev, sizeof rev);
    if (snprintf(url, sizeof url, "%s/api/%s/%s/revision/%s", tc_hub_client_endpoint(x->c),
                 x->type == TC_HUB_DATASET ? "datasets" : "models", x->id, rev) >= (int)sizeof url)
        return tc_error(TC_EINVAL, "hub: URL too long");
    char what[512], *body = NULL;
    size_t len;
    snprintf(what, sizeof what, "%s@%s", x->id, x->rev);
    int rc = tc_hub_get_json(x->c, url, API_MAX, what, &body, &len, NULL);
    if (rc) return rc;
    rc = tc_hub_parse_api(body, len, x->sha, files, n_files);
    free(body);
    if (rc) return tc_error_prefix(rc, "hub: %s", what);
    if (is_commit(x->rev) && strcmp(x->rev, x->sha))
        rc = tc_error(TC_EFORMAT, "hub: %s: the hub answered commit %s", what, x->sha);
    else if (!is_commit(x->rev))
        rc = write_ref(x->dir, x->rev, x->sha);
    if (!rc) rc = set_snap(x);
    if (!rc) tag_cache(x->root);
    if (rc) { tc_hub_list_free(*files); *files = NULL; }
    return rc;
}

static int download(ctx *x) {
    char what[512], **files = NULL, **mods = NULL;
    size_t len, n_files;
    snprintf(what, sizeof what, "%s@%s", x->id, x->rev);
    int rc = tc_hub_repo_info(x, &files, &n_files);
    if (rc) return rc;
    if (!has(files, "model.safetensors") || !has(files, "config.json"))
        rc = unsupported(x, files);
    else if (!has(files, "tokenizer.json") && !has(files, "vocab.txt"))
        rc = tc_error(TC_ENOTFOUND, "hub: %s: the repository has no tokenizer.json or vocab.txt; only "
                      "BERT models with a WordPiece tokenizer are supported", what);
    if (rc) goto done;
    char miss[1024];
    missing_files(x->snap, miss, sizeof miss);
    if (!miss[0]) goto done;  /* the ref was behind; this commit is here */
    tc_info("hub: fetching %s (commit %.12s) into %s", what, x->sha, x->snap);
    for (size_t i = 0; i < sizeof FILES / sizeof *FILES && !rc; i++) {
        if (!has(files, FILES[i])) continue;
        if (!tc_file_in(x->snap, FILES[i]))
            rc = tc_hub_repo_fetch(x, FILES[i], strcmp(FILES[i], "model.safetensors") ? FILE_MAX : WEIGHTS_MAX);
        if (rc || strcmp(FILES[i], "modules.json")) continue;
        /* the module folders' configs, right after the list naming them */
        char p[PATH_CAP], *m;
        if ((rc = join(p, sizeof p, x->snap, "modules.json"))) break;
        if (!(m = slurp(p, FILE_MAX, &len))) { rc = tc_error(TC_EIO, "hub: %s: %s", p, strerror(errno)); break; }
        if ((rc = tc_hub_parse_modules(m, len, &mods, NULL))) rc = tc_error_prefix(rc, "hub: %s", what);
        free(m);
        for (char **q = mods; !rc && q && *q; q++)
            if (has(files, *q) && !tc_file_in(x->snap, *q)) rc = tc_hub_repo_fetch(x, *q, FILE_MAX);
    }
    if (!rc) {
        missing_files(x->snap, miss, sizeof miss);
        if (miss[0])
            rc = tc_error(TC_ENOTFOUND, "hub: %s: the repository lacks %s, which the encoder needs; "
                          "only safetensors BERT models in the sentence-transformers layout are "
                          "supported", what, miss);
    }
done:
    tc_hub_list_free(files);
    tc_hub_list_free(mods);
    return rc;
}

int tc_hub_resolve(const char *id_s, int allow_download, int progress, char *dir, size_t cap) {
    ctx x;
    int rc = tc_hub_repo_init(&x, TC_HUB_MODEL, id_s);
    if (rc == TC_EINVAL && !tc_hub_is_id(id_s))
        return tc_error(TC_EINVAL, "'%s' is not a Hugging Face model id (ORG/NAME or NAME, "
                        "optionally @REVISION) nor a model folder", id_s ? id_s : "(null)");
    if (rc) return rc;
    /* the commit: given, or what the ref says */
    char looked[PATH_CAP + 1100];
    char miss[1024] = "";
    if (x.sha[0]) {
        missing_files(x.snap, miss, sizeof miss);
        snprintf(looked, sizeof looked, "%s (missing: %s)", x.snap, miss);
    } else {
        snprintf(looked, sizeof looked, "%s/refs/%s", x.dir, x.rev);
    }
    if (x.sha[0] && !miss[0]) goto found;
    int offline = tc_hub_offline();
    if (offline || !allow_download)
        return tc_error(TC_ENOTFOUND, "hub: %s@%s is not in the Hugging Face cache (looked for %s) and "
                        "downloads are off (%s); fetch it where the network is allowed with "
                        "`textclust download-model %s` (or scripts/setup.sh --model %s), or give "
                        "a model folder", x.id, x.rev, looked,
                        offline ? "HF_HUB_OFFLINE is set" : "this command does not download",
                        id_s, id_s);
    if ((rc = tc_hub_client_open(progress, &x.c))) return rc;
    rc = download(&x);
    tc_hub_client_free(x.c);
    if (rc == TC_ENET) {
        char why[1024];
        snprintf(why, sizeof why, "%s", tc_last_error());
        return tc_error(rc, "%s (and the cache has no complete copy: looked for %s)", why, looked);
    }
    if (rc) return rc;
found:
    if (strlen(x.snap) >= cap) return tc_error(TC_EINVAL, "hub: the snapshot path is too long: %s", x.snap);
    memcpy(dir, x.snap, strlen(x.snap) + 1);
    return 0;
}
