/* test_textwrap.c - tc_textwrap_fill (content_display) and tc_summary_split
 * (single_topic's category and score). The expected strings below are what
 * CPython 3.11's textwrap.fill and str.split/strip give; tests/textwrap_test.py
 * compares thousands more texts live, through `test_textwrap --wrap`, which
 * reads JSON lines [text, width] and writes each result as a JSON string. */
#include "check.h"
#include "io/io.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_fill(const char *text, size_t max, size_t width, const char *want) {
    char *got = tc_textwrap_fill(text, strlen(text), max, width);
    CHECK_MSG(got && strcmp(got, want) == 0, "fill(%s, %zu):\n%s\nexpected\n%s", text, width, got ? got : "(null)", want);
    free(got);
}

static void check_split(const char *summary, const char *cat, const char *score) {
    char *c, *s;
    CHECK(tc_summary_split(summary, &c, &s) == 0);
    CHECK_MSG((c == NULL) == (cat == NULL) && (!c || strcmp(c, cat) == 0), "category of \"%s\": \"%s\"", summary, c ? c : "(null)");
    CHECK_MSG((s == NULL) == (score == NULL) && (!s || strcmp(s, score) == 0), "score of \"%s\": \"%s\"", summary, s ? s : "(null)");
    free(c), free(s);
}

static int wrap_stdin(void) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        cJSON *j = cJSON_ParseWithLength(line, (size_t)n);
        cJSON *t = cJSON_GetArrayItem(j, 0), *w = cJSON_GetArrayItem(j, 1);
        if (!cJSON_IsString(t) || !cJSON_IsNumber(w)) return 1;
        char *got = tc_textwrap_fill(t->valuestring, strlen(t->valuestring), 1024, (size_t)w->valuedouble);
        cJSON *out = cJSON_CreateString(got);
        char *s = cJSON_PrintUnformatted(out);
        puts(s);
        cJSON_free(s), cJSON_Delete(out), cJSON_Delete(j), free(got);
    }
    free(line);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--wrap") == 0) return wrap_stdin();
    check_fill("Look, goof-ball -- use the -b option!", 1024, 10, "Look,\ngoof-ball\n-- use the\n-b option!");
    check_fill("col1\tcol2\t\tend\nnext line\r\nthird", 1024, 8, "col1\ncol2\nend next\nline\nthird");
    check_fill("aaaaaaaaaa bbbbbbbbbbbb", 1024, 5, "aaaaa\naaaaa\nbbbbb\nbbbbb\nbb");
    check_fill("well-known state-of-the-art e-mail", 1024, 6, "well-\nknown\nstate-\nof-\nthe-\nart\ne-mail");
    check_fill(" leading  spaces   and\xc2\xa0nbsp\xc2\xa0 chunks ", 1024, 7, "leading\nspaces\nand\xc2\xa0nbs\np\xc2\xa0\nchunks");
    check_fill("hyphen-aaaaaaaaaa", 1024, 6, "hyphen\n-aaaaa\naaaaa");
    check_fill("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", 1024, 5,
               "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n\xc3\xa9\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");
    check_fill("aaaa bbbbbbbbb", 1024, 5, "aaaa \nbbbbb\nbbbb");  /* the trailing space stays */
    check_fill(" ab cd", 1024, 64, " ab cd");                  /* the first line keeps its leading space */
    check_fill("", 1024, 64, "");
    check_fill("   ", 1024, 64, "");
    check_fill("abc def ghi", 5, 64, "abc d");                    /* text[:5] first */
    check_fill("\xc3\xa9\xc3\xa9\xc3\xa9", 2, 64, "\xc3\xa9\xc3\xa9"); /* characters, not bytes */

    check_split("Linear Algebra. Educational score: 7", "Linear Algebra", "7");
    check_split("  Topic . Educational score:  7 \xc2\xa0", "Topic", "7");
    check_split("Cooking. Educational score: 3. Educational score: 9", "Cooking", "3.");
    check_split("Astronomy (stars)", "Astronomy (stars)", NULL);
    check_split("A. Educational value high", "A", NULL);
    check_split("X Educational score: 4", "X Educational score: 4", "4");
    check_split(NULL, NULL, NULL);
    return check_report("test_textwrap");
}
