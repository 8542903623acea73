/* test_summary.c - the single_topic summary string: the reference's form
 * written once (tc_summary_single) and read back once (parse), including
 * the forms a hand-edited or foreign cluster_summaries.json may hold; and
 * the one union-find (util.h) on a graph whose components are known. */
#include "check.h"
#include "label/label.h"
#include "util/util.h"

#include <stdlib.h>

static void parses(const char *summary, const char *topic, int score) {
    char *t = (char *)1;
    int s = 0;
    CHECK_OK(tc_summary_single_parse(summary, &t, &s));
    if (topic) CHECK_MSG(t && strcmp(t, topic) == 0, "'%s': topic '%s'", summary, t ? t : "(null)");
    else CHECK_MSG(t == NULL, "'%s': topic '%s'", summary, t);
    CHECK_MSG(s == score, "'%s': score %d", summary, s);
    free(t);
}

int main(void) {
    char *s = tc_summary_single("Linear algebra", 8);
    CHECK_STR(s, "Linear algebra. Educational score: 8");
    parses(s, "Linear algebra", 8);
    free(s);
    s = tc_summary_single("Cooking", -1);
    CHECK_STR(s, "Cooking. Educational score: None");
    parses(s, "Cooking", -1);
    free(s);
    parses("Music. Educational score: 11", "Music", -1);
    parses("Music. Educational score: 0", "Music", -1);
    parses("Music Educational score: 3", "Music", 3);
    parses("A. B. Educational score: 10", "A. B", 10);
    parses("guitar, chord, song", NULL, -1);
    parses(NULL, NULL, -1);
    int score;
    CHECK_OK(tc_summary_single_parse("X. Educational score: 4", NULL, &score));
    CHECK(score == 4);

    /* union-find: 0-3-5, 1-2, 4 alone, 6-7-8 joined from both ends */
    int64_t par[9];
    for (int i = 0; i < 9; i++) par[i] = i;
    tc_uf_union(par, 5, 3), tc_uf_union(par, 3, 0), tc_uf_union(par, 2, 1);
    tc_uf_union(par, 8, 7), tc_uf_union(par, 6, 8);
    const int64_t root[9] = {0, 1, 1, 0, 4, 0, 6, 6, 6};
    for (int i = 0; i < 9; i++) CHECK_MSG(tc_uf_find(par, i) == root[i], "find(%d) = %lld", i, (long long)tc_uf_find(par, i));
    return check_report("test_summary");
}
