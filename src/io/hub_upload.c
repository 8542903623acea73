/* hub_upload.c - pushes files to a dataset repository on the Hugging Face
 * hub over its HTTP API, the way huggingface_hub v1.0.0 does it without
 * hf_xet (hf_api.py create_repo and create_commit, _commit_api.py, lfs.py):
 *
 *   POST /api/repos/create  {"name", "organization", "private", "type": "dataset"}
 *        409: the repository exists, which is fine (exist_ok)
 *   POST /api/datasets/REPO/preupload/main  {"files": [{"path", "sample", "size"}]}
 *        -> uploadMode "lfs" | "regular" per file, shouldIgnore, oid
 *   POST ENDPOINT/datasets/REPO.git/info/lfs/objects/batch   (Git LFS batch API)
 *        {"operation": "upload", "transfers": ["basic", "multipart"],
 *         "objects": [{"oid": sha256, "size"}], "hash_algo": "sha256", "ref": {"name": "main"}}
 *        -> per object no actions (the hub has it), or upload {href, header}
 *           and maybe verify {href}: a PUT of the bytes to href (basic), or
 *           of each chunk_size slice to header["1"], ["2"], ... then a POST
 *           of {"oid", "parts": [{"partNumber", "etag"}]} to href (multipart),
 *           then a POST of {"oid", "size"} to the verify href
 *   POST /api/datasets/REPO/commit/main  NDJSON: header, then lfsFile / file lines
 *
 * Files are read from disk twice, to hash them and to send them, never
 * held whole in memory (a regular file, which the hub allows only when
 * small, goes base64 into the commit). The token goes only to the
 * endpoint's origin (hub_http.c); an upload href on another host (S3, a
 * CDN) gets only the headers the batch answer names for it. */
#include "io/hub.h"
#include "io/hub_http.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ANSWER_CAP (4u << 20)      /* bytes of a JSON answer we read */
#define REGULAR_MAX (16LL << 20)   /* bytes of a file sent inside the commit (the hub says <= 10 MB) */
#define CREATE_TRIES 5             /* "another conflicting operation is in progress" */
#define HUB_DEFAULT "https://huggingface.co"

typedef struct {
    const tc_hub_push_file *f;
    int fd;
    long long size;
    char sha[65];
    unsigned char sample[512];
    size_t sample_len;
    tc_hub_upload_mode mode;
    int skip;                      /* unchanged or ignored: not in the commit */
} item;

typedef struct {
    tc_hub_client *c;
    const char *repo;
    int progress;
    char what[1024];               /* the request under way, for tc_hub_send's messages */
    char files[320];               /* the local files, for messages about all of them */
} push;

static const char *const JSON_HDR[] = {"Content-Type: application/json", NULL};
static const char *const LFS_HDR[] = {"Accept: application/vnd.git-lfs+json",
                                      "Content-Type: application/vnd.git-lfs+json", NULL};

/* ---------------------------------------------------------------- messages */

/* The error for a non-2xx answer to step (file: the file it was for, or NULL). */
static int status_error(const push *p, const char *file, const char *step, const tc_hub_answer *a) {
    const char *sep = a->error[0] ? ": " : "";
    if (!file && p->files[0]) file = p->files;
    if (a->status == 401 || a->status == 403)
        return tc_error(TC_ENOTFOUND, "hub: push to datasets/%s%s%s: %s: HTTP %ld%s%s: the token lacks "
                        "write access to %s (use a token with the write role, or a fine-grained one "
                        "allowed to write there)", p->repo, file ? ": " : "", file ? file : "", step,
                        a->status, sep, a->error, p->repo);
    if (a->status == 404)
        return tc_error(TC_ENOTFOUND, "hub: push to datasets/%s%s%s: %s: HTTP 404%s%s: no such repository "
                        "(or the token cannot see it)", p->repo, file ? ": " : "", file ? file : "", step,
                        sep, a->error);
    return tc_error(TC_ENET, "hub: push to datasets/%s%s%s: %s: HTTP %ld%s%s", p->repo, file ? ": " : "",
                    file ? file : "", step, a->status, sep, a->error);
}

static int ok_status(long s) { return s >= 200 && s <= 299; }

/* "push to datasets/REPO[: FILE]: STEP" */
static const char *what(push *p, const char *file, const char *step) {
    if (!file && p->files[0]) file = p->files;
    snprintf(p->what, sizeof p->what, "push to datasets/%s%s%s: %s", p->repo, file ? ": " : "",
             file ? file : "", step);
    return p->what;
}

/* POST json (consumed) to url; *a holds the answer (free it) */
static int post_json(push *p, const char *url, cJSON *json, const char *const *hdr, int idempotent,
                     const char *file, const char *step, tc_hub_answer *a) {
    char *s = json ? cJSON_PrintUnformatted(json) : NULL;
    cJSON_Delete(json);
    if (!s) return tc_error(TC_ENOMEM, "hub: out of memory");
    tc_hub_body b = {.data = s, .len = strlen(s), .fd = -1};
    int rc = tc_hub_send(p->c, "POST", url, hdr, &b, idempotent, ANSWER_CAP, what(p, file, step), a);
    free(s);
    return rc;
}

/* ---------------------------------------------------------------- the files */

static int hash_file(item *it) {
    const char *path = it->f->path;
    it->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (it->fd < 0 || fstat(it->fd, &st) != 0) return tc_error(TC_EIO, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode)) return tc_error(TC_EIO, "%s: not a regular file", path);
    enum { BUF = 1 << 20 };
    unsigned char *buf = malloc(BUF);
    if (!buf) return tc_error(TC_ENOMEM, "%s: out of memory", path);
    tc_sha256 h;
    tc_sha256_init(&h);
    long long n = 0;
    for (;;) {
        ssize_t got = pread(it->fd, buf, BUF, (off_t)n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) { free(buf); return tc_error(TC_EIO, "%s: %s", path, strerror(errno)); }
        if (got == 0) break;
        if (n < (long long)sizeof it->sample) {
            size_t k = sizeof it->sample - (size_t)n < (size_t)got ? sizeof it->sample - (size_t)n : (size_t)got;
            memcpy(it->sample + n, buf, k);
            it->sample_len = (size_t)n + k;
        }
        tc_sha256_update(&h, buf, (size_t)got);
        n += got;
    }
    free(buf);
    tc_sha256_hex(&h, it->sha);
    it->size = n;
    return 0;
}

/* ---------------------------------------------------------------- steps */

static int create_repo(push *p, int private_repo) {
    const char *ep = tc_hub_client_endpoint(p->c), *slash = strchr(p->repo, '/');
    char url[1024], org[128];
    snprintf(url, sizeof url, "%s/api/repos/create", ep);
    snprintf(org, sizeof org, "%.*s", (int)(slash - p->repo), p->repo);
    for (int t = 0;; t++) {
        cJSON *j = cJSON_CreateObject();
        if (j && !(cJSON_AddStringToObject(j, "name", slash + 1) && cJSON_AddStringToObject(j, "organization", org) &&
                   cJSON_AddBoolToObject(j, "private", private_repo) && cJSON_AddStringToObject(j, "type", "dataset")))
            cJSON_Delete(j), j = NULL;
        tc_hub_answer a;
        int rc = post_json(p, url, j, JSON_HDR, 1, NULL, "create the repository", &a);
        if (rc) return rc;
        long s = a.status;
        int busy = s == 409 && a.body && strstr(a.body, "conflicting operation");
        if (ok_status(s) || (s == 409 && !busy)) { tc_hub_answer_free(&a); return 0; }
        if (busy && t + 1 < CREATE_TRIES) { tc_hub_answer_free(&a); sleep(1); continue; }
        if (s == 401 || s == 403) {
            /* a fine-grained token may write to a repository it may not create */
            char info[1024], *body;
            size_t len;
            snprintf(info, sizeof info, "%s/api/datasets/%s", ep, p->repo);
            if (tc_hub_get_json(p->c, info, ANSWER_CAP, what(p, NULL, "repository info"), &body, &len, NULL) == 0) {
                free(body);
                tc_hub_answer_free(&a);
                return 0;
            }
        }
        rc = status_error(p, NULL, "create the repository", &a);
        tc_hub_answer_free(&a);
        return rc;
    }
}

static int preupload(push *p, item *items, size_t n) {
    char url[1024];
    snprintf(url, sizeof url, "%s/api/datasets/%s/preupload/main", tc_hub_client_endpoint(p->c), p->repo);
    cJSON *j = cJSON_CreateObject(), *files = cJSON_AddArrayToObject(j, "files");
    const char **paths = calloc(n ? n : 1, sizeof *paths);
    int ok = files && paths;
    for (size_t i = 0; ok && i < n; i++) {
        char b64[4 * (512 / 3 + 1) + 1];
        tc_base64_encode(items[i].sample, items[i].sample_len, b64);
        cJSON *f = cJSON_CreateObject();
        ok = f && cJSON_AddItemToArray(files, f) && cJSON_AddStringToObject(f, "path", items[i].f->path_in_repo) &&
             cJSON_AddStringToObject(f, "sample", b64) && cJSON_AddNumberToObject(f, "size", (double)items[i].size);
        paths[i] = items[i].f->path_in_repo;
    }
    if (!ok) { cJSON_Delete(j); free(paths); return tc_error(TC_ENOMEM, "hub: out of memory"); }
    tc_hub_answer a;
    int rc = post_json(p, url, j, JSON_HDR, 1, NULL, "preupload", &a);
    if (!rc && !ok_status(a.status)) rc = status_error(p, NULL, "preupload", &a);
    else if (!rc) {
        tc_hub_upload_mode *modes = calloc(n ? n : 1, sizeof *modes);
        rc = modes ? tc_hub_parse_preupload(a.body, a.len, paths, n, modes) : tc_error(TC_ENOMEM, "hub: out of memory");
        for (size_t i = 0; !rc && i < n; i++) {
            items[i].mode = modes[i];
            if (items[i].size == 0) items[i].mode.lfs = 0;  /* S3 refuses empty objects */
        }
        free(modes);
        if (rc) rc = tc_error_prefix(rc, "push to datasets/%s", p->repo);
    }
    tc_hub_answer_free(&a);
    free(paths);
    return rc;
}

/* a URL naming the public hub when we talk to another endpoint (a
 * mirror, a proxy, a test): huggingface_hub's fix_hf_endpoint_in_url */
static char *fix_endpoint(const push *p, const char *url) {
    const char *ep = tc_hub_client_endpoint(p->c);
    size_t k = strlen(HUB_DEFAULT);
    if (strcmp(ep, HUB_DEFAULT) && !strncmp(url, HUB_DEFAULT, k) && (url[k] == '/' || !url[k])) {
        tc_sb b = {0};
        tc_sb_printf(&b, "%s%s", ep, url + k);
        return b.s;
    }
    return strdup(url);
}

static int send_part(push *p, item *it, const char *url, const char *const *hdr, long long off,
                     long long size, const char *label, char *etag, size_t etag_cap) {
    tc_hub_body b = {.fd = it->fd, .off = off, .size = size, .label = p->progress ? label : NULL};
    tc_hub_answer a;
    int rc = tc_hub_send(p->c, "PUT", url, hdr, &b, 1, 1 << 16, what(p, it->f->path, "LFS upload"), &a);
    if (rc) return rc;
    if (!ok_status(a.status)) rc = status_error(p, it->f->path, "LFS upload", &a);
    else if (etag) {
        if (!a.hd.etag[0] || strlen(a.hd.etag) >= etag_cap)
            rc = tc_error(TC_EFORMAT, "hub: push to datasets/%s: %s: the storage answered a part with "
                          "no ETag", p->repo, it->f->path);
        else
            snprintf(etag, etag_cap, "%s", a.hd.etag);
    }
    tc_hub_answer_free(&a);
    return rc;
}

static int upload_multipart(push *p, item *it, const tc_hub_lfs_action *act, const char *href) {
    cJSON *j = cJSON_CreateObject(), *parts = cJSON_AddArrayToObject(j, "parts");
    int rc = j && parts && cJSON_AddStringToObject(j, "oid", it->sha) ? 0 : tc_error(TC_ENOMEM, "hub: out of memory");
    for (size_t i = 0; !rc && i < act->n_parts; i++) {
        long long off = (long long)i * act->chunk_size;
        long long len = it->size - off < act->chunk_size ? it->size - off : act->chunk_size;
        char etag[256], label[64];
        snprintf(label, sizeof label, "part %zu/%zu", i + 1, act->n_parts);
        rc = send_part(p, it, act->parts[i], NULL, off, len, label, etag, sizeof etag);
        cJSON *o = rc ? NULL : cJSON_CreateObject();
        if (!rc && !(o && cJSON_AddItemToArray(parts, o) && cJSON_AddNumberToObject(o, "partNumber", (double)(i + 1)) &&
                     cJSON_AddStringToObject(o, "etag", etag)))
            rc = tc_error(TC_ENOMEM, "hub: out of memory");
    }
    if (rc) { cJSON_Delete(j); return rc; }
    tc_hub_answer a;
    rc = post_json(p, href, j, LFS_HDR, 1, it->f->path, "LFS multipart completion", &a);
    if (!rc && !ok_status(a.status)) rc = status_error(p, it->f->path, "LFS multipart completion", &a);
    tc_hub_answer_free(&a);
    return rc;
}

static int verify(push *p, item *it, const tc_hub_lfs_action *act) {
    char *url = fix_endpoint(p, act->verify_href);
    size_t n = 0;
    while (act->verify_headers[n]) n++;
    const char **hdr = calloc(n + 2, sizeof *hdr);
    cJSON *j = cJSON_CreateObject();
    if (!url || !hdr || !j || !cJSON_AddStringToObject(j, "oid", it->sha) || !cJSON_AddNumberToObject(j, "size", (double)it->size)) {
        free(url), free(hdr), cJSON_Delete(j);
        return tc_error(TC_ENOMEM, "hub: out of memory");
    }
    hdr[0] = "Content-Type: application/json";
    for (size_t i = 0; i < n; i++) hdr[i + 1] = act->verify_headers[i];
    tc_hub_answer a;
    int rc = post_json(p, url, j, hdr, 1, it->f->path, "LFS verify", &a);
    if (!rc && !ok_status(a.status)) rc = status_error(p, it->f->path, "LFS verify", &a);
    tc_hub_answer_free(&a);
    free(hdr);
    free(url);
    return rc;
}

static int upload_lfs(push *p, item *items, size_t n, size_t *n_uploaded) {
    cJSON *j = cJSON_CreateObject(), *tr = cJSON_AddArrayToObject(j, "transfers");
    cJSON *objs = cJSON_AddArrayToObject(j, "objects"), *ref = cJSON_AddObjectToObject(j, "ref");
    int ok = tr && objs && ref && cJSON_AddStringToObject(j, "operation", "upload") &&
             cJSON_AddItemToArray(tr, cJSON_CreateString("basic")) &&
             cJSON_AddItemToArray(tr, cJSON_CreateString("multipart")) &&
             cJSON_AddStringToObject(j, "hash_algo", "sha256") && cJSON_AddStringToObject(ref, "name", "main");
    size_t want = 0;
    for (size_t i = 0; ok && i < n; i++) {
        if (items[i].skip || !items[i].mode.lfs) continue;
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(objs, o) && cJSON_AddStringToObject(o, "oid", items[i].sha) &&
             cJSON_AddNumberToObject(o, "size", (double)items[i].size);
        want++;
    }
    if (!ok) { cJSON_Delete(j); return tc_error(TC_ENOMEM, "hub: out of memory"); }
    if (!want) { cJSON_Delete(j); return 0; }
    char url[1024];
    snprintf(url, sizeof url, "%s/datasets/%s.git/info/lfs/objects/batch", tc_hub_client_endpoint(p->c), p->repo);
    tc_hub_answer a;
    int rc = post_json(p, url, j, LFS_HDR, 1, NULL, "LFS batch", &a);
    if (!rc && !ok_status(a.status)) rc = status_error(p, NULL, "LFS batch", &a);
    for (size_t i = 0; !rc && i < n; i++) {
        item *it = &items[i];
        if (it->skip || !it->mode.lfs) continue;
        tc_hub_lfs_action act;
        rc = tc_hub_parse_lfs_batch(a.body, a.len, it->sha, it->size, &act);
        if (rc) rc = tc_error_prefix(rc, "push to datasets/%s: %s", p->repo, it->f->path);
        char *href = !rc && !act.present ? fix_endpoint(p, act.href) : NULL;
        if (!rc && !act.present && !href) rc = tc_error(TC_ENOMEM, "hub: out of memory");
        const char *base = strrchr(it->f->path, '/') ? strrchr(it->f->path, '/') + 1 : it->f->path;
        if (!rc && !act.present) {
            rc = act.parts ? upload_multipart(p, it, &act, href)
                           : send_part(p, it, href, (const char *const *)act.headers, 0, it->size, base, NULL, 0);
            if (!rc && act.verify_href) rc = verify(p, it, &act);
            if (!rc) ++*n_uploaded;
        }
        free(href);
        tc_hub_lfs_action_free(&act);
    }
    tc_hub_answer_free(&a);
    return rc;
}

static int read_regular(item *it, unsigned char **data) {
    *data = NULL;
    if (it->size > REGULAR_MAX)
        return tc_error(TC_EFORMAT, "hub: %s: the hub asked for %lld bytes inside the commit (the most "
                        "sent that way is %lld)", it->f->path, it->size, REGULAR_MAX);
    unsigned char *d = malloc((size_t)it->size + 1);
    if (!d) return tc_error(TC_ENOMEM, "%s: out of memory", it->f->path);
    for (long long have = 0; have < it->size;) {
        ssize_t got = pread(it->fd, d + have, (size_t)(it->size - have), (off_t)have);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            free(d);
            return tc_error(TC_EIO, "%s: %s", it->f->path, got < 0 ? strerror(errno) : "it got shorter while it was pushed");
        }
        have += got;
    }
    *data = d;
    return 0;
}

static int commit(push *p, item *items, size_t n, const char *summary, tc_hub_push_result *res) {
    tc_hub_commit_op *ops = calloc(n ? n : 1, sizeof *ops);
    unsigned char **bufs = calloc(n ? n : 1, sizeof *bufs);
    int rc = ops && bufs ? 0 : tc_error(TC_ENOMEM, "hub: out of memory");
    size_t k = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        item *it = &items[i];
        if (it->skip) continue;
        tc_hub_commit_op *op = &ops[k++];
        op->path_in_repo = it->f->path_in_repo;
        op->lfs = it->mode.lfs;
        op->sha256 = it->sha;
        op->size = it->size;
        if (!op->lfs && !(rc = read_regular(it, &bufs[i]))) op->data = bufs[i], op->len = (size_t)it->size;
    }
    char *body = NULL;
    size_t len = 0;
    if (!rc && k) rc = tc_hub_commit_ndjson(summary, ops, k, &body, &len);
    for (size_t i = 0; bufs && i < n; i++) free(bufs[i]);
    free(bufs);
    free(ops);
    if (rc || !k) return rc;
    char url[1024];
    snprintf(url, sizeof url, "%s/api/datasets/%s/commit/main", tc_hub_client_endpoint(p->c), p->repo);
    static const char *const hdr[] = {"Content-Type: application/x-ndjson", NULL};
    tc_hub_body b = {.data = body, .len = len, .fd = -1};
    tc_hub_answer a;
    rc = tc_hub_send(p->c, "POST", url, hdr, &b, 0, ANSWER_CAP, what(p, NULL, "commit"), &a);
    free(body);
    if (rc) return rc;
    if (!ok_status(a.status)) {
        rc = status_error(p, NULL, "commit", &a);
    } else {
        cJSON *j = cJSON_ParseWithLength(a.body, a.len);
        const char *oid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "commitOid"));
        if (oid && strlen(oid) < sizeof res->commit && strspn(oid, "0123456789abcdef") == strlen(oid))
            snprintf(res->commit, sizeof res->commit, "%s", oid);
        else
            rc = tc_error(TC_EFORMAT, "hub: push to datasets/%s: commit: the answer has no commitOid", p->repo);
        cJSON_Delete(j);
    }
    tc_hub_answer_free(&a);
    return rc;
}

/* ---------------------------------------------------------------- push */

static int valid_repo(const char *repo) {
    const char *slash = repo ? strchr(repo, '/') : NULL;
    return slash && slash - repo < 100 && !strchr(repo, '@') && tc_hub_is_id(repo);
}

int tc_hub_push(const char *repo, int private_repo, const tc_hub_push_file *files, size_t n,
                const char *summary, int progress, tc_hub_push_result *res) {
    tc_hub_push_result dummy;
    if (!res) res = &dummy;
    memset(res, 0, sizeof *res);
    if (!valid_repo(repo))
        return tc_error(TC_EINVAL, "hub: push: '%s' is not a repository id USER/NAME", repo ? repo : "");
    for (size_t i = 0; i < n; i++)
        if (!tc_hub_safe_path(files[i].path_in_repo))
            return tc_error(TC_EINVAL, "hub: push: '%s' is not a safe path in a repository", files[i].path_in_repo);
    if (tc_hub_env_true(getenv("HF_HUB_OFFLINE")))
        return tc_error(TC_EINVAL, "hub: push to datasets/%s: HF_HUB_OFFLINE is set, so nothing is sent; "
                        "unset it to push", repo);
    push p = {.repo = repo, .progress = progress};
    int rc = tc_hub_client_open(progress, &p.c);
    if (rc) return rc;
    if (!tc_hub_client_has_token(p.c)) {
        tc_hub_client_free(p.c);
        return tc_error(TC_EINVAL, "hub: push to datasets/%s needs a Hugging Face token with write access: "
                        "set HF_TOKEN (or log in with `hf auth login`)", repo);
    }
    snprintf(res->url, sizeof res->url, "%s/datasets/%s", tc_hub_client_endpoint(p.c), repo);
    for (size_t i = 0, used = 0; i < n && used + 4 < sizeof p.files; i++)
        used += (size_t)snprintf(p.files + used, sizeof p.files - used, "%s%s", i ? ", " : "", files[i].path);
    item *items = calloc(n ? n : 1, sizeof *items);
    if (!items) rc = tc_error(TC_ENOMEM, "hub: out of memory");
    for (size_t i = 0; items && i < n; i++) items[i].fd = -1;
    for (size_t i = 0; !rc && i < n; i++) {
        items[i].f = &files[i];
        rc = hash_file(&items[i]);
    }
    if (!rc) rc = create_repo(&p, private_repo);
    if (!rc) rc = preupload(&p, items, n);
    for (size_t i = 0; !rc && i < n; i++) {
        item *it = &items[i];
        if (it->mode.ignore) {
            tc_warn("hub: push to datasets/%s: %s is left out: the repository's .gitignore ignores %s",
                    repo, it->f->path, it->f->path_in_repo);
            it->skip = 1;
        } else if (it->mode.lfs && !strcmp(it->mode.oid, it->sha)) {
            it->skip = 1;  /* the repository holds these bytes at that path already */
            res->n_unchanged++;
        }
    }
    if (!rc) rc = upload_lfs(&p, items, n, &res->n_uploaded);
    if (!rc) rc = commit(&p, items, n, summary, res);
    for (size_t i = 0; items && i < n; i++)
        if (items[i].fd >= 0) close(items[i].fd);
    free(items);
    tc_hub_client_free(p.c);
    return rc;
}
