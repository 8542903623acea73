/* fuzz_hub_upload.c - the parsers of what the hub answers a push
 * (src/io/hub_upload_json.c): the /preupload answer and the Git LFS batch
 * answer, each on the same bytes. What they return is checked against
 * their contracts: modes of 0 or 1 and an oid of 64 lower-case hex digits
 * or none; for an upload action, http(s) hrefs, header lines "Name: value"
 * with no control bytes (they become request headers), and for multipart
 * exactly ceil(size / chunk_size) part URLs, none missing. */
#include "fuzz.h"
#include "io/hub.h"

#define OID "5aa3b56b0c5d196d1ec408ed47ec61751fb743f9e4d1cb68adaa8e63f4e7671a"

static int is_href(const char *s) {
    return s && (!strncmp(s, "https://", 8) || !strncmp(s, "http://", 7)) && !strpbrk(s, " \r\n\t");
}

static void check_lines(char **l) {
    if (!l) abort();
    for (; *l; l++) {
        const char *colon = strstr(*l, ": ");
        if (!colon || colon == *l) abort();
        for (const char *p = *l; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    const char *body = (const char *)data;
    const char *paths[] = {"data/train-00000-of-00001.parquet", "README.md"};
    tc_hub_upload_mode m[2];
    if (tc_hub_parse_preupload(body, size, paths, 2, m) == 0) {
        for (int i = 0; i < 2; i++) {
            if ((m[i].lfs != 0 && m[i].lfs != 1) || (m[i].ignore != 0 && m[i].ignore != 1)) abort();
            size_t n = strlen(m[i].oid);
            if ((n != 0 && n != 64) || strspn(m[i].oid, "0123456789abcdef") != n) abort();
        }
    }
    static const long long sizes[] = {10, 25, 113277};
    for (int k = 0; k < 3; k++) {
        tc_hub_lfs_action a;
        int rc = tc_hub_parse_lfs_batch(body, size, OID, sizes[k], &a);
        if (rc == 0 && !a.present) {
            if (!is_href(a.href)) abort();
            if (a.parts) {
                if (a.chunk_size < 1 || a.headers) abort();
                long long want = sizes[k] / a.chunk_size + (sizes[k] % a.chunk_size != 0);
                if ((long long)a.n_parts != want || a.parts[a.n_parts]) abort();
                for (size_t i = 0; i < a.n_parts; i++)
                    if (!is_href(a.parts[i])) abort();
            } else {
                if (a.chunk_size != -1) abort();
                check_lines(a.headers);
            }
            if (a.verify_href) {
                if (!is_href(a.verify_href)) abort();
                check_lines(a.verify_headers);
            }
        } else if (rc == 0 && (a.href || a.parts || a.headers)) {
            abort();
        } else if (rc != 0 && rc != TC_EFORMAT && rc != TC_ENET && rc != TC_ENOMEM) {
            abort();
        }
        tc_hub_lfs_action_free(&a);
    }
    return 0;
}
