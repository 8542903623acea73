/* fuzz_hub_listing.c - what the hub says about a dataset before any of its
 * files (src/io/hub_split.c): the Parquet listing of a split, the index of
 * every config and split, each listed URL's form, and the split picked
 * from a file list (the listing's strings stand in for a repository's
 * files, and the input's first bytes pick the config and split). Checked
 * against the contracts: NULL-terminated lists, nothing returned on
 * failure, an index in range, only safe paths out of a URL, and split
 * files that are a part of the input list, in its order. */
#include "fuzz.h"
#include "io/hub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    const char *body = (const char *)data;
    char **urls = (char **)1, **pairs = (char **)1;
    size_t n = 0;
    int rc = tc_hub_parse_parquet_list(body, size, &urls, &n);
    if (rc == 0) {
        size_t k = 0;
        for (; urls[k]; k++) {
            long idx;
            char path[256];
            int kind = tc_hub_listing_url(urls[k], "org/name", &idx, path, sizeof path);
            if (kind == 1 && (idx < 0 || idx > 100000000)) abort();
            if (kind == 2 && !tc_hub_safe_path(path)) abort();
            if (kind == 0 && idx != -1) abort();
        }
        if (k != n) abort();
        static const char *const configs[] = {NULL, "default", "en", "data"};
        static const char *const splits[] = {"train", "test", "validation", "random"};
        char found[512], **out = NULL;
        if (tc_hub_split_files(urls, configs[size % 4], splits[(size / 4) % 4], &out, found, sizeof found) == 0) {
            size_t at = 0;
            for (char **o = out; *o; o++) {  /* a subsequence of urls */
                while (at < n && urls[at] != *o && strcmp(urls[at], *o)) at++;
                if (at == n) abort();
                at++;
            }
            tc_hub_list_free(out);
        } else if (out) {
            abort();
        }
        tc_hub_list_free(urls);
    } else if (urls || (rc != TC_EFORMAT && rc != TC_ENOMEM)) {
        abort();
    }
    rc = tc_hub_parse_parquet_index(body, size, &pairs);
    if (rc == 0) {
        size_t k = 0;
        for (; pairs[k]; k++)
            if (!strchr(pairs[k], '/')) abort();
        if (k > 1000) abort();
        tc_hub_list_free(pairs);
    } else if (pairs) {
        abort();
    }
    return 0;
}
