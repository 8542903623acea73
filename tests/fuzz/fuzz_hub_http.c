/* fuzz_hub_http.c - what the hub client reads from HTTP answers besides the
 * model info (src/io/hub_http.c): header lines (ETag, X-Linked-Etag,
 * X-Repo-Commit, sizes, Content-Range), the ETag turned into a blob file
 * name, and the origin comparison that decides where the token may go
 * (a Location against the endpoint). The input is a header block, one
 * line per '\n'; its first two lines also serve as the two URLs, and the
 * first as a model id. Contracts checked: values stay within their
 * buffers, a blob name is a safe file name, the origin test is symmetric. */
#include "fuzz.h"
#include "io/hub_http.h"

static void check_name(const char *raw) {
    char out[129];
    if (!tc_hub_etag_name(raw, out, sizeof out)) return;
    size_t n = strlen(out);
    if (n == 0 || n >= sizeof out || out[0] == '.') abort();
    if (n >= 11 && !strcmp(out + n - 11, ".incomplete")) abort();
    for (size_t i = 0; i < n; i++)
        if (!(out[i] == '-' || out[i] == '_' || out[i] == '.' || (out[i] >= '0' && out[i] <= '9') ||
              (out[i] >= 'a' && out[i] <= 'z') || (out[i] >= 'A' && out[i] <= 'Z')))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    tc_hub_headers h;
    tc_hub_headers_reset(&h);
    const char *p = (const char *)data, *end = p + size;
    char *url[2] = {NULL, NULL};
    for (int k = 0; p < end; k++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        char *line = malloc(n);  /* exact size: ASan sees a read past the line */
        memcpy(line, p, n);
        tc_hub_header_line(&h, line, n);
        if (k < 2) url[k] = strndup(line, n - (nl != NULL));
        free(line);
        p += n;
    }
    if (strnlen(h.etag, sizeof h.etag) >= sizeof h.etag ||
        strnlen(h.linked_etag, sizeof h.linked_etag) >= sizeof h.linked_etag ||
        strnlen(h.commit, sizeof h.commit) >= sizeof h.commit || h.linked_size < -1 ||
        h.content_length < -1 || h.range_start < -1)
        abort();
    check_name(h.etag);
    check_name(h.linked_etag);
    const char *a = url[0] ? url[0] : "", *b = url[1] ? url[1] : "";
    if (tc_hub_same_origin(a, b) != tc_hub_same_origin(b, a)) abort();
    tc_hub_same_origin(a, a);
    tc_hub_is_id(a);
    tc_hub_safe_path(a);
    free(url[0]);
    free(url[1]);
    return 0;
}
