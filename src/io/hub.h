/* hub.h - Hugging Face hub ids resolved to model folders and dataset files
 * in the standard Hugging Face cache, the one huggingface_hub (Python)
 * reads and writes:
 *
 *   $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else
 *   $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub
 *     models--ORG--NAME/ (datasets--ORG--NAME/ for a dataset, the same inside)
 *       refs/<revision>            the commit sha the revision pointed to
 *       blobs/<etag>               file contents, named by the hub's ETag
 *                                  (git blob sha1, or sha256 for LFS files)
 *       blobs/<etag>.incomplete    a download under way, resumed with Range
 *       snapshots/<sha>/<path>     relative symlinks into ../blobs/
 *
 * Files missing from the cache are fetched with libcurl from $HF_ENDPOINT
 * (default https://huggingface.co): GET /api/models/ORG/NAME/revision/REV
 * for the commit and the file list, then /ORG/NAME/resolve/<sha>/<path>
 * per file (/api/datasets/... and /datasets/ORG/NAME/resolve/... for a
 * dataset). The token ($HF_TOKEN, else the file $HF_TOKEN_PATH, else
 * $HF_HOME/token) goes only to the endpoint's own host, never into a
 * message. Environment: HF_HUB_OFFLINE=1 (no network), HF_HUB_ETAG_TIMEOUT
 * (seconds for metadata requests, 10), HF_HUB_DOWNLOAD_TIMEOUT (seconds a
 * download may stall, 10). */
#ifndef TC_HUB_H
#define TC_HUB_H

#include "textclust.h"

#include <stddef.h>
#include <stdint.h>

enum { TC_HUB_MODEL = 0, TC_HUB_DATASET = 1 };  /* repository types */

/* tc_hub_is_id, tc_hub_resolve, tc_hub_dataset_files, tc_hub_push,
 * tc_hub_token, tc_hub_list_free and SHA-256 are public:
 * include/textclust.h. */

/* ---------------------------------------------------------------- pushes (hub_upload.c) */

/* ---------------------------------------------------------------- internal (tests, fuzzing) */

/* RFC 4648 base64 of n bytes into out (4 * ceil(n / 3) bytes and a NUL);
 * returns the characters written. */
size_t tc_base64_encode(const void *in, size_t n, char *out);

/* One line of a commit after the header: an LFS file (sha256 and size)
 * or a regular one (its bytes, sent as base64). */
typedef struct {
    const char *path_in_repo;
    int lfs;
    const char *sha256;         /* lfs: 64 lower-case hex digits */
    long long size;             /* lfs: bytes */
    const void *data;           /* regular: the content */
    size_t len;
} tc_hub_commit_op;

/* The commit body as NDJSON, one JSON object a line (huggingface_hub's
 * _prepare_commit_payload): {"key": "header", "value": {"summary",
 * "description"}}, then {"key": "lfsFile", "value": {"path", "algo":
 * "sha256", "oid", "size"}} or {"key": "file", "value": {"content",
 * "path", "encoding": "base64"}} per op. malloc'd into *out (*len bytes);
 * TC_ENOMEM. */
int tc_hub_commit_ndjson(const char *summary, const tc_hub_commit_op *ops, size_t n, char **out,
                         size_t *len);

/* Upload mode of one file in the answer of /preupload. */
typedef struct {
    int lfs;                    /* uploadMode "lfs" (1) or "regular" (0) */
    int ignore;                 /* shouldIgnore: the repository's .gitignore drops it */
    char oid[65];               /* the content the repository holds at that path (its "oid"), "" none */
} tc_hub_upload_mode;

/* {"files": [{"path", "uploadMode", "shouldIgnore", "oid"}, ...]} (len
 * bytes, any bytes): fills modes[i] for each paths[i] (n of them).
 * TC_EFORMAT (message set) when the answer is not JSON of that shape or a
 * path is missing from it. */
int tc_hub_parse_preupload(const char *body, size_t len, const char *const *paths, size_t n,
                           tc_hub_upload_mode *modes);

/* What the LFS batch API says to do with one object. */
typedef struct {
    int present;                /* no "actions": the hub has the object; nothing to send */
    char *href;                 /* upload: PUT target (basic), or the completion URL (multipart) */
    char **headers;             /* basic: "Name: value" lines for the PUT; NULL-terminated */
    long long chunk_size;       /* multipart: bytes per part; -1 basic */
    char **parts;               /* multipart: part URLs in part order, NULL-terminated; NULL basic */
    size_t n_parts;
    char *verify_href;          /* POST {"oid", "size"} here after the upload; NULL none */
    char **verify_headers;      /* NULL-terminated */
} tc_hub_lfs_action;

/* Finds the object oid (size bytes) in a batch answer {"objects": [{"oid",
 * "size", "actions": {"upload": {"href", "header"}, "verify": {...}}} or
 * {"oid", "size", "error": {"code", "message"}}]} (len bytes, any bytes)
 * and fills *a (free with tc_hub_lfs_action_free, also after an error).
 * Header names must be HTTP tokens and values free of control bytes;
 * hrefs http:// or https://; a multipart upload has ceil(size /
 * chunk_size) parts. TC_EFORMAT with the message set otherwise, TC_ENET
 * with the hub's message for an object error. */
int tc_hub_parse_lfs_batch(const char *body, size_t len, const char *oid, long long size,
                           tc_hub_lfs_action *a);
void tc_hub_lfs_action_free(tc_hub_lfs_action *a);
/* ---------------------------------------------------------------- datasets */

/* ---------------------------------------------------------------- internal (tests, fuzzing) */

/* The hub's Parquet listing of one config and split (len bytes): a JSON
 * list of URL strings. 0 with *urls (NULL-terminated, tc_hub_list_free)
 * and *n; TC_EFORMAT (nothing returned) when it is not a list of strings
 * without blanks, of at most 4096 bytes each and 100000 in all. */
int tc_hub_parse_parquet_list(const char *body, size_t len, char ***urls, size_t *n);

/* The listing of every config: {"CONFIG": {"SPLIT": [urls]}}. 0 with
 * *pairs: "CONFIG/SPLIT" for each (at most 1000), else TC_EFORMAT. */
int tc_hub_parse_parquet_index(const char *body, size_t len, char ***pairs);

/* What a listing URL names: 1 with *index N for ".../api/datasets/ID/
 * parquet/CONFIG/SPLIT/N.parquet"; 2 with path (cap bytes, percent-decoded,
 * a safe path) for ".../datasets/ID/resolve/REV/PATH"; 0 otherwise. */
int tc_hub_listing_url(const char *url, const char *id, long *index, char *path, size_t cap);

/* The files of split among files (a repository's, NULL-terminated), by the
 * `datasets` library's default patterns (hub_split.c), under the folder
 * config unless it is NULL or "default": 0 with *out (NULL-terminated, in
 * the order of files; empty when the split has none) and found (cap bytes)
 * the splits the deciding pattern sees, ", "-separated. */
int tc_hub_split_files(char *const *files, const char *config, const char *split, char ***out,
                       char *found, size_t cap);

/* 1 for a .parquet name, 2 for one the text readers take (.jsonl, .json,
 * .ndjson, .csv, .tsv, .txt, each optionally .gz), else 0. */
int tc_hub_data_kind(const char *name);


/* The answer of /api/models/ORG/NAME/revision/REV (len bytes, NUL bytes
 * allowed): {"sha": "<40 hex>", "siblings": [{"rfilename": "..."}, ...]}.
 * Returns 0 with sha (lower-case) and *files: the rfilenames, malloc'd,
 * NULL-terminated (free with tc_hub_list_free); *n_files of them. Only
 * names that are safe relative paths are kept. TC_EFORMAT with *files NULL
 * and the message set otherwise. */
int tc_hub_parse_api(const char *body, size_t len, char sha[41], char ***files, size_t *n_files);

/* sentence-transformers' modules.json (len bytes): [{"path": "1_Pooling",
 * "type": "...Pooling"}, ...]. Returns 0 with *paths: each non-empty
 * module path that is a safe relative folder, as "<path>/config.json", and
 * in *need a copy of those whose module type ends in "Pooling" (the ones
 * the encoder cannot do without); both NULL-terminated lists as above
 * (need may be NULL). TC_EFORMAT otherwise. */
int tc_hub_parse_modules(const char *body, size_t len, char ***paths, char ***need);

/* A relative path of [A-Za-z0-9_.-] components, none of them "." or ".."
 * or starting with '.', at most 255 bytes. */
int tc_hub_safe_path(const char *s);




#endif
