/* summary.c - the single_topic summary string, "<topic>. Educational score:
 * <score>" ("None" without a score), as the reference writes it into
 * cluster_summaries.json: written here and read back here only. */
#include "label/label.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

#define SCORE_MARK " Educational score: "

char *tc_summary_single(const char *topic, int score) {
    tc_sb b = {0};
    if (score >= 1) tc_sb_printf(&b, "%s." SCORE_MARK "%d", topic, score);
    else tc_sb_printf(&b, "%s." SCORE_MARK "None", topic);
    if (b.oom) {
        tc_sb_free(&b);
        return NULL;
    }
    return b.s;
}

int tc_summary_single_parse(const char *summary, char **topic, int *score) {
    if (topic) *topic = NULL;
    *score = -1;
    const char *mark = summary ? strstr(summary, SCORE_MARK) : NULL;
    if (!mark) return 0;
    char *end;
    const char *num = mark + strlen(SCORE_MARK);
    long s = strtol(num, &end, 10);
    if (end != num && s >= 1 && s <= 10) *score = (int)s;
    if (topic) {
        size_t len = (size_t)(mark - summary);
        if (len && summary[len - 1] == '.') len--; /* the reference's "<topic>." */
        if (!(*topic = strndup(summary, len))) return tc_error(TC_ENOMEM, "out of memory");
    }
    return 0;
}
