/* hub_http.h - the hub's HTTP requests (hub_http.c) and the environment
 * helpers they share with hub.c; internal to src/io. */
#ifndef TC_HUB_HTTP_H
#define TC_HUB_HTTP_H

#include "io/hub.h"

typedef struct tc_hub_client tc_hub_client;

/* A client for $HF_ENDPOINT with the token found as hub.h says; progress:
 * draw download bars on stderr. Free with tc_hub_client_free (NULL ok). */
int tc_hub_client_open(int progress, tc_hub_client **out);
void tc_hub_client_free(tc_hub_client *c);
/* The endpoint, no trailing '/' (valid while c lives). */
const char *tc_hub_client_endpoint(const tc_hub_client *c);
/* 1 when the client found a token to send. */
int tc_hub_client_has_token(const tc_hub_client *c);

/* GET url: the 200 answer's body (malloc'd, NUL-terminated, len bytes),
 * at most cap bytes. what names the request in messages. 401/403/404 are
 * TC_ENOTFOUND (with a word on tokens), other failures TC_ENET after the
 * retries. status (may be NULL): the last HTTP status, 0 when none came. */
int tc_hub_get_json(tc_hub_client *c, const char *url, size_t cap, const char *what, char **body,
                    size_t *len, long *status);

/* What a HEAD of /ORG/NAME/resolve/REV/FILE says about the file. */
typedef struct {
    char etag[129];      /* X-Linked-Etag, else ETag; W/ and quotes dropped; a safe file name */
    char commit[64];     /* X-Repo-Commit ("" when absent) */
    long long size;      /* X-Linked-Size, else Content-Length; -1 unknown */
    char *url;           /* where the bytes are (the LFS redirect's target); malloc'd */
} tc_hub_meta;

/* Follows redirects on the hub's own host (renamed repositories) and stops
 * at an LFS pointer or another host. Free m->url. */
int tc_hub_head(tc_hub_client *c, const char *url, const char *what, tc_hub_meta *m);

/* Downloads url into the open file fd (O_RDWR), resuming after the bytes
 * it holds with a Range request; size: the expected length (-1 unknown),
 * cap: the most bytes accepted. Returns 0 when fd holds the whole answer
 * (size bytes when known); the caller verifies and renames. what names
 * the file in messages ("ORG/NAME: FILE"), label on the progress bar. */
int tc_hub_download(tc_hub_client *c, const char *url, int fd, long long size, long long cap,
                    const char *what, const char *label);

/* ---------------------------------------------------------------- pure parsers (fuzzed) */

/* What a response's headers say, as far as the cache needs it. */
typedef struct {
    char etag[256], linked_etag[256], commit[64];  /* trimmed values; "" absent or too long */
    long long linked_size, content_length;        /* X-Linked-Size, Content-Length; -1 absent or bad */
    long long range_start;                        /* START of "Content-Range: bytes START-..."; -1 */
    long long retry_after;                        /* Retry-After in seconds; -1 absent or a date */
} tc_hub_headers;

void tc_hub_headers_reset(tc_hub_headers *h);
/* One header line as libcurl hands it (n bytes, "\r\n" included or not,
 * any bytes); a status line ("HTTP/...") starts a new response. */
void tc_hub_header_line(tc_hub_headers *h, const char *line, size_t n);

/* An ETag as a blob name: W/ and quotes dropped (huggingface_hub's
 * _normalize_etag). 1 with out set (cap bytes) when what is left is a safe
 * file name ([A-Za-z0-9._-], not starting with '.', not ending in
 * ".incomplete"), else 0. */
int tc_hub_etag_name(const char *raw, char *out, size_t cap);

/* 1 when a and b have the same scheme, host and port (default ports
 * filled in), case aside. */
int tc_hub_same_origin(const char *a, const char *b);

/* ---------------------------------------------------------------- requests with a body */

/* A request body: len bytes at data, or (fd >= 0) size bytes of the open
 * file fd from offset off, read as they are sent (never all in memory).
 * label: draw a byte progress bar with this name (NULL: none). */
typedef struct {
    const char *data;
    size_t len;
    int fd;
    long long off, size;
    const char *label;
} tc_hub_body;

/* What came back: the last answer's status and headers, and its body
 * (malloc'd, NUL-terminated, len bytes; free it with tc_hub_answer_free).
 * error: the server's own words when the status is not 2xx ({"error":
 * ...} or the first bytes, secrets masked, one line), else "". */
typedef struct {
    long status;
    tc_hub_headers hd;
    char *body;
    size_t len;
    char error[256];
} tc_hub_answer;

void tc_hub_answer_free(tc_hub_answer *a);

/* Sends method to url: "POST" with body->data, "PUT" with body->fd, or
 * any method with body NULL. hdr: extra header lines ("Name: value",
 * NULL-terminated, or NULL); the token is added only for the endpoint's
 * origin. At most cap bytes of the answer's body are kept. Connection
 * failures, 408, 429 (after its Retry-After, capped) and 5xx are retried
 * when idempotent is 1; a request that must not be made twice (a commit)
 * retries only 429 and connections that were never made. A 307/308 to
 * the same origin is followed with method and body. Returns 0 with *ans
 * set for any HTTP answer (the caller judges its status), TC_ENET when
 * none came after the retries, TC_EFORMAT when the body is over cap. what
 * names the request in messages. */
int tc_hub_send(tc_hub_client *c, const char *method, const char *url, const char *const *hdr,
                const tc_hub_body *body, int idempotent, size_t cap, const char *what,
                tc_hub_answer *ans);

/* ---------------------------------------------------------------- hub.c */
/* ---------------------------------------------------------------- hub.c: repositories */

/* One repository at one revision in the cache, as the model and the
 * dataset resolvers share it. */
typedef struct {
    int type;             /* TC_HUB_MODEL or TC_HUB_DATASET */
    char id[200];         /* ORG/NAME or NAME */
    char folder[220];     /* models--ORG--NAME or datasets--ORG--NAME */
    char rev[256];        /* as asked: main, a branch, refs/convert/parquet, a commit */
    char root[4096];      /* the cache */
    char dir[4096];       /* root/folder */
    char snap[4096];      /* dir/snapshots/<sha>; "" until sha is known */
    char sha[41];         /* the commit; "" unknown */
    tc_hub_client *c;     /* NULL until something is asked of the hub (borrowed) */
} tc_hub_repo;

/* Parses id (ORG/NAME or NAME, optionally @REV) of a repository of type
 * and finds the cache; reads refs/<rev> (sha and snap stay "" when the
 * cache has none). TC_EINVAL when id is not an id. */
int tc_hub_repo_init(tc_hub_repo *r, int type, const char *id);
/* The same repository at another revision (the ref read again). */
int tc_hub_repo_set_rev(tc_hub_repo *r, const char *rev);
/* GET /api/{models,datasets}/ID/revision/REV: sets sha and snap, writes
 * refs/<rev> (not for a commit), returns the repository's safe file names
 * (NULL-terminated, tc_hub_list_free). Needs r->c. */
int tc_hub_repo_info(tc_hub_repo *r, char ***files, size_t *n_files);
/* file of the commit r->sha into the snapshot (HEAD, blob, link), under
 * the blob's lock; cap: the most bytes accepted. Needs r->c. */
int tc_hub_repo_fetch(tc_hub_repo *r, const char *file, long long cap);
/* r->rev quoted for a URL path segment ('/' as %2F), into out. */
void tc_hub_repo_quote(const char *s, char *out, size_t cap);
/* A growing NULL-terminated list of strings; oom sticks. take hands the
 * list over (an empty one when nothing was added), or frees it and fails. */
typedef struct { char **v; size_t n, cap; int oom; } tc_hub_strs;
void tc_hub_strs_add(tc_hub_strs *l, const char *s);
void tc_hub_strs_free(tc_hub_strs *l);
int tc_hub_strs_take(tc_hub_strs *l, char ***out);
/* mkdir -p (path's folders, and path itself when last). */
int tc_hub_make_dirs(const char *path, int last);

/* ---------------------------------------------------------------- hub.c: environment */

/* HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) is true. */
int tc_hub_offline(void);
/* huggingface_hub's true values: 1, ON, YES, TRUE, any case (NULL: 0). */
int tc_hub_env_true(const char *v);
/* s with a leading "~/" (or "~") replaced by $HOME and suffix appended,
 * into out (cap bytes); TC_EINVAL when it does not fit or ~ has no HOME. */
int tc_hub_expand(const char *s, const char *suffix, char *out, size_t cap);
/* $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface. */
int tc_hub_home(char *out, size_t cap);

#endif
