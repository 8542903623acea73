/* hub.h - Hugging Face hub ids resolved to model folders in the standard
 * Hugging Face cache, the one huggingface_hub (Python) reads and writes:
 *
 *   $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else
 *   $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub
 *     models--ORG--NAME/
 *       refs/<revision>            the commit sha the revision pointed to
 *       blobs/<etag>               file contents, named by the hub's ETag
 *                                  (git blob sha1, or sha256 for LFS files)
 *       blobs/<etag>.incomplete    a download under way, resumed with Range
 *       snapshots/<sha>/<path>     relative symlinks into ../blobs/
 *
 * Files missing from the cache are fetched with libcurl from $HF_ENDPOINT
 * (default https://huggingface.co): GET /api/models/ORG/NAME/revision/REV
 * for the commit and the file list, then /ORG/NAME/resolve/<sha>/<path>
 * per file. The token ($HF_TOKEN, else the file $HF_TOKEN_PATH, else
 * $HF_HOME/token) goes only to the endpoint's own host, never into a
 * message. Environment: HF_HUB_OFFLINE=1 (no network), HF_HUB_ETAG_TIMEOUT
 * (seconds for metadata requests, 10), HF_HUB_DOWNLOAD_TIMEOUT (seconds a
 * download may stall, 10). */
#ifndef TC_HUB_H
#define TC_HUB_H

#include <stddef.h>
#include <stdint.h>

enum { TC_HUB_MODEL = 0, TC_HUB_DATASET = 1 };  /* repository types */

/* Is s a hub model id: ORG/NAME or NAME, optional @REVISION (no path that
 * exists locally is passed here; the caller checks folders first). The
 * rules are huggingface_hub's: names of [A-Za-z0-9_.-] that start and end
 * with a letter, digit or _, at most 96 bytes, no "--" or "..", no ".git"
 * at the end; a revision of [A-Za-z0-9_.-/] with no ".." and no leading or
 * trailing '/'. Built-in encoder names ("hashing", "use-lite") are ids by
 * these rules too: match them first. */
int tc_hub_is_id(const char *s);

/* Resolves id[@rev] to the snapshot folder in the cache (writes it to dir,
 * cap bytes). Files the BERT encoder needs that are missing are downloaded
 * unless offline (HF_HUB_OFFLINE=1 or allow_download 0): then a missing
 * model is TC_ENOTFOUND with a message saying where it looked and how to
 * fetch it. A snapshot that already holds them is used with no request,
 * online or not. progress: draw a byte progress bar per file on stderr
 * when 1. Returns 0, or TC_EINVAL (not an id), TC_ENOTFOUND (not on the
 * hub, or not a safetensors model), TC_ENET (the network failed for good),
 * TC_EFORMAT (the hub's answer or a file's bytes are not what it said),
 * TC_EIO (the cache could not be written). Threads and processes may
 * resolve at once on one cache: each blob is downloaded under
 * huggingface_hub's lock file (.locks/<repo>/<etag>.lock, flock). */
int tc_hub_resolve(const char *id, int allow_download, int progress, char *dir, size_t cap);

/* ---------------------------------------------------------------- internal (tests, fuzzing) */

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

void tc_hub_list_free(char **list);

/* SHA-256 (sha256.c), streamed. */
typedef struct {
    uint32_t h[8];
    uint64_t n;             /* bytes hashed */
    unsigned char buf[64];
    size_t fill;
} tc_sha256;
void tc_sha256_init(tc_sha256 *s);
void tc_sha256_update(tc_sha256 *s, const void *data, size_t len);
/* Finishes s and writes 64 lower-case hex digits and a NUL. */
void tc_sha256_hex(tc_sha256 *s, char hex[65]);

/* The Hugging Face token as huggingface_hub finds it: $HF_TOKEN, the legacy
 * $HUGGING_FACE_HUB_TOKEN, then the file $HF_TOKEN_PATH or $HF_HOME/token
 * (HF_HOME defaulting as the cache does); none under
 * HF_HUB_DISABLE_IMPLICIT_TOKEN. malloc'd; NULL when there is none. */
char *tc_hub_token(void);

#endif
