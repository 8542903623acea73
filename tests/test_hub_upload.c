/* test_hub_upload.c - the pure parts of a push (src/io/hub_upload_json.c):
 * base64 against RFC 4648's vectors and Python's base64 of all 256 bytes,
 * the NDJSON commit body read back line by line as huggingface_hub's
 * _prepare_commit_payload writes it, the /preupload answer, the Git LFS
 * batch answer (an object the hub has, basic with headers, multipart with
 * parts out of order, verify, errors, hostile values), and Retry-After.
 * The requests themselves are tests/hub_push_test.sh. */
#include "check.h"
#include "io/hub.h"
#include "io/hub_http.h"
#include "textclust.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static void test_base64(void) {
    static const char *rfc[][2] = {{"", ""},          {"f", "Zg=="},         {"fo", "Zm8="},
                                   {"foo", "Zm9v"},   {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
                                   {"foobar", "Zm9vYmFy"}};
    char out[400];
    for (size_t i = 0; i < sizeof rfc / sizeof *rfc; i++) {
        size_t n = tc_base64_encode(rfc[i][0], strlen(rfc[i][0]), out);
        CHECK_STR(out, rfc[i][1]);
        CHECK(n == strlen(rfc[i][1]));
    }
    unsigned char all[256];
    for (int i = 0; i < 256; i++) all[i] = (unsigned char)i;
    tc_base64_encode(all, sizeof all, out);
    /* /usr/bin/python3 -c "import base64; print(base64.b64encode(bytes(range(256))).decode())" */
    CHECK_STR(out, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNE"
                   "RUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJ"
                   "iouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3O"
                   "z9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==");
}

static const char *str(const cJSON *o, const char *k) {
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void test_ndjson(void) {
    const char *sha = "5aa3b56b0c5d196d1ec408ed47ec61751fb743f9e4d1cb68adaa8e63f4e7671a";
    tc_hub_commit_op ops[] = {
        {.path_in_repo = "data/train-00000-of-00001.parquet", .lfs = 1, .sha256 = sha, .size = 12811},
        {.path_in_repo = "README.md", .lfs = 0, .data = "foobar", .len = 6},
        {.path_in_repo = "empty.txt", .lfs = 0, .data = "", .len = 0},
    };
    char *body;
    size_t len;
    CHECK_OK(tc_hub_commit_ndjson("Upload \"dataset\"\n\xc3\xa9", ops, 3, &body, &len));
    CHECK(len == strlen(body) && len > 0 && body[len - 1] == '\n');
    const char *want_key[] = {"header", "lfsFile", "file", "file"};
    int lines = 0;
    for (char *s = body, *nl; (nl = strchr(s, '\n')); s = nl + 1, lines++) {
        *nl = 0;
        cJSON *j = cJSON_Parse(s);
        CHECK_MSG(cJSON_IsObject(j) && lines < 4, "line %d: %s", lines, s);
        if (!j || lines >= 4) { cJSON_Delete(j); continue; }
        CHECK_STR(str(j, "key"), want_key[lines]);
        cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "value");
        CHECK(cJSON_GetArraySize(j) == 2);
        if (lines == 0) {
            CHECK_STR(str(v, "summary"), "Upload \"dataset\"\n\xc3\xa9");
            CHECK_STR(str(v, "description"), "");
        } else if (lines == 1) {
            CHECK_STR(str(v, "path"), "data/train-00000-of-00001.parquet");
            CHECK_STR(str(v, "algo"), "sha256");
            CHECK_STR(str(v, "oid"), sha);
            cJSON *size = cJSON_GetObjectItemCaseSensitive(v, "size");
            CHECK(cJSON_IsNumber(size) && size->valuedouble == 12811);
            CHECK(cJSON_GetArraySize(v) == 4);
        } else {
            CHECK_STR(str(v, "path"), lines == 2 ? "README.md" : "empty.txt");
            CHECK_STR(str(v, "encoding"), "base64");
            CHECK_STR(str(v, "content"), lines == 2 ? "Zm9vYmFy" : "");
            CHECK(cJSON_GetArraySize(v) == 3);
        }
        cJSON_Delete(j);
    }
    CHECK(lines == 4);
    free(body);
}

static void test_preupload(void) {
    const char *paths[] = {"data/a.parquet", "README.md"};
    tc_hub_upload_mode m[2];
    const char *good = "{\"files\": [{\"path\": \"README.md\", \"uploadMode\": \"regular\", \"shouldIgnore\": false,"
                       " \"oid\": \"0123456789abcdef0123456789abcdef01234567\"},"
                       " {\"path\": \"data/a.parquet\", \"uploadMode\": \"lfs\", \"shouldIgnore\": true,"
                       " \"oid\": \"5AA3B56B0C5D196D1EC408ED47EC61751FB743F9E4D1CB68ADAA8E63F4E7671A\"}], \"commitOid\": \"x\"}";
    CHECK_OK(tc_hub_parse_preupload(good, strlen(good), paths, 2, m));
    CHECK(m[0].lfs == 1 && m[0].ignore == 1);
    CHECK_STR(m[0].oid, "5aa3b56b0c5d196d1ec408ed47ec61751fb743f9e4d1cb68adaa8e63f4e7671a");
    CHECK(m[1].lfs == 0 && m[1].ignore == 0 && m[1].oid[0] == 0);  /* a sha1 is not compared */
    const char *null_oid = "{\"files\": [{\"path\": \"README.md\", \"uploadMode\": \"lfs\", \"oid\": null}]}";
    CHECK_OK(tc_hub_parse_preupload(null_oid, strlen(null_oid), paths + 1, 1, m));
    CHECK(m[0].lfs == 1 && m[0].oid[0] == 0);
    static const char *bad[] = {
        "", "[]", "{\"files\": {}}", "not json",
        "{\"files\": [{\"path\": \"README.md\", \"uploadMode\": \"regular\"}]}",                /* a.parquet missing */
        "{\"files\": [{\"path\": \"data/a.parquet\", \"uploadMode\": \"xet\"}, {\"path\": \"README.md\", \"uploadMode\": \"lfs\"}]}",
        "{\"files\": [{\"path\": \"data/a.parquet\", \"uploadMode\": 1}, {\"path\": \"README.md\", \"uploadMode\": \"lfs\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_MSG(tc_hub_parse_preupload(bad[i], strlen(bad[i]), paths, 2, m) == TC_EFORMAT, "%s", bad[i]);
}

#define OID "5aa3b56b0c5d196d1ec408ed47ec61751fb743f9e4d1cb68adaa8e63f4e7671a"

static int batch(const char *body, long long size, tc_hub_lfs_action *a) {
    return tc_hub_parse_lfs_batch(body, strlen(body), OID, size, a);
}

static void test_batch(void) {
    tc_hub_lfs_action a;
    /* the hub has it: no actions */
    CHECK_OK(batch("{\"transfer\": \"basic\", \"objects\": [{\"oid\": \"" OID "\", \"size\": 10}]}", 10, &a));
    CHECK(a.present && !a.href);
    tc_hub_lfs_action_free(&a);
    /* basic, with a header for the storage and a verify action */
    const char *basic = "{\"objects\": [{\"oid\": \"other\", \"size\": 3}, {\"oid\": \"" OID "\", \"size\": 10, "
                        "\"authenticated\": true, \"actions\": {\"upload\": {\"href\": \"https://s3.example/x?sig=1\", "
                        "\"header\": {\"X-Amz-Acl\": \"private\", \"Content-Type\": \"application/octet-stream\"}, "
                        "\"expires_at\": \"2030-01-01T00:00:00Z\"}, \"verify\": {\"href\": \"https://hub.example/v\", "
                        "\"header\": {\"Authorization\": \"Basic abc\"}}}}]}";
    CHECK_OK(batch(basic, 10, &a));
    CHECK(!a.present && a.chunk_size == -1 && !a.parts);
    CHECK_STR(a.href, "https://s3.example/x?sig=1");
    CHECK(a.headers && a.headers[0] && a.headers[1] && !a.headers[2]);
    if (a.headers && a.headers[0] && a.headers[1]) {
        CHECK_STR(a.headers[0], "X-Amz-Acl: private");
        CHECK_STR(a.headers[1], "Content-Type: application/octet-stream");
    }
    CHECK_STR(a.verify_href, "https://hub.example/v");
    CHECK(a.verify_headers && a.verify_headers[0] && !a.verify_headers[1]);
    if (a.verify_headers && a.verify_headers[0]) CHECK_STR(a.verify_headers[0], "Authorization: Basic abc");
    tc_hub_lfs_action_free(&a);
    /* multipart: parts listed out of order, chunk_size as a string, then as a number */
    const char *multi = "{\"objects\": [{\"oid\": \"" OID "\", \"size\": 25, \"actions\": {\"upload\": "
                        "{\"href\": \"https://hub.example/complete\", \"header\": {\"3\": \"https://s3/p3\", "
                        "\"chunk_size\": \"10\", \"1\": \"https://s3/p1\", \"2\": \"https://s3/p2\"}}}}]}";
    CHECK_OK(batch(multi, 25, &a));
    CHECK(a.chunk_size == 10 && a.n_parts == 3 && a.parts && !a.headers && !a.verify_href);
    if (a.parts && a.n_parts == 3) {
        CHECK_STR(a.parts[0], "https://s3/p1");
        CHECK_STR(a.parts[1], "https://s3/p2");
        CHECK_STR(a.parts[2], "https://s3/p3");
        CHECK(a.parts[3] == NULL);
    }
    CHECK_STR(a.href, "https://hub.example/complete");
    tc_hub_lfs_action_free(&a);
    const char *multi_num = "{\"objects\": [{\"oid\": \"" OID "\", \"size\": 20, \"actions\": {\"upload\": "
                            "{\"href\": \"https://h/c\", \"header\": {\"chunk_size\": 10, \"1\": \"https://s3/p1\", "
                            "\"2\": \"https://s3/p2\"}}}}]}";
    CHECK_OK(batch(multi_num, 20, &a));
    CHECK(a.n_parts == 2);
    tc_hub_lfs_action_free(&a);
    /* an object error carries the hub's message */
    const char *err = "{\"objects\": [{\"oid\": \"" OID "\", \"size\": 10, \"error\": {\"code\": 422, "
                      "\"message\": \"Object too large\\nfor this repo\"}}]}";
    CHECK(batch(err, 10, &a) == TC_ENET);
    CHECK(strstr(tc_last_error(), "422") && strstr(tc_last_error(), "Object too large for this repo"));
    tc_hub_lfs_action_free(&a);
    static const char *bad[] = {
        "", "{}", "{\"objects\": {}}", "{\"objects\": []}",
        "{\"objects\": [{\"oid\": \"" OID "\", \"size\": 11}]}",                                   /* wrong size */
        "{\"objects\": [{\"oid\": \"" OID "\", \"size\": \"10\"}]}",
        "{\"objects\": [{\"oid\": \"" OID "\", \"size\": 10, \"actions\": {\"upload\": {\"href\": \"ftp://x\"}}}]}",
        "{\"objects\": [{\"oid\": \"" OID "\", \"size\": 10, \"actions\": {\"upload\": {\"href\": \"https://x/\\ny\"}}}]}",
        "{\"objects\": [{\"oid\": \"" OID "\", \"size\": 10, \"actions\": {\"upload\": {\"href\": \"https://x\", "
        "\"header\": {\"X-A\": \"v\\r\\nInjected: 1\"}}}}]}",                                      /* header splitting */
        "{\"objects\": [{\"oid\": \"" OID "\", \"size\": 10, \"actions\": {\"upload\": {\"href\": \"https://x\", "
        "\"header\": {\"Bad Name\": \"v\"}}}}]}",
        "{\"objects\": [{\"oid\": \"" OID "\", \"size\": 10, \"actions\": {\"upload\": {\"href\": \"https://x\", "
        "\"header\": {\"X-A\": 5}}}}]}",
        "{\"objects\": [{\"oid\": \"" OID "\", \"size\": 10, \"actions\": {\"upload\": {\"href\": \"https://x\", "
        "\"header\": []}}}]}",
        "{\"objects\": [{\"oid\": \"" OID "\", \"size\": 25, \"actions\": {\"upload\": {\"href\": \"https://x\", "
        "\"header\": {\"chunk_size\": \"10\", \"1\": \"https://a\", \"2\": \"https://b\"}}}}]}",      /* 2 of 3 parts */
        "{\"objects\": [{\"oid\": \"" OID "\", \"size\": 20, \"actions\": {\"upload\": {\"href\": \"https://x\", "
        "\"header\": {\"chunk_size\": \"10\", \"1\": \"https://a\", \"3\": \"https://b\"}}}}]}",     /* part 3 of 2 */
        "{\"objects\": [{\"oid\": \"" OID "\", \"size\": 20, \"actions\": {\"upload\": {\"href\": \"https://x\", "
        "\"header\": {\"chunk_size\": \"0\", \"1\": \"https://a\"}}}}]}",
        "{\"objects\": [{\"oid\": \"" OID "\", \"size\": 20, \"actions\": {\"upload\": {\"href\": \"https://x\", "
        "\"header\": {\"chunk_size\": \"-5\"}}}}]}",
        "{\"objects\": [{\"oid\": \"" OID "\", \"size\": 20000000, \"actions\": {\"upload\": {\"href\": \"https://x\", "
        "\"header\": {\"chunk_size\": 1}}}}]}",                                                      /* too many parts */
        "{\"objects\": [{\"oid\": \"" OID "\", \"size\": 10, \"actions\": {\"upload\": {\"href\": \"https://x\"}, "
        "\"verify\": {\"href\": 7}}}]}",
        "{\"objects\": [{\"oid\": \"" OID "\", \"size\": 10, \"actions\": {\"verify\": {\"href\": \"https://v\"}}}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        long long size = strstr(bad[i], "\"size\": 25") ? 25 : strstr(bad[i], "\"size\": 20,") ? 20
                         : strstr(bad[i], "20000000") ? 20000000 : 10;
        CHECK_MSG(batch(bad[i], size, &a) == TC_EFORMAT, "%s", bad[i]);
        tc_hub_lfs_action_free(&a);
    }
}


int main(void) {
    test_base64();
    test_ndjson();
    test_preupload();
    test_batch();
    return check_report("test_hub_upload");
}
