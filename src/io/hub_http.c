/* hub_http.c - the requests tc_hub_resolve makes (libcurl easy interface,
 * one transfer at a time): the model info JSON, a HEAD per file for its
 * ETag, size, commit and download URL (as huggingface_hub's
 * get_hf_file_metadata), and the download of the bytes into a
 * ".incomplete" file, resumed with Range where a previous attempt or run
 * stopped.
 *
 * Redirects are followed here, not by libcurl, so that the token goes only
 * to the endpoint's own scheme, host and port: the hub sends LFS files
 * from another host (a CDN with signed URLs), which gets no Authorization
 * header. Every message passes through tc_redact with the token and the
 * endpoint's password as secrets, and URLs are shown through
 * tc_url_redact (signed query strings are secrets too).
 *
 * Bounds: connection and stall timeouts (HF_HUB_ETAG_TIMEOUT for metadata,
 * HF_HUB_DOWNLOAD_TIMEOUT for bytes, 10 s each), a JSON body cap, a size cap
 * per file, and RETRIES retries with doubling backoff on connection
 * errors, timeouts, cut transfers, 408, 429 and 5xx (a download that
 * advanced gets its retries back, as huggingface_hub's http_get does). */
#include "io/hub_http.h"
#include "label/label.h"
#include "util/util.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RETRIES 4            /* after the first attempt */
#define BACKOFF_FIRST 0.5    /* seconds, doubled per retry */
#define BACKOFF_MAX 8.0
#define MAX_HOPS 5           /* redirects of one HEAD */
#define RETRY_AFTER_MAX 60.0 /* seconds of a Retry-After obeyed at most */
#define SEND_STALL_MIN 60L   /* seconds a request with a body may stall: a commit is slow to answer */

struct tc_hub_client {
    CURL *h;
    char *endpoint;          /* scheme://host[:port][/path], no trailing '/' */
    char *token;             /* NULL = send none */
    char **secrets;          /* NULL-terminated, for tc_redact */
    long meta_timeout, stall_timeout;  /* seconds */
    int progress;
};

/* ---------------------------------------------------------------- setup */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;
static void curl_init(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

/* huggingface_hub's order: $HF_TOKEN, the legacy $HUGGING_FACE_HUB_TOKEN,
 * then the token file. HF_HUB_DISABLE_IMPLICIT_TOKEN turns all of it off. */
char *tc_hub_token(void) {
    const char *e = getenv("HF_HUB_DISABLE_IMPLICIT_TOKEN");
    if (tc_hub_env_true(e)) return NULL;
    if ((e = getenv("HF_TOKEN")) && e[0]) return strdup(e);
    if ((e = getenv("HUGGING_FACE_HUB_TOKEN")) && e[0]) return strdup(e);
    char path[4096];
    if ((e = getenv("HF_TOKEN_PATH")) && e[0]) {
        if (tc_hub_expand(e, "", path, sizeof path)) return NULL;
    } else if (tc_hub_home(path, sizeof path) ||
               strlen(path) + sizeof "/token" > sizeof path) {
        return NULL;
    } else {
        strcat(path, "/token");
    }
    return tc_secret_read_file(path);
}

static long env_seconds(const char *name, long dflt) {
    const char *e = getenv(name);
    char *end;
    long v = e ? strtol(e, &end, 10) : 0;
    return e && end != e && *end == 0 && v > 0 && v <= 86400 ? v : dflt;
}

int tc_hub_client_open(int progress, tc_hub_client **out) {
    *out = NULL;
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) return tc_error(TC_ENET, "hub: libcurl could not start");
    tc_hub_client *c = calloc(1, sizeof *c);
    if (!c) return tc_error(TC_ENOMEM, "hub: out of memory");
    const char *ep = getenv("HF_ENDPOINT");
    if (!ep || !ep[0]) ep = "https://huggingface.co";
    c->endpoint = strdup(ep);
    c->token = tc_hub_token();
    c->secrets = tc_url_secrets(c->endpoint, c->token);
    c->h = curl_easy_init();
    c->meta_timeout = env_seconds("HF_HUB_ETAG_TIMEOUT", 10);
    c->stall_timeout = env_seconds("HF_HUB_DOWNLOAD_TIMEOUT", 10);
    c->progress = progress;
    if (!c->endpoint || !c->secrets || !c->h) {
        tc_hub_client_free(c);
        return tc_error(TC_ENOMEM, "hub: out of memory");
    }
    size_t n = strlen(c->endpoint);
    while (n && c->endpoint[n - 1] == '/') c->endpoint[--n] = 0;
    tc_url u;
    if (tc_url_split(c->endpoint, &u) || u.host_len == 0 || u.query || u.fragment ||
        !((u.scheme_len == 4 && !strncasecmp(u.scheme, "http", 4)) ||
          (u.scheme_len == 5 && !strncasecmp(u.scheme, "https", 5)))) {
        char *shown = tc_url_redact(c->endpoint);
        tc_error(TC_EINVAL, "hub: HF_ENDPOINT \"%s\" must be http:// or https:// and a host, "
                            "with no query", shown ? shown : "***");
        free(shown);
        tc_hub_client_free(c);
        return TC_EINVAL;
    }
    if (c->token && strpbrk(c->token, "\r\n")) {
        tc_hub_client_free(c);
        return tc_error(TC_EINVAL, "hub: the Hugging Face token (HF_TOKEN or the token file) "
                                   "holds a line break");
    }
    *out = c;
    return 0;
}

void tc_hub_client_free(tc_hub_client *c) {
    if (!c) return;
    if (c->h) curl_easy_cleanup(c->h);
    tc_secrets_free(c->secrets);
    tc_llm_token_free(c->token);
    free(c->endpoint);
    free(c);
}

const char *tc_hub_client_endpoint(const tc_hub_client *c) { return c->endpoint; }
int tc_hub_client_has_token(const tc_hub_client *c) { return c->token != NULL; }

/* ---------------------------------------------------------------- messages */

static int fail(const tc_hub_client *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(const tc_hub_client *c, int code, const char *fmt, ...) {
    char raw[1024], shown[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    tc_redact(shown, sizeof shown, raw, (const char *const *)c->secrets);
    return tc_error(code, "%s", shown);
}

/* url for messages: secrets as "***" (malloc'd into buf, cut) */
static const char *show_url(const char *url, char *buf, size_t cap) {
    char *r = tc_url_redact(url);
    snprintf(buf, cap, "%s", r ? r : "***");
    free(r);
    return buf;
}

/* The hub's own words on an error: {"error": "..."}, else the first bytes. */
static void excerpt(const tc_hub_client *c, const char *body, size_t len, char *out, size_t cap) {
    out[0] = 0;
    if (!body || !len) return;
    char *m = tc_secret_mask(body, len, (const char *const *)c->secrets);
    if (!m) return;
    const char *s = m, *e = strstr(m, "\"error\"");
    size_t n = strlen(m);
    if (e && (e = strchr(e + 7, '"'))) {
        s = e + 1;
        const char *q = strchr(s, '"');
        n = q ? (size_t)(q - s) : strlen(s);
    }
    size_t k = tc_utf8_cut(s, n, cap - 4), o = 0;
    for (size_t i = 0; i < k; i++) out[o++] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
    if (k < n) out[o++] = '.', out[o++] = '.', out[o++] = '.';
    out[o] = 0;
    free(m);
}

/* ---------------------------------------------------------------- one request */

typedef struct {
    tc_hub_headers hd;       /* the last response's */
    /* body: into mem (up to mem_cap) or, for a 200/206 answer, into fd */
    tc_sb mem;
    size_t mem_cap;
    int fd;
    long long have, limit;   /* bytes in fd; most it may hold */
    int too_big, write_err, status_checked, restarted;
    long long got;           /* bytes of this attempt written to fd */
    const tc_hub_client *c;
    const char *label;       /* progress: the file's name */
    long long total;         /* progress: its size, -1 unknown */
    double last_draw;
    CURL *h;
} req;

static void req_reset_headers(req *r) { tc_hub_headers_reset(&r->hd); }

void tc_hub_headers_reset(tc_hub_headers *h) {
    h->etag[0] = h->linked_etag[0] = h->commit[0] = 0;
    h->linked_size = h->content_length = h->range_start = h->retry_after = -1;
}

/* v[0..n) trimmed into dst; "" when it does not fit */
static void copy_value(const char *v, size_t n, char *dst, size_t cap) {
    while (n && isspace((unsigned char)*v)) v++, n--;
    while (n && isspace((unsigned char)v[n - 1])) n--;
    if (n >= cap || memchr(v, 0, n)) n = 0;  /* a value this long is no ETag or sha */
    memcpy(dst, v, n);
    dst[n] = 0;
}

/* a decimal count of at most 18 digits (no sign, no overflow), else -1 */
static long long parse_count(const char *s, const char **end) {
    long long x = 0;
    int digits = 0;
    for (; *s >= '0' && *s <= '9'; s++)
        if (++digits > 18) return -1;
        else x = x * 10 + (*s - '0');
    if (end) *end = s;
    return digits ? x : -1;
}

static long long parse_ll(const char *v, size_t n) {
    char b[32];
    const char *end;
    copy_value(v, n, b, sizeof b);
    long long x = parse_count(b, &end);
    return x >= 0 && *end == 0 ? x : -1;
}

void tc_hub_header_line(tc_hub_headers *h, const char *d, size_t n) {
    if (n >= 5 && !strncmp(d, "HTTP/", 5)) { tc_hub_headers_reset(h); return; }
    const char *colon = memchr(d, ':', n);
    if (!colon) return;
    size_t kl = (size_t)(colon - d), vl = n - kl - 1;
    const char *v = colon + 1;
#define IS(name) (kl == sizeof name - 1 && !strncasecmp(d, name, kl))
    if (IS("etag")) copy_value(v, vl, h->etag, sizeof h->etag);
    else if (IS("x-linked-etag")) copy_value(v, vl, h->linked_etag, sizeof h->linked_etag);
    else if (IS("x-repo-commit")) copy_value(v, vl, h->commit, sizeof h->commit);
    else if (IS("x-linked-size")) h->linked_size = parse_ll(v, vl);
    else if (IS("content-length")) h->content_length = parse_ll(v, vl);
    else if (IS("retry-after")) h->retry_after = parse_ll(v, vl);  /* seconds; an HTTP date is -1 */
    else if (IS("content-range")) {
        /* "bytes START-END/TOTAL" */
        char b[96];
        const char *end;
        copy_value(v, vl, b, sizeof b);
        long long st = strncmp(b, "bytes ", 6) ? -1 : parse_count(b + 6, &end);
        h->range_start = st >= 0 && *end == '-' ? st : -1;
    }
#undef IS
}

static size_t on_header(char *d, size_t sz, size_t nm, void *ctx) {
    req *r = ctx;
    tc_hub_header_line(&r->hd, d, sz * nm);
    return sz * nm;
}

/* n bytes as "512 B", "171.3 KiB", "5.7 MiB", "1.25 GiB" */
static void human(long long n, char *out, size_t cap) {
    double x = (double)n;
    if (n < 1024) snprintf(out, cap, "%lld B", n);
    else if (n < (1LL << 20)) snprintf(out, cap, "%.1f KiB", x / 1024.0);
    else if (n < (1LL << 30)) snprintf(out, cap, "%.1f MiB", x / 1048576.0);
    else snprintf(out, cap, "%.2f GiB", x / 1073741824.0);
}

static void draw(req *r, int final) {
    if (!r->c->progress || !r->label) return;
    double now = tc_now();
    if (!final && now - r->last_draw < 0.1) return;
    r->last_draw = now;
    char have[32], total[32];
    human(r->have, have, sizeof have);
    if (r->total > 0) {
        enum { W = 30 };
        int fill = (int)((double)r->have / (double)r->total * W);
        char bar[W + 1];
        for (int i = 0; i < W; i++) bar[i] = i < fill ? '#' : '.';
        bar[W] = 0;
        human(r->total, total, sizeof total);
        fprintf(stderr, "\rhub %-26.26s [%s] %3d%%  %s / %s\033[K", r->label, bar,
                (int)(100.0 * (double)r->have / (double)r->total), have, total);
    } else {
        fprintf(stderr, "\rhub %-26.26s %s\033[K", r->label, have);
    }
    if (final) fputc('\n', stderr);
}

static size_t on_body(char *d, size_t sz, size_t nm, void *ctx) {
    req *r = ctx;
    size_t n = sz * nm;
    long status = 0;
    curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
    if (r->fd < 0 || (status != 200 && status != 206)) {
        /* JSON, or an error page: kept in memory, bounded */
        if (r->mem.len + n > r->mem_cap) {
            if (r->fd >= 0) return n;  /* an error page's tail is not needed */
            r->too_big = 1;
            return 0;
        }
        tc_sb_append(&r->mem, d, n);
        return r->mem.oom ? 0 : n;
    }
    if (!r->status_checked) {
        r->status_checked = 1;
        if (r->have > 0 && status == 200) {
            /* the server ignored the Range: these bytes start at 0 */
            if (ftruncate(r->fd, 0) != 0) { r->write_err = errno; return 0; }
            r->have = 0;
        } else if (status == 206 && r->hd.range_start != r->have) {
            /* another offset than asked: drop the partial file, ask again */
            if (ftruncate(r->fd, 0) != 0) { r->write_err = errno; return 0; }
            r->have = 0;
            r->restarted = 1;
            return 0;
        }
    }
    if (r->have + (long long)n > r->limit) { r->too_big = 1; return 0; }
    for (size_t off = 0; off < n;) {
        ssize_t w = pwrite(r->fd, d + off, n - off, (off_t)(r->have + (long long)off));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { r->write_err = w < 0 ? errno : EIO; return 0; }
        off += (size_t)w;
    }
    r->have += (long long)n;
    r->got += (long long)n;
    draw(r, 0);
    return n;
}

/* Every request: url with hdr, its headers and body into r, curl's message
 * into cerr. */
static void set_common(const tc_hub_client *c, CURL *h, const char *url, struct curl_slist *hdr, req *r,
                       char *cerr) {
    curl_easy_reset(h);
    cerr[0] = 0;
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);  /* followed by hand: the token stays home */
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "textclust/" TC_VERSION);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->meta_timeout);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
}

/* Headers of a request to url: the token only when url has the endpoint's
 * scheme, host and port. */
static struct curl_slist *headers_for(const tc_hub_client *c, const char *url) {
    struct curl_slist *hdr = curl_slist_append(NULL, "Accept-Encoding: identity");
    if (hdr && c->token && tc_hub_same_origin(url, c->endpoint)) {
        tc_sb a = {0};
        tc_sb_printf(&a, "Authorization: Bearer %s", c->token);
        struct curl_slist *h2 = a.s ? curl_slist_append(hdr, a.s) : NULL;
        if (a.s) for (volatile char *q = a.s; *q; q++) *q = 0;
        tc_sb_free(&a);
        if (!h2) { curl_slist_free_all(hdr); return NULL; }
        hdr = h2;
    }
    return hdr;
}

static int transient_curl(CURLcode e) {
    switch (e) {
    case CURLE_COULDNT_CONNECT: case CURLE_OPERATION_TIMEDOUT: case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR: case CURLE_SEND_ERROR: case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR: case CURLE_HTTP2: case CURLE_HTTP2_STREAM:
        return 1;
    default:
        return 0;
    }
}

static int transient_status(long s) { return s == 408 || s == 429 || s >= 500; }

/* Waits before a retry: the doubling backoff, or the server's Retry-After
 * (seconds; -1 none) instead, up to RETRY_AFTER_MAX. */
static void backoff(int attempt, long long retry_after) {
    double d = BACKOFF_FIRST;
    for (int i = 0; i < attempt && d < BACKOFF_MAX; i++) d *= 2;
    if (d > BACKOFF_MAX) d = BACKOFF_MAX;
    if (retry_after >= 0) d = retry_after < RETRY_AFTER_MAX ? (double)retry_after : RETRY_AFTER_MAX;
    struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* ---------------------------------------------------------------- JSON */

int tc_hub_get_json(tc_hub_client *c, const char *url, size_t cap, const char *what, char **body,
                    size_t *len, long *status_out) {
    *body = NULL, *len = 0;
    if (status_out) *status_out = 0;
    struct curl_slist *hdr = headers_for(c, url);
    if (!hdr) return tc_error(TC_ENOMEM, "hub: out of memory");
    char shown[512], ex[256], cerr[CURL_ERROR_SIZE];
    show_url(url, shown, sizeof shown);
    int rc = 0;
    for (int attempt = 0;; attempt++) {
        req r = {.fd = -1, .mem_cap = cap, .c = c, .h = c->h};
        req_reset_headers(&r);
        set_common(c, c->h, url, hdr, &r, cerr);
        curl_easy_setopt(c->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c->h, CURLOPT_LOW_SPEED_TIME, c->meta_timeout);
        CURLcode e = curl_easy_perform(c->h);
        long status = 0;
        curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
        if (status_out) *status_out = status;
        int again = attempt < RETRIES;
        if (r.too_big) {
            rc = fail(c, TC_EFORMAT, "hub: %s: %s: the answer is over %zu bytes", what, shown, cap);
        } else if (e != CURLE_OK) {
            rc = fail(c, TC_ENET, "hub: %s: %s: %s%s%s", what, shown, curl_easy_strerror(e),
                      cerr[0] ? ": " : "", cerr);
            if (again && transient_curl(e)) { tc_sb_free(&r.mem); backoff(attempt, -1); continue; }
        } else if (status == 200) {
            *body = r.mem.s ? r.mem.s : strdup("");
            *len = r.mem.len;
            rc = *body ? 0 : tc_error(TC_ENOMEM, "hub: out of memory");
            break;
        } else {
            excerpt(c, r.mem.s, r.mem.len, ex, sizeof ex);
            if (status == 401 || status == 403 || status == 404)
                rc = fail(c, TC_ENOTFOUND, "hub: %s: %s: HTTP %ld%s%s: %s", what, shown, status,
                          ex[0] ? ": " : "", ex,
                          c->token ? "the repository or revision does not exist, or the token has "
                                     "no access to it"
                                   : "the repository or revision does not exist, or it is private "
                                     "or gated: set HF_TOKEN (or log in with `hf auth login`)");
            else
                rc = fail(c, TC_ENET, "hub: %s: %s: HTTP %ld%s%s", what, shown, status,
                          ex[0] ? ": " : "", ex);
            if (again && transient_status(status)) {
                tc_sb_free(&r.mem);
                backoff(attempt, r.hd.retry_after);
                continue;
            }
        }
        tc_sb_free(&r.mem);
        break;
    }
    curl_slist_free_all(hdr);
    return rc;
}

/* ---------------------------------------------------------------- HEAD */

int tc_hub_etag_name(const char *raw, char *out, size_t cap) {
    const char *s = raw;
    if (!strncmp(s, "W/", 2)) s += 2;
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') s++, n -= 2;
    /* "<etag>.incomplete" is another blob's partial download */
    if (n == 0 || n >= cap || s[0] == '.' || (n >= 11 && !strncmp(s + n - 11, ".incomplete", 11)))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.') return 0;
    memcpy(out, s, n);
    out[n] = 0;
    return 1;
}

int tc_hub_head(tc_hub_client *c, const char *url, const char *what, tc_hub_meta *m) {
    memset(m, 0, sizeof *m);
    m->size = -1;
    char *cur = strdup(url);
    if (!cur) return tc_error(TC_ENOMEM, "hub: out of memory");
    char shown[512], cerr[CURL_ERROR_SIZE];
    int rc = 0;
    for (int hop = 0, attempt = 0;;) {
        show_url(cur, shown, sizeof shown);
        struct curl_slist *hdr = headers_for(c, cur);
        if (!hdr) { rc = tc_error(TC_ENOMEM, "hub: out of memory"); break; }
        req r = {.fd = -1, .mem_cap = 4096, .c = c, .h = c->h};
        req_reset_headers(&r);
        set_common(c, c->h, cur, hdr, &r, cerr);
        curl_easy_setopt(c->h, CURLOPT_NOBODY, 1L);
        curl_easy_setopt(c->h, CURLOPT_TIMEOUT, c->meta_timeout);
        CURLcode e = curl_easy_perform(c->h);
        curl_slist_free_all(hdr);
        long status = 0;
        curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
        tc_sb_free(&r.mem);
        if (e != CURLE_OK || transient_status(status)) {
            if (e != CURLE_OK)
                rc = fail(c, TC_ENET, "hub: %s: HEAD %s: %s%s%s", what, shown, curl_easy_strerror(e),
                          cerr[0] ? ": " : "", cerr);
            else
                rc = fail(c, TC_ENET, "hub: %s: HEAD %s: HTTP %ld", what, shown, status);
            if (attempt < RETRIES && (e == CURLE_OK || transient_curl(e))) {
                backoff(attempt++, r.hd.retry_after);
                continue;
            }
            break;
        }
        if (!m->commit[0] && r.hd.commit[0]) snprintf(m->commit, sizeof m->commit, "%s", r.hd.commit);
        const char *tag = r.hd.linked_etag[0] ? r.hd.linked_etag : r.hd.etag;
        if (status >= 300 && status < 400) {
            char *loc = NULL;
            curl_easy_getinfo(c->h, CURLINFO_REDIRECT_URL, &loc);
            if (!loc) { rc = fail(c, TC_EFORMAT, "hub: %s: %s: HTTP %ld with no Location", what, shown, status); break; }
            char *next = strdup(loc);
            if (!next) { rc = tc_error(TC_ENOMEM, "hub: out of memory"); break; }
            /* an LFS pointer (its ETag names the content) or another host
             * (a CDN): the bytes come from there; a plain redirect on the
             * hub itself (a renamed repository) is asked again */
            if (tag[0] && (r.hd.linked_etag[0] || !tc_hub_same_origin(next, cur))) {
                if (!tc_hub_etag_name(tag, m->etag, sizeof m->etag)) {
                    free(next);
                    rc = fail(c, TC_EFORMAT, "hub: %s: %s: the ETag is not a usable blob name", what, shown);
                    break;
                }
                m->size = r.hd.linked_size;
                free(cur);
                cur = next;
                m->url = cur;
                cur = NULL;
                break;
            }
            free(cur);
            cur = next;
            if (++hop > MAX_HOPS) { rc = fail(c, TC_ENET, "hub: %s: more than %d redirects", what, MAX_HOPS); break; }
            attempt = 0;
            continue;
        }
        if (status != 200) {
            if (status == 401 || status == 403 || status == 404)
                rc = fail(c, TC_ENOTFOUND, "hub: %s: %s: HTTP %ld: %s", what, shown, status,
                          c->token ? "no such file, or the token has no access to it"
                                   : "no such file, or the repository is private or gated: set HF_TOKEN");
            else
                rc = fail(c, TC_ENET, "hub: %s: %s: HTTP %ld", what, shown, status);
            break;
        }
        if (!tag[0] || !tc_hub_etag_name(tag, m->etag, sizeof m->etag)) {
            rc = fail(c, TC_EFORMAT, "hub: %s: %s: the answer has no usable ETag (the server is not "
                                     "a Hugging Face hub, or a proxy dropped its headers)", what, shown);
            break;
        }
        m->size = r.hd.linked_size >= 0 ? r.hd.linked_size : r.hd.content_length;
        m->url = cur;
        cur = NULL;
        break;
    }
    free(cur);
    if (rc) { free(m->url); m->url = NULL; }
    return rc;
}

/* ---------------------------------------------------------------- download */

int tc_hub_download(tc_hub_client *c, const char *url, int fd, long long size, long long cap,
                    const char *what, const char *label) {
    char shown[512], cerr[CURL_ERROR_SIZE], ex[256];
    char *cur = strdup(url);
    struct curl_slist *hdr = cur ? headers_for(c, cur) : NULL;
    if (!hdr) { free(cur); return tc_error(TC_ENOMEM, "hub: out of memory"); }
    show_url(cur, shown, sizeof shown);
    long long limit = size >= 0 && size < cap ? size : cap, best = -1;
    int rc = 0, hops = 0;
    struct stat st;
    for (int attempt = 0;;) {
        if (fstat(fd, &st) != 0) { rc = tc_error(TC_EIO, "hub: %s: %s", what, strerror(errno)); break; }
        long long have = st.st_size;
        if (have > limit && ftruncate(fd, 0) == 0) have = 0;  /* not this file's prefix */
        if (size >= 0 && have == size) break;                 /* all there */
        req r = {.fd = fd, .have = have, .limit = limit, .mem_cap = 4096, .c = c, .label = label,
                 .total = size, .h = c->h};
        req_reset_headers(&r);
        set_common(c, c->h, cur, hdr, &r, cerr);
        char range[32];
        snprintf(range, sizeof range, "%lld-", have);
        if (have > 0) curl_easy_setopt(c->h, CURLOPT_RANGE, range);
        curl_easy_setopt(c->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c->h, CURLOPT_LOW_SPEED_TIME, c->stall_timeout);
        draw(&r, 0);
        CURLcode e = curl_easy_perform(c->h);
        long status = 0;
        curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
        excerpt(c, r.mem.s, r.mem.len, ex, sizeof ex);
        tc_sb_free(&r.mem);
        if (r.have > best) {
            if (best >= 0) attempt = 0;  /* it advanced: the retries start over */
            best = r.have;
        }
        int again = attempt < RETRIES;
        if (r.too_big) {
            rc = fail(c, TC_EFORMAT, "hub: %s: the server sent more than %lld bytes%s", what, limit,
                      size >= 0 && size <= cap ? ", the size it announced" : ", the size cap of a model file");
            if (ftruncate(fd, 0) != 0) {}
            break;
        }
        if (r.restarted) {
            rc = fail(c, TC_ENET, "hub: %s: %s: the server answered the Range request from "
                      "another offset", what, shown);
            if (again) { attempt++; continue; }
            break;
        }
        if (r.write_err) {
            rc = tc_error(TC_EIO, "hub: %s: writing the download: %s", what, strerror(r.write_err));
            break;
        }
        if (e == CURLE_OK && status == 416 && have > 0) {
            /* our partial file is not a prefix the server knows: start over */
            if (ftruncate(fd, 0) != 0) {}
            rc = fail(c, TC_ENET, "hub: %s: %s: HTTP 416", what, shown);
            if (again) { attempt++; continue; }
            break;
        }
        if (e != CURLE_OK) {
            rc = fail(c, TC_ENET, "hub: %s: %s: %s%s%s", what, shown, curl_easy_strerror(e),
                      cerr[0] ? ": " : "", cerr);
            if (again && transient_curl(e)) { backoff(attempt++, -1); continue; }
            break;
        }
        if (status >= 300 && status < 400) {
            /* the bytes are elsewhere (a CDN's signed URL): followed by
             * hand, so the token goes only where headers_for allows */
            char *loc = NULL;
            curl_easy_getinfo(c->h, CURLINFO_REDIRECT_URL, &loc);
            if (!loc || ++hops > MAX_HOPS) {
                rc = fail(c, TC_ENET, "hub: %s: %s: HTTP %ld %s", what, shown, status,
                          loc ? "again and again (too many redirects)" : "with no Location");
                break;
            }
            char *next = strdup(loc);
            struct curl_slist *h2 = next ? headers_for(c, next) : NULL;
            if (!h2) { free(next); rc = tc_error(TC_ENOMEM, "hub: out of memory"); break; }
            free(cur);
            curl_slist_free_all(hdr);
            cur = next, hdr = h2;
            show_url(cur, shown, sizeof shown);
            continue;
        }
        if (status != 200 && status != 206) {
            rc = fail(c, status == 401 || status == 403 || status == 404 ? TC_ENOTFOUND : TC_ENET,
                      "hub: %s: %s: HTTP %ld%s%s", what, shown, status, ex[0] ? ": " : "", ex);
            if (again && transient_status(status)) { backoff(attempt++, r.hd.retry_after); continue; }
            break;
        }
        if (size >= 0 && r.have < size) {
            /* a clean end before the announced size: cut, like a broken connection */
            rc = fail(c, TC_ENET, "hub: %s: the transfer ended at %lld of %lld bytes", what, r.have, size);
            if (again) { backoff(attempt++, -1); continue; }
            break;
        }
        rc = 0;
        r.total = r.have;
        draw(&r, 1);
        break;
    }
    curl_slist_free_all(hdr);
    free(cur);
    return rc;
}

/* ---------------------------------------------------------------- origins */

typedef struct { char scheme[8], host[256]; long port; } origin;

static int origin_of(const char *url, origin *o) {
    tc_url u;
    if (tc_url_split(url, &u) || u.scheme_len >= sizeof o->scheme || u.host_len == 0 ||
        u.host_len >= sizeof o->host)
        return 0;
    for (size_t i = 0; i < u.scheme_len; i++) o->scheme[i] = (char)tolower((unsigned char)u.scheme[i]);
    o->scheme[u.scheme_len] = 0;
    size_t hl = u.host_len;
    const char *h = u.host, *colon = NULL;
    if (h[0] == '[') {  /* [v6]:port */
        const char *rb = memchr(h, ']', hl);
        if (!rb) return 0;
        if ((size_t)(rb + 1 - h) < hl) colon = rb + 1;
        if (colon && *colon != ':') return 0;
    } else {
        colon = memchr(h, ':', hl);
    }
    size_t name_len = colon ? (size_t)(colon - h) : hl;
    for (size_t i = 0; i < name_len; i++) o->host[i] = (char)tolower((unsigned char)h[i]);
    o->host[name_len] = 0;
    o->port = !strcmp(o->scheme, "https") ? 443 : !strcmp(o->scheme, "http") ? 80 : -1;
    if (colon && (size_t)(colon + 1 - h) < hl) {
        char digits[8];
        size_t dl = hl - (size_t)(colon + 1 - h);
        if (dl >= sizeof digits) return 0;
        memcpy(digits, colon + 1, dl);
        digits[dl] = 0;
        char *end;
        o->port = strtol(digits, &end, 10);
        if (*end) return 0;
    }
    return 1;
}

int tc_hub_same_origin(const char *a, const char *b) {
    origin x, y;
    return origin_of(a, &x) && origin_of(b, &y) && !strcmp(x.scheme, y.scheme) &&
           !strcmp(x.host, y.host) && x.port == y.port;
}

/* ---------------------------------------------------------------- requests with a body */

/* A file body, read as curl sends it. */
typedef struct {
    const tc_hub_body *b;
    long long sent;
    int read_err;
    req *r;                  /* its progress bar */
} upload_src;

static size_t on_read(char *buf, size_t sz, size_t nm, void *ctx) {
    upload_src *u = ctx;
    long long left = u->b->size - u->sent;
    size_t n = sz * nm;
    if ((long long)n > left) n = (size_t)left;
    if (n == 0) return 0;
    ssize_t got;
    do got = pread(u->b->fd, buf, n, (off_t)(u->b->off + u->sent));
    while (got < 0 && errno == EINTR);
    if (got <= 0) {  /* 0: the file shrank under us; the server would wait for the rest */
        u->read_err = got < 0 ? errno : EIO;
        return CURL_READFUNC_ABORT;
    }
    u->sent += got;
    u->r->have = u->sent;
    draw(u->r, 0);
    return (size_t)got;
}

/* curl rewinds the body when it must send it again on one connection */
static int on_seek(void *ctx, curl_off_t off, int origin) {
    upload_src *u = ctx;
    if (origin != SEEK_SET || off < 0 || off > u->b->size) return CURL_SEEKFUNC_CANTSEEK;
    u->sent = off;
    return CURL_SEEKFUNC_OK;
}

void tc_hub_answer_free(tc_hub_answer *a) {
    if (!a) return;
    free(a->body);
    a->body = NULL;
    a->len = 0;
}

int tc_hub_send(tc_hub_client *c, const char *method, const char *url, const char *const *extra,
                const tc_hub_body *body, int idempotent, size_t cap, const char *what,
                tc_hub_answer *ans) {
    memset(ans, 0, sizeof *ans);
    tc_hub_headers_reset(&ans->hd);
    char *cur = strdup(url);
    if (!cur) return tc_error(TC_ENOMEM, "hub: out of memory");
    char shown[512], cerr[CURL_ERROR_SIZE];
    long stall = c->stall_timeout > SEND_STALL_MIN ? c->stall_timeout : SEND_STALL_MIN;
    int from_file = body && body->fd >= 0, rc = 0;
    for (int attempt = 0, hops = 0;;) {
        show_url(cur, shown, sizeof shown);
        struct curl_slist *hdr = headers_for(c, cur);
        for (size_t i = 0; hdr && extra && extra[i]; i++) {
            struct curl_slist *h2 = curl_slist_append(hdr, extra[i]);
            if (!h2) curl_slist_free_all(hdr);
            hdr = h2;
        }
        /* no 100-continue round trip: the hub and S3 take the body at once */
        struct curl_slist *h2 = hdr && body ? curl_slist_append(hdr, "Expect:") : hdr;
        if (!h2) curl_slist_free_all(hdr);
        if (!(hdr = h2)) { rc = tc_error(TC_ENOMEM, "hub: out of memory"); break; }
        req r = {.fd = -1, .mem_cap = cap, .c = c, .h = c->h, .label = body ? body->label : NULL,
                 .total = from_file ? body->size : -1};
        req_reset_headers(&r);
        upload_src u = {.b = body, .r = &r};
        set_common(c, c->h, cur, hdr, &r, cerr);
        if (from_file) {
            curl_easy_setopt(c->h, CURLOPT_UPLOAD, 1L);
            curl_easy_setopt(c->h, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(c->h, CURLOPT_READDATA, &u);
            curl_easy_setopt(c->h, CURLOPT_SEEKFUNCTION, on_seek);
            curl_easy_setopt(c->h, CURLOPT_SEEKDATA, &u);
            curl_easy_setopt(c->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body->size);
            if (strcmp(method, "PUT")) curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
        } else if (body || !strcmp(method, "POST")) {
            curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body ? body->data : "");
            curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body->len : 0));
            if (strcmp(method, "POST")) curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
        } else if (strcmp(method, "GET")) {
            curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
        }
        curl_easy_setopt(c->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c->h, CURLOPT_LOW_SPEED_TIME, stall);
        draw(&r, 0);
        CURLcode e = curl_easy_perform(c->h);
        curl_slist_free_all(hdr);
        long status = 0;
        curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
        int again = attempt < RETRIES;
        if (r.too_big) {
            rc = fail(c, TC_EFORMAT, "hub: %s: %s: the answer is over %zu bytes", what, shown, cap);
        } else if (u.read_err) {
            rc = tc_error(TC_EIO, "hub: %s: reading the file: %s", what,
                          u.read_err == EIO ? "it got shorter while it was sent" : strerror(u.read_err));
        } else if (e != CURLE_OK) {
            rc = fail(c, TC_ENET, "hub: %s: %s %s: %s%s%s", what, method, shown, curl_easy_strerror(e),
                      cerr[0] ? ": " : "", cerr);
            /* a connection never made sent nothing, so even a commit may try again */
            if (again && transient_curl(e) && (idempotent || e == CURLE_COULDNT_CONNECT)) {
                tc_sb_free(&r.mem);
                backoff(attempt++, -1);
                continue;
            }
        } else if ((status == 307 || status == 308) && hops < MAX_HOPS) {
            char *loc = NULL;
            curl_easy_getinfo(c->h, CURLINFO_REDIRECT_URL, &loc);
            char *next = loc && tc_hub_same_origin(loc, cur) ? strdup(loc) : NULL;
            tc_sb_free(&r.mem);
            if (!next) {
                rc = fail(c, TC_ENET, "hub: %s: %s %s: HTTP %ld to %s", what, method, shown, status,
                          loc ? "another host" : "nowhere (no Location)");
                break;
            }
            free(cur);
            cur = next;
            hops++;
            continue;
        } else if (transient_status(status) && again && (idempotent || status == 429)) {
            tc_sb_free(&r.mem);
            backoff(attempt++, status == 429 ? r.hd.retry_after : -1);
            continue;
        } else {
            if (r.label) { r.total = r.have; draw(&r, 1); }
            ans->status = status;
            ans->hd = r.hd;
            ans->len = r.mem.len;
            ans->body = r.mem.s ? r.mem.s : strdup("");
            r.mem.s = NULL;
            if (!ans->body) { rc = tc_error(TC_ENOMEM, "hub: out of memory"); break; }
            if (status < 200 || status > 299) excerpt(c, ans->body, ans->len, ans->error, sizeof ans->error);
            rc = 0;
            break;
        }
        tc_sb_free(&r.mem);
        break;
    }
    free(cur);
    return rc;
}
