/* test_hub_dataset.c - the pure parts of reading a hub dataset: the Parquet
 * listing and index parsers (shapes from the dataset viewer's docs, "Using
 * the Hugging Face Hub API"), the listing URL forms, the `datasets`
 * library's default data-files patterns on the repository layouts of the
 * hub's "File names and splits" docs (and datasets-examples/doc-splits-*),
 * the Retry-After header, and the reader over an ordered list of files.
 * The network side is tests/hub_dataset_test.sh. */
#include "check.h"
#include "io/hub.h"
#include "io/hub_http.h"
#include "io/io.h"
#include "textclust.h"

#include <stdlib.h>
#include <string.h>

static size_t count(char **l) {
    size_t n = 0;
    while (l && l[n]) n++;
    return n;
}

static void test_listing(void) {
    const char *ok = "[\"https://huggingface.co/api/datasets/ibm/duorc/parquet/ParaphraseRC/train/0.parquet\", "
                     "\"https://huggingface.co/api/datasets/ibm/duorc/parquet/ParaphraseRC/train/1.parquet\"]";
    char **urls = (char **)1;
    size_t n = 9;
    CHECK_OK(tc_hub_parse_parquet_list(ok, strlen(ok), &urls, &n));
    CHECK(n == 2 && count(urls) == 2);
    if (n == 2) CHECK_STR(urls[1], "https://huggingface.co/api/datasets/ibm/duorc/parquet/ParaphraseRC/train/1.parquet");
    tc_hub_list_free(urls);
    CHECK_OK(tc_hub_parse_parquet_list("[]", 2, &urls, &n));
    CHECK(n == 0 && urls && !urls[0]);
    tc_hub_list_free(urls);
    static const char *bad[] = {"", "{}", "[1]", "[\"a b\"]", "[\"\"]", "[\"x\", null]", "[\"x\"", "\"x\""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        urls = (char **)1;
        int rc = tc_hub_parse_parquet_list(bad[i], strlen(bad[i]), &urls, &n);
        CHECK_MSG(rc == TC_EFORMAT && !urls, "%s: %d", bad[i], rc);
    }
    const char *idx = "{\"ParaphraseRC\": {\"test\": [\"u\"], \"train\": [\"u\"]}, \"SelfRC\": {\"train\": [\"u\"]}, "
                      "\"x\": 3, \"y\": {\"z\": 1}}";
    char **pairs;
    CHECK_OK(tc_hub_parse_parquet_index(idx, strlen(idx), &pairs));
    CHECK(count(pairs) == 3);
    if (count(pairs) == 3) {
        CHECK_STR(pairs[0], "ParaphraseRC/test");
        CHECK_STR(pairs[2], "SelfRC/train");
    }
    tc_hub_list_free(pairs);
    CHECK(tc_hub_parse_parquet_index("[]", 2, &pairs) == TC_EFORMAT && !pairs);
}

static void test_listing_urls(void) {
    long idx;
    char path[256];
    CHECK(tc_hub_listing_url("https://huggingface.co/api/datasets/ibm/duorc/parquet/SelfRC/train/12.parquet",
                             "ibm/duorc", &idx, path, sizeof path) == 1 && idx == 12);
    CHECK(tc_hub_listing_url("https://huggingface.co/datasets/ibm/duorc/resolve/refs%2Fconvert%2Fparquet/"
                             "SelfRC/train/0000.parquet?download=true", "ibm/duorc", &idx, path, sizeof path) == 2);
    CHECK_STR(path, "SelfRC/train/0000.parquet");
    CHECK(tc_hub_listing_url("https://huggingface.co/datasets/ibm/duorc/resolve/main/a%20b.parquet",
                             "ibm/duorc", &idx, path, sizeof path) == 0);  /* a space: no safe path */
    CHECK(tc_hub_listing_url("https://huggingface.co/datasets/ibm/duorc/resolve/main/..%2Fx.parquet",
                             "ibm/duorc", &idx, path, sizeof path) == 0);
    CHECK(tc_hub_listing_url("https://huggingface.co/api/datasets/other/x/parquet/a/b/0.parquet",
                             "ibm/duorc", &idx, path, sizeof path) == 0);  /* another dataset */
    CHECK(tc_hub_listing_url("https://huggingface.co/api/datasets/ibm/duorc/parquet/a/b/x.parquet",
                             "ibm/duorc", &idx, path, sizeof path) == 0);
}

/* split's files of the NULL-terminated repo, joined with " "; found too */
static void split_of(const char *const *repo, const char *config, const char *split, char *got,
                     size_t cap, char *found, size_t fcap) {
    char **out = NULL;
    int rc = tc_hub_split_files((char *const *)repo, config, split, &out, found, fcap);
    CHECK_OK(rc);
    got[0] = 0;
    for (char **p = out; p && *p; p++) {
        if (got[0]) strncat(got, " ", cap - strlen(got) - 1);
        strncat(got, *p, cap - strlen(got) - 1);
    }
    tc_hub_list_free(out);
}

static void test_patterns(void) {
    char got[1024], found[256];
    /* doc-splits-1: one file, no split in its name: all of it is train */
    static const char *const one[] = {"README.md", "data.csv", NULL};
    split_of(one, NULL, "train", got, sizeof got, found, sizeof found);
    CHECK_STR(got, "data.csv");
    CHECK_STR(found, "train");
    split_of(one, NULL, "test", got, sizeof got, found, sizeof found);
    CHECK_STR(got, "");
    /* doc-splits-2 / -3: split names in file names, delimited by non-word characters */
    static const char *const names[] = {"README.md", "my_train_file.csv", "test-file.csv", "testfile.csv",
                                        "validation.csv", NULL};
    split_of(names, "default", "train", got, sizeof got, found, sizeof found);
    CHECK_STR(got, "my_train_file.csv");
    CHECK_STR(found, "train, validation, test");
    split_of(names, NULL, "test", got, sizeof got, found, sizeof found);
    CHECK_STR(got, "test-file.csv");  /* not testfile.csv */
    /* doc-splits-4: split folders; a folder rule outranks file names */
    static const char *const dirs[] = {"train/a.parquet", "train/b.parquet", "test.parquet",
                                       "data/validation/x.jsonl", NULL};
    split_of(dirs, NULL, "train", got, sizeof got, found, sizeof found);
    CHECK_STR(got, "train/a.parquet train/b.parquet");
    CHECK_STR(found, "train, validation");
    split_of(dirs, NULL, "test", got, sizeof got, found, sizeof found);
    CHECK_STR(got, "");
    /* doc-splits-5: the other keywords */
    static const char *const kw[] = {"training.csv", "dev.csv", "eval.csv", "evaluation-2.csv", NULL};
    split_of(kw, NULL, "validation", got, sizeof got, found, sizeof found);
    CHECK_STR(got, "dev.csv");
    split_of(kw, NULL, "test", got, sizeof got, found, sizeof found);
    CHECK_STR(got, "eval.csv evaluation-2.csv");
    split_of(kw, NULL, "train", got, sizeof got, found, sizeof found);
    CHECK_STR(got, "training.csv");
    /* sharded names: any split name, and they outrank the rest */
    static const char *const shards[] = {"data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet",
                                         "data/test-00000-of-00001.parquet", "data/random-00000-of-00001.parquet",
                                         "other/train.parquet", NULL};
    split_of(shards, NULL, "train", got, sizeof got, found, sizeof found);
    CHECK_STR(got, "data/train-00000-of-00002.parquet data/train-00001-of-00002.parquet");
    CHECK_STR(found, "train, test, random");
    split_of(shards, NULL, "random", got, sizeof got, found, sizeof found);
    CHECK_STR(got, "data/random-00000-of-00001.parquet");
    /* a config is a folder; metadata files and "__" folders are skipped */
    static const char *const cfg[] = {"en/train-0.parquet", "en/test-0.parquet", "fr/train-0.parquet",
                                      "en/__pycache__/train.py", "en/README.md", "env/train.parquet", NULL};
    split_of(cfg, "en", "train", got, sizeof got, found, sizeof found);
    CHECK_STR(got, "en/train-0.parquet");
    split_of(cfg, "de", "train", got, sizeof got, found, sizeof found);
    CHECK_STR(got, "");
    CHECK_STR(found, "");
    static const char *const meta[] = {"README.md", "dataset_info.json", NULL};
    split_of(meta, NULL, "train", got, sizeof got, found, sizeof found);
    CHECK_STR(got, "");
    CHECK_STR(found, "");
    /* a keyword inside a word is no split name */
    static const char *const word[] = {"pretrained/x.csv", "contest.csv", NULL};
    split_of(word, NULL, "train", got, sizeof got, found, sizeof found);
    CHECK_STR(got, "pretrained/x.csv contest.csv");  /* rule 4: all of it */
    CHECK(tc_hub_data_kind("a/b.parquet") == 1 && tc_hub_data_kind("t.JSONL.gz") == 2 &&
          tc_hub_data_kind("x.csv") == 2 && tc_hub_data_kind("x.arrow") == 0 && tc_hub_data_kind("x.gz") == 0);
}


/* the reader over an ordered list: the files' rows, one after the other */
static void test_reader_files(void) {
    const char *paths[] = {"tests/data/parquet/zstd.parquet", "tests/data/parquet/expected.jsonl",
                           "tests/data/parquet/snappy.parquet"};
    tc_textset all = {0}, one = {0};
    CHECK_OK(tc_read_texts_files(paths, 3, "three", TC_FMT_AUTO, "text", "id", NULL, &all));
    CHECK_OK(tc_read_texts("tests/data/parquet/expected.jsonl", TC_FMT_AUTO, "text", "id", NULL, &one));
    CHECK(one.n == 205 && all.n == 3 * one.n);
    for (size_t i = 0; i < all.n && all.n == 3 * one.n; i++) {
        size_t j = i % one.n;
        const char *a = all.ids ? all.ids[i] : NULL, *b = one.ids ? one.ids[j] : NULL;
        CHECK_MSG(!strcmp(all.texts[i], one.texts[j]) && (a && b ? !strcmp(a, b) : a == b), "row %zu", i);
        if (strcmp(all.texts[i], one.texts[j])) break;
    }
    tc_textset_free(&all);
    tc_textset_free(&one);
    tc_reader *r = (tc_reader *)1;
    CHECK(tc_reader_open_files(paths, 0, TC_FMT_AUTO, "text", NULL, NULL, &r) == TC_EINVAL && !r);
    const char *missing[] = {"tests/data/parquet/zstd.parquet", "tests/data/parquet/nope.parquet"};
    CHECK_OK(tc_reader_open_files(missing, 2, TC_FMT_AUTO, "text", NULL, NULL, &r));
    tc_textset b = {0};
    long got;
    while ((got = tc_reader_next(r, 64, &b)) > 0) {}
    CHECK(got < 0 && strstr(tc_last_error(), "nope.parquet"));
    tc_textset_free(&b);
    tc_reader_close(r);
}

int main(void) {
    test_listing();
    test_listing_urls();
    test_patterns();
    test_reader_files();
    return check_report("test_hub_dataset");
}
