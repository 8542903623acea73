/* hub_upload_json.c - the bodies a push sends and the answers it reads
 * (hub_upload.c makes the requests): base64, the NDJSON commit body, the
 * /preupload answer and the Git LFS batch answer. Pure functions of their
 * bytes, so tests/test_hub_upload.c checks them and fuzz_hub_upload feeds
 * them anything. Shapes as huggingface_hub v1.0.0 writes and reads them
 * (_commit_api.py _prepare_commit_payload and _fetch_upload_modes, lfs.py
 * post_lfs_batch_info and lfs_upload), and the Git LFS batch API
 * (git-lfs docs/api/batch.md). */
#include "io/hub.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARTS 10000      /* S3's most parts of one multipart upload */
#define MAX_HEADERS 64       /* header lines one action may ask for */

/* ---------------------------------------------------------------- base64 */

size_t tc_base64_encode(const void *in, size_t n, char *out) {
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = in;
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        out[o++] = abc[v >> 18], out[o++] = abc[v >> 12 & 63];
        out[o++] = abc[v >> 6 & 63], out[o++] = abc[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)p[i] << 16;
        out[o++] = abc[v >> 18], out[o++] = abc[v >> 12 & 63], out[o++] = '=', out[o++] = '=';
    } else if (n - i == 2) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
        out[o++] = abc[v >> 18], out[o++] = abc[v >> 12 & 63], out[o++] = abc[v >> 6 & 63];
        out[o++] = '=';
    }
    out[o] = 0;
    return o;
}

/* ---------------------------------------------------------------- commit body */

/* obj as one line of b; consumes obj */
static void put_line(tc_sb *b, cJSON *obj) {
    char *s = obj ? cJSON_PrintUnformatted(obj) : NULL;
    cJSON_Delete(obj);
    if (!s) { b->oom = 1; return; }
    tc_sb_puts(b, s);
    tc_sb_puts(b, "\n");
    free(s);
}

static cJSON *entry(const char *key, cJSON **value) {
    cJSON *o = cJSON_CreateObject();
    *value = cJSON_CreateObject();
    if (!o || !*value || !cJSON_AddStringToObject(o, "key", key)) {
        cJSON_Delete(o);
        cJSON_Delete(*value);
        *value = NULL;
        return NULL;
    }
    cJSON_AddItemToObject(o, "value", *value);
    return o;
}

int tc_hub_commit_ndjson(const char *summary, const tc_hub_commit_op *ops, size_t n, char **out,
                         size_t *len) {
    *out = NULL, *len = 0;
    tc_sb b = {0};
    cJSON *v, *o = entry("header", &v);
    if (o && !(cJSON_AddStringToObject(v, "summary", summary) && cJSON_AddStringToObject(v, "description", "")))
        cJSON_Delete(o), o = NULL;
    put_line(&b, o);
    for (size_t i = 0; i < n && !b.oom; i++) {
        const tc_hub_commit_op *op = &ops[i];
        o = entry(op->lfs ? "lfsFile" : "file", &v);
        if (!o) { b.oom = 1; break; }
        int ok;
        if (op->lfs) {
            ok = cJSON_AddStringToObject(v, "path", op->path_in_repo) &&
                 cJSON_AddStringToObject(v, "algo", "sha256") &&
                 cJSON_AddStringToObject(v, "oid", op->sha256) &&
                 cJSON_AddNumberToObject(v, "size", (double)op->size);
        } else {
            char *b64 = malloc(4 * (op->len / 3 + 1) + 1);
            ok = b64 != NULL;
            if (ok) tc_base64_encode(op->data, op->len, b64);
            ok = ok && cJSON_AddStringToObject(v, "content", b64) &&
                 cJSON_AddStringToObject(v, "path", op->path_in_repo) &&
                 cJSON_AddStringToObject(v, "encoding", "base64");
            free(b64);
        }
        if (!ok) { cJSON_Delete(o); b.oom = 1; break; }
        put_line(&b, o);
    }
    if (b.oom) {
        tc_sb_free(&b);
        return tc_error(TC_ENOMEM, "hub: out of memory building the commit");
    }
    *out = b.s;
    *len = b.len;
    return 0;
}

/* ---------------------------------------------------------------- /preupload */

static int hex64(const char *s) {
    if (!s || strlen(s) != 64) return 0;
    for (int i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)s[i])) return 0;
    return 1;
}

int tc_hub_parse_preupload(const char *body, size_t len, const char *const *paths, size_t n,
                           tc_hub_upload_mode *modes) {
    cJSON *j = body && len ? cJSON_ParseWithLength(body, len) : NULL;
    cJSON *files = cJSON_GetObjectItemCaseSensitive(j, "files");
    if (!cJSON_IsArray(files)) {
        cJSON_Delete(j);
        return tc_error(TC_EFORMAT, "hub: preupload: the answer is not {\"files\": [...]}");
    }
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const cJSON *hit = NULL, *f;
        cJSON_ArrayForEach(f, files) {
            const char *p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "path"));
            if (p && !strcmp(p, paths[i])) { hit = f; break; }
        }
        if (!hit) { rc = tc_error(TC_EFORMAT, "hub: preupload: the answer does not list %s", paths[i]); break; }
        const char *mode = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(hit, "uploadMode"));
        if (!mode || (strcmp(mode, "lfs") && strcmp(mode, "regular"))) {
            rc = tc_error(TC_EFORMAT, "hub: preupload: %s: uploadMode is not \"lfs\" or \"regular\"", paths[i]);
            break;
        }
        memset(&modes[i], 0, sizeof modes[i]);
        modes[i].lfs = !strcmp(mode, "lfs");
        modes[i].ignore = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(hit, "shouldIgnore"));
        const char *oid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(hit, "oid"));
        /* a sha1 (regular files) or a sha256 (LFS): only the latter is compared */
        if (oid && hex64(oid))
            for (int k = 0; k <= 64; k++) modes[i].oid[k] = (char)tolower((unsigned char)oid[k]);
    }
    cJSON_Delete(j);
    return rc;
}

/* ---------------------------------------------------------------- LFS batch */

void tc_hub_lfs_action_free(tc_hub_lfs_action *a) {
    if (!a) return;
    free(a->href);
    free(a->verify_href);
    tc_hub_list_free(a->headers);
    tc_hub_list_free(a->verify_headers);
    for (size_t i = 0; a->parts && i < a->n_parts; i++) free(a->parts[i]);  /* may have holes */
    free(a->parts);
    memset(a, 0, sizeof *a);
    a->chunk_size = -1;
}

static int http_url(const char *s) {
    return s && (!strncmp(s, "https://", 8) || !strncmp(s, "http://", 7)) && !strpbrk(s, " \r\n\t");
}

/* RFC 9110 token characters */
static int header_name(const char *s) {
    if (!s || !*s || strlen(s) > 128) return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("!#$%&'*+-.^_`|~", *s)) return 0;
    return 1;
}

static int header_value(const char *s) {
    if (!s || strlen(s) > 8192) return 0;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return 0;
    return 1;
}

static char **list_new(size_t n) { return calloc(n + 1, sizeof(char *)); }

/* an action's "header" object as "Name: value" lines */
static int action_headers(const cJSON *hdr, const char *what, char ***out) {
    size_t n = 0;
    const cJSON *h;
    if (hdr && !cJSON_IsObject(hdr)) return tc_error(TC_EFORMAT, "hub: LFS batch: %s: header is not an object", what);
    cJSON_ArrayForEach(h, hdr) n++;
    if (n > MAX_HEADERS) return tc_error(TC_EFORMAT, "hub: LFS batch: %s: %zu header lines", what, n);
    if (!(*out = list_new(n))) return tc_error(TC_ENOMEM, "hub: out of memory");
    size_t i = 0;
    cJSON_ArrayForEach(h, hdr) {
        const char *v = cJSON_GetStringValue(h);
        if (!header_name(h->string) || !header_value(v))
            return tc_error(TC_EFORMAT, "hub: LFS batch: %s: a header is not a name and a one-line value", what);
        tc_sb line = {0};
        tc_sb_printf(&line, "%s: %s", h->string, v);
        if (line.oom) return tc_error(TC_ENOMEM, "hub: out of memory");
        (*out)[i++] = line.s;
    }
    return 0;
}

/* chunk_size as huggingface_hub's int() takes it: a number or decimal digits */
static long long parse_chunk(const cJSON *c) {
    if (cJSON_IsNumber(c))
        return c->valuedouble >= 1 && c->valuedouble <= 1e15 && c->valuedouble == floor(c->valuedouble)
                   ? (long long)c->valuedouble : -1;
    const char *s = cJSON_GetStringValue(c);
    if (!s || !*s || strlen(s) > 15 || strspn(s, "0123456789") != strlen(s)) return -1;
    long long v = atoll(s);
    return v >= 1 ? v : -1;
}

/* the multipart "header": {"chunk_size": N, "1": url, "2": url, ...} */
static int multipart(const cJSON *hdr, long long size, tc_hub_lfs_action *a) {
    a->chunk_size = parse_chunk(cJSON_GetObjectItemCaseSensitive(hdr, "chunk_size"));
    if (a->chunk_size < 1) return tc_error(TC_EFORMAT, "hub: LFS batch: chunk_size is not a positive integer");
    long long want = size / a->chunk_size + (size % a->chunk_size != 0);
    if (want < 1 || want > MAX_PARTS)
        return tc_error(TC_EFORMAT, "hub: LFS batch: %lld parts of %lld bytes", want, a->chunk_size);
    if (!(a->parts = list_new((size_t)want))) return tc_error(TC_ENOMEM, "hub: out of memory");
    a->n_parts = (size_t)want;
    const cJSON *h;
    size_t got = 0;
    cJSON_ArrayForEach(h, hdr) {
        const char *k = h->string;
        if (!k || !*k || strspn(k, "0123456789") != strlen(k)) continue;  /* chunk_size, anything else */
        long long part = strlen(k) <= 6 ? atoll(k) : -1;
        const char *url = cJSON_GetStringValue(h);
        if (part < 1 || part > want || !http_url(url))
            return tc_error(TC_EFORMAT, "hub: LFS batch: part \"%.16s\" is not one of %lld parts with a URL", k, want);
        if (a->parts[part - 1]) return tc_error(TC_EFORMAT, "hub: LFS batch: part %lld twice", part);
        if (!(a->parts[part - 1] = strdup(url))) return tc_error(TC_ENOMEM, "hub: out of memory");
        got++;
    }
    if (got != (size_t)want)
        return tc_error(TC_EFORMAT, "hub: LFS batch: %zu part URLs for %lld parts", got, want);
    return 0;
}

int tc_hub_parse_lfs_batch(const char *body, size_t len, const char *oid, long long size,
                           tc_hub_lfs_action *a) {
    memset(a, 0, sizeof *a);
    a->chunk_size = -1;
    cJSON *j = body && len ? cJSON_ParseWithLength(body, len) : NULL;
    cJSON *objs = cJSON_GetObjectItemCaseSensitive(j, "objects");
    if (!cJSON_IsArray(objs)) {
        cJSON_Delete(j);
        return tc_error(TC_EFORMAT, "hub: LFS batch: the answer is not {\"objects\": [...]}");
    }
    const cJSON *hit = NULL, *o;
    cJSON_ArrayForEach(o, objs) {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "oid"));
        if (id && !strcmp(id, oid)) { hit = o; break; }
    }
    int rc = 0;
    const cJSON *sz = cJSON_GetObjectItemCaseSensitive(hit, "size");
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(hit, "error");
    const cJSON *acts = cJSON_GetObjectItemCaseSensitive(hit, "actions");
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(acts, "upload");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(acts, "verify");
    if (!hit) {
        rc = tc_error(TC_EFORMAT, "hub: LFS batch: the answer does not list object %s", oid);
    } else if (!cJSON_IsNumber(sz) || sz->valuedouble != (double)size) {
        rc = tc_error(TC_EFORMAT, "hub: LFS batch: object %s: the size is not %lld", oid, size);
    } else if (err) {
        const char *m = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(err, "message"));
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "code");
        char shown[200];
        if (!m) m = "(no message)";
        size_t k = tc_utf8_cut(m, strlen(m), sizeof shown - 1);
        memcpy(shown, m, k);
        shown[k] = 0;
        for (char *q = shown; *q; q++)
            if ((unsigned char)*q < 0x20) *q = ' ';
        rc = tc_error(TC_ENET, "hub: LFS batch: object %s: error %d: %s", oid,
                      cJSON_IsNumber(code) ? code->valueint : 0, shown);  /* valueint is clamped */
    } else if (!acts || cJSON_IsNull(acts)) {
        a->present = 1;
    } else if (!cJSON_IsObject(acts) || !cJSON_IsObject(up)) {
        /* actions without an upload: git-lfs's way of saying it has the object too */
        if (cJSON_IsObject(acts) && !up && !ver) a->present = 1;
        else rc = tc_error(TC_EFORMAT, "hub: LFS batch: object %s: actions has no upload", oid);
    } else {
        const char *href = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(up, "href"));
        const cJSON *hdr = cJSON_GetObjectItemCaseSensitive(up, "header");
        if (!http_url(href)) rc = tc_error(TC_EFORMAT, "hub: LFS batch: object %s: the upload href is not an http(s) URL", oid);
        else if (!(a->href = strdup(href))) rc = tc_error(TC_ENOMEM, "hub: out of memory");
        else if (cJSON_GetObjectItemCaseSensitive(hdr, "chunk_size")) rc = multipart(hdr, size, a);
        else rc = action_headers(hdr, "upload", &a->headers);
        if (!rc && ver) {
            const char *vh = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ver, "href"));
            if (!cJSON_IsObject(ver) || !http_url(vh))
                rc = tc_error(TC_EFORMAT, "hub: LFS batch: object %s: the verify href is not an http(s) URL", oid);
            else if (!(a->verify_href = strdup(vh))) rc = tc_error(TC_ENOMEM, "hub: out of memory");
            else rc = action_headers(cJSON_GetObjectItemCaseSensitive(ver, "header"), "verify", &a->verify_headers);
        }
    }
    cJSON_Delete(j);
    return rc;
}
