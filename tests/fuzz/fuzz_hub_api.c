/* fuzz_hub_api.c - the parsers of what the hub sends before any file
 * (src/io/hub.c): the /api/models/ORG/NAME/revision/REV answer and a
 * repository's modules.json, each on the same bytes. What they return is
 * checked against their contracts: a lower-case 40-digit sha, only safe
 * relative paths (a name from the hub becomes a path in the cache), lists
 * that end in NULL, nothing returned on failure. */
#include "fuzz.h"
#include "io/hub.h"

static void check_list(char **l, size_t n_expected, int check_n) {
    size_t n = 0;
    for (; l[n]; n++)
        if (!tc_hub_safe_path(l[n])) abort();
    if (check_n && n != n_expected) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    const char *body = (const char *)data;
    char sha[41], **files = (char **)1;
    size_t n = 0;
    int rc = tc_hub_parse_api(body, size, sha, &files, &n);
    if (rc == 0) {
        if (!files || strlen(sha) != 40 || strspn(sha, "0123456789abcdef") != 40) abort();
        check_list(files, n, 1);
        tc_hub_list_free(files);
    } else if (files || (rc != TC_EFORMAT && rc != TC_ENOMEM)) {
        abort();
    }
    char **all = (char **)1, **need = (char **)1;
    rc = tc_hub_parse_modules(body, size, &all, &need);
    if (rc == 0) {
        if (!all || !need) abort();
        check_list(all, 0, 0);
        check_list(need, 0, 0);
        for (char **q = all; *q; q++) {
            size_t l = strlen(*q);
            if (l < 12 || strcmp(*q + l - 12, "/config.json")) abort();
        }
        for (char **q = need; *q; q++) {  /* need is a part of all */
            int found = 0;
            for (char **p = all; *p && !found; p++) found = !strcmp(*p, *q);
            if (!found) abort();
        }
        tc_hub_list_free(all);
        tc_hub_list_free(need);
    } else if (all || need) {
        abort();
    }
    return 0;
}
