/* test_hub.c - the pure parts of the hub client: SHA-256 against the FIPS
 * 180-4 example vectors (and streamed in odd pieces), hub ids against
 * huggingface_hub's validate_repo_id rules, the model info and
 * modules.json parsers, the header lines, ETags as blob names, and the
 * origin test that keeps the token at home. The network side is
 * tests/hub_test.sh. */
#include "check.h"
#include "io/hub.h"
#include "io/hub_http.h"
#include "textclust.h"

#include <stdlib.h>
#include <string.h>

static void sha_of(const char *s, size_t n, size_t piece, char hex[65]) {
    tc_sha256 h;
    tc_sha256_init(&h);
    for (size_t i = 0; i < n; i += piece) tc_sha256_update(&h, s + i, n - i < piece ? n - i : piece);
    tc_sha256_hex(&h, hex);
}

static void test_sha256(void) {
    char hex[65];
    sha_of("", 0, 1, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha_of("abc", 3, 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";  /* 56 bytes: a second pad block */
    for (size_t piece = 1; piece <= 64; piece += 7) {
        sha_of(two, strlen(two), piece, hex);
        CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    }
    /* lengths at the padding's edges; digests from Python's hashlib */
    static const struct { size_t n; const char *hex; } edge[] = {
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
    };
    char as[65];
    memset(as, 'a', sizeof as);
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++) {
        sha_of(as, edge[i].n, 10, hex);
        CHECK_MSG(!strcmp(hex, edge[i].hex), "%zu bytes: %s", edge[i].n, hex);
    }
    size_t n = 1000000;
    char *a = malloc(n);
    memset(a, 'a', n);
    sha_of(a, n, 4093, hex);
    CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

static void test_ids(void) {
    static const char *good[] = {"sentence-transformers/all-MiniLM-L6-v2", "bert-base-uncased",
                                 "BAAI/bge-small-en-v1.5", "org/name@main", "org/name@refs/pr/1",
                                 "org/name@0123456789abcdef0123456789abcdef01234567", "a/b", "_x/y_", "x.y/z.w"};
    static const char *bad[] = {"", "/name", "org/", "org//name", "a/b/c", "org--x/name", "org/na..me",
                                "org/name.git", "-org/name", "org/name-", ".org/name", "org/.name",
                                "org/na me", "org/name@", "org/name@../x", "org/name@/x", "org/name@x/",
                                "org/name@a b", "org/name@refs/.x", "../etc", "./models/x", "/abs/path",
                                "org/name@v1@v2", "org/n\xc3\xa4me"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) CHECK_MSG(tc_hub_is_id(good[i]), "%s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK_MSG(!tc_hub_is_id(bad[i]), "%s", bad[i]);
    char name[100];
    memset(name, 'a', 96), name[96] = 0;
    CHECK(tc_hub_is_id(name));
    memset(name, 'a', 97), name[97] = 0;
    CHECK(!tc_hub_is_id(name));
    CHECK(!tc_hub_is_id(NULL));
}

static void test_paths(void) {
    CHECK(tc_hub_safe_path("config.json"));
    CHECK(tc_hub_safe_path("1_Pooling/config.json"));
    CHECK(!tc_hub_safe_path(""));
    CHECK(!tc_hub_safe_path("/etc/passwd"));
    CHECK(!tc_hub_safe_path("../blobs/x"));
    CHECK(!tc_hub_safe_path("a/../b"));
    CHECK(!tc_hub_safe_path("a//b"));
    CHECK(!tc_hub_safe_path("a/"));
    CHECK(!tc_hub_safe_path(".gitattributes"));
    CHECK(!tc_hub_safe_path("a/.hidden"));
    CHECK(!tc_hub_safe_path("a b.json"));
}

static void test_api(void) {
    const char *ok = "{\"_id\":\"x\",\"id\":\"o/n\",\"sha\":\"0123456789ABCDEF0123456789abcdef01234567\","
                     "\"siblings\":[{\"rfilename\":\".gitattributes\"},{\"rfilename\":\"config.json\"},"
                     "{\"rfilename\":\"1_Pooling/config.json\"},{\"rfilename\":\"../x\"},{\"x\":1},7]}";
    char sha[41], **files;
    size_t n;
    CHECK_OK(tc_hub_parse_api(ok, strlen(ok), sha, &files, &n));
    CHECK_STR(sha, "0123456789abcdef0123456789abcdef01234567");
    CHECK(n == 2);
    if (n == 2) {
        CHECK_STR(files[0], "config.json");
        CHECK_STR(files[1], "1_Pooling/config.json");
        CHECK(files[2] == NULL);
    }
    tc_hub_list_free(files);
    static const char *bad[] = {"", "[]", "{\"siblings\":[]}", "{\"sha\":\"abc\",\"siblings\":[]}",
                                "{\"sha\":\"0123456789abcdef0123456789abcdef0123456g\",\"siblings\":[]}",
                                "{\"sha\":\"0123456789abcdef0123456789abcdef01234567\"}",
                                "{\"sha\":\"0123456789abcdef0123456789abcdef01234567\",\"siblings\":{}}",
                                "{\"sha\":\"0123456789abcdef0123456789abcdef01234567\",\"siblings\":["};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        files = (char **)1;
        CHECK_MSG(tc_hub_parse_api(bad[i], strlen(bad[i]), sha, &files, &n) == TC_EFORMAT && !files, "%s", bad[i]);
    }
}

static void test_modules(void) {
    FILE *f = fopen("tests/data/bert/bert-mean-norm/model/modules.json", "rb");
    CHECK(f != NULL);
    if (!f) return;
    char buf[4096];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char **all, **need;
    CHECK_OK(tc_hub_parse_modules(buf, len, &all, &need));
    CHECK(all[0] && all[1] && !all[2]);
    if (all[0] && all[1]) {
        CHECK_STR(all[0], "1_Pooling/config.json");
        CHECK_STR(all[1], "2_Normalize/config.json");
    }
    CHECK(need[0] && !need[1]);
    if (need[0]) CHECK_STR(need[0], "1_Pooling/config.json");
    tc_hub_list_free(all);
    tc_hub_list_free(need);
    const char *odd = "[{\"path\":\"../up\",\"type\":\"x.Pooling\"},{\"path\":\"\"},{\"path\":3},\"s\"]";
    CHECK_OK(tc_hub_parse_modules(odd, strlen(odd), &all, NULL));
    CHECK(all && !all[0]);
    tc_hub_list_free(all);
    CHECK(tc_hub_parse_modules("{}", 2, &all, &need) == TC_EFORMAT && !all && !need);
}

static void test_origin(void) {
    CHECK(tc_hub_same_origin("http://127.0.0.1:5000/a/b?x=1", "http://127.0.0.1:5000"));
    CHECK(tc_hub_same_origin("https://HuggingFace.CO/x", "https://huggingface.co"));
    CHECK(tc_hub_same_origin("https://huggingface.co:443/x", "https://huggingface.co"));
    CHECK(tc_hub_same_origin("HTTP://[::1]:80/", "http://[::1]"));
    CHECK(tc_hub_same_origin("https://mirror.example/hf/api", "https://mirror.example/hf"));
    CHECK(!tc_hub_same_origin("http://localhost:5000/a", "http://127.0.0.1:5000"));
    CHECK(!tc_hub_same_origin("http://huggingface.co/x", "https://huggingface.co"));
    CHECK(!tc_hub_same_origin("https://huggingface.co:444/x", "https://huggingface.co"));
    CHECK(!tc_hub_same_origin("https://huggingface.co.evil.example/", "https://huggingface.co"));
    CHECK(!tc_hub_same_origin("https://huggingface.co@evil.example/", "https://huggingface.co"));
    CHECK(!tc_hub_same_origin("https://cas-bridge.xethub.hf.co/x", "https://huggingface.co"));
    CHECK(!tc_hub_same_origin("/relative/path", "https://huggingface.co"));
    CHECK(!tc_hub_same_origin("https://huggingface.co:x/", "https://huggingface.co"));
}

static void line(tc_hub_headers *h, const char *s) { tc_hub_header_line(h, s, strlen(s)); }

static void test_headers(void) {
    tc_hub_headers h;
    tc_hub_headers_reset(&h);
    line(&h, "HTTP/1.1 302 Found\r\n");
    line(&h, "ETag: \"abc\"\r\n");
    line(&h, "x-linked-etag:   \"0123\"  \r\n");
    line(&h, "X-Repo-Commit: 571ca0f6d2a7ff4065a46733f64ef2055fa94d52\r\n");
    line(&h, "X-Linked-Size: 6016584\r\n");
    line(&h, "Content-Length: 12x\r\n");
    CHECK_STR(h.etag, "\"abc\"");
    CHECK_STR(h.linked_etag, "\"0123\"");
    CHECK_STR(h.commit, "571ca0f6d2a7ff4065a46733f64ef2055fa94d52");
    CHECK(h.linked_size == 6016584 && h.content_length == -1 && h.range_start == -1);
    line(&h, "HTTP/1.1 206 Partial Content\r\n");  /* a new response forgets the old */
    CHECK(h.etag[0] == 0 && h.linked_size == -1);
    line(&h, "Content-Range: bytes 3008292-6016583/6016584\r\n");
    CHECK(h.range_start == 3008292);
    line(&h, "Content-Range: bytes */6016584\r\n");
    CHECK(h.range_start == -1);
    line(&h, "Content-Length: 99999999999999999999\r\n");
    CHECK(h.content_length == -1);

    char out[129];
    CHECK(tc_hub_etag_name("\"959455e14748a4c9df6865b49284b0cc0ae76f5d\"", out, sizeof out));
    CHECK_STR(out, "959455e14748a4c9df6865b49284b0cc0ae76f5d");
    CHECK(tc_hub_etag_name("W/\"abc-1\"", out, sizeof out));
    CHECK_STR(out, "abc-1");
    CHECK(!tc_hub_etag_name("\"../x\"", out, sizeof out));
    CHECK(!tc_hub_etag_name("\"a/b\"", out, sizeof out));
    CHECK(!tc_hub_etag_name("\"\"", out, sizeof out));
    CHECK(!tc_hub_etag_name("\".incomplete\"", out, sizeof out));
    CHECK(!tc_hub_etag_name("\"abc.incomplete\"", out, sizeof out));
}

/* Retry-After in seconds; an HTTP date is not obeyed; a new response forgets it */
static void test_retry_after(void) {
    tc_hub_headers h;
    tc_hub_headers_reset(&h);
    CHECK(h.retry_after == -1);
    const char *l = "Retry-After: 7\r\n";
    tc_hub_header_line(&h, l, strlen(l));
    CHECK(h.retry_after == 7);
    l = "retry-after: Wed, 21 Oct 2015 07:28:00 GMT\r\n";
    tc_hub_header_line(&h, l, strlen(l));
    CHECK(h.retry_after == -1);
    l = "HTTP/1.1 200 OK\r\n";
    tc_hub_header_line(&h, "Retry-After: 3", 14);
    tc_hub_header_line(&h, l, strlen(l));
    CHECK(h.retry_after == -1);
}

int main(void) {
    test_origin();
    test_headers();
    test_retry_after();
    test_sha256();
    test_ids();
    test_paths();
    test_api();
    test_modules();
    return check_report("test_hub");
}
