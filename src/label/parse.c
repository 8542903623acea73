/* parse.c - reads an LLM's answer in the reference's two formats, as
 * leniently as the reference and then some:
 *
 *   multiple_topics  the first line, cut before the first '.' and then the
 *                    first '(', split on ',' with empty parts dropped;
 *   single_topic     topic = after "Topic:" up to '(' or ','; score = the
 *                    integer after "Educational value rating:" (up to '.').
 *
 * Variants of real models also accepted: markdown bold and code marks,
 * lower-case markers, "8/10", quotes around the answer or its parts, a
 * preamble line ("Here are the topics:") with the answer on the next line,
 * a "Topics:" style prefix, and the markers on separate lines. */
#include "label/label.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- helpers */

/* A copy without markdown emphasis and code marks, \r as \n. */
static char *normalize(const char *a) {
    size_t n = strlen(a);
    char *s = malloc(n + 1), *o = s;
    if (!s) return NULL;
    for (const char *p = a; *p; p++) {
        if (*p == '*' || *p == '`') continue;
        *o++ = *p == '\r' ? '\n' : *p;
    }
    *o = 0;
    return s;
}

/* quote characters, ASCII and typographic; returns the byte length or 0 */
static size_t quote_len(const char *p) {
    if (*p == '"' || *p == '\'') return 1;
    if ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 &&
        ((unsigned char)p[2] >= 0x98 && (unsigned char)p[2] <= 0x9F))
        return 3;  /* U+2018..U+201F */
    return 0;
}

/* trims spaces and quotes at both ends of [*b, *e) */
static void trim(const char **b, const char **e) {
    for (;;) {
        size_t q;
        if (*b < *e && isspace((unsigned char)**b)) (*b)++;
        else if (*b < *e && (q = quote_len(*b)) && *b + q <= *e) *b += q;
        else break;
    }
    for (;;) {
        if (*e > *b && isspace((unsigned char)(*e)[-1])) (*e)--;
        else if (*e > *b && ((*e)[-1] == '"' || (*e)[-1] == '\'')) (*e)--;
        else if (*e - *b >= 3 && quote_len(*e - 3) == 3) *e -= 3;
        else break;
    }
}

static char *dup_cut(const char *b, const char *e) {
    size_t n = tc_utf8_cut(b, (size_t)(e - b), TC_SUMMARY_MAX);
    char *s = malloc(n + 1);
    if (!s) return NULL;
    memcpy(s, b, n);
    s[n] = 0;
    return s;
}

/* the next non-blank line at or after *p: [*b, *e), *p moved past it */
static int next_line(const char **p, const char **b, const char **e) {
    while (**p) {
        const char *s = *p, *nl = strchr(s, '\n');
        const char *end = nl ? nl : s + strlen(s);
        *p = nl ? nl + 1 : end;
        const char *x = s, *y = end;
        trim(&x, &y);
        if (x < y) { *b = s; *e = end; return 1; }
    }
    return 0;
}

/* ---------------------------------------------------------------- multiple_topics */

char *tc_parse_multiple(const char *answer) {
    char *s = normalize(answer ? answer : "");
    if (!s) return NULL;
    const char *p = s, *b, *e, *b2, *e2;
    if (!next_line(&p, &b, &e)) { free(s); return NULL; }
    /* a preamble line: ends with ':' or has no comma while the next has */
    const char *x = b, *y = e;
    trim(&x, &y);
    if (next_line(&p, &b2, &e2)) {
        int colon_end = y[-1] == ':';
        int comma1 = memchr(b, ',', (size_t)(e - b)) != NULL;
        int comma2 = memchr(b2, ',', (size_t)(e2 - b2)) != NULL;
        if (colon_end || (!comma1 && comma2)) { b = b2; e = e2; }
    }
    /* "Topics: A, B, C": what follows the last ':' before the first ',' */
    const char *comma = memchr(b, ',', (size_t)(e - b));
    for (const char *q = b; q < (comma ? comma : e); q++)
        if (*q == ':') b = q + 1;
    /* a list marker "- " or "1) " */
    while (b < e && isspace((unsigned char)*b)) b++;
    if (b < e && *b == '-') b++;
    /* the reference's cuts */
    const char *dot = memchr(b, '.', (size_t)(e - b));
    if (dot) e = dot;
    const char *par = memchr(b, '(', (size_t)(e - b));
    if (par) e = par;
    tc_sb out = {0};
    tc_sb_puts(&out, "");
    for (const char *q = b; q < e;) {
        const char *c = memchr(q, ',', (size_t)(e - q));
        const char *pe = c ? c : e, *pb = q;
        trim(&pb, &pe);
        if (pb < pe) {
            if (out.len) tc_sb_puts(&out, ", ");
            tc_sb_append(&out, pb, (size_t)(pe - pb));
        }
        q = c ? c + 1 : e;
    }
    free(s);
    if (out.oom || out.len == 0) { tc_sb_free(&out); return NULL; }
    out.s[tc_utf8_cut(out.s, out.len, TC_SUMMARY_MAX)] = 0;
    return out.s;
}

/* ---------------------------------------------------------------- single_topic */

static const char *const score_markers[] = {"educational value rating:", "educational value:",
                                            "educational score:", "rating:", "score:"};

int tc_parse_single(const char *answer, char **topic, int *score) {
    *topic = NULL;
    *score = -1;
    char *s = normalize(answer ? answer : "");
    if (!s) return tc_error(TC_ENOMEM, "label: out of memory");
    /* the score */
    const char *m = NULL;
    size_t ml = 0;
    for (size_t i = 0; i < sizeof score_markers / sizeof *score_markers && !m; i++)
        if ((m = strcasestr(s, score_markers[i]))) ml = strlen(score_markers[i]);
    if (m) {
        const char *q = m + ml;
        while (*q && (isspace((unsigned char)*q) || quote_len(q)))
            q += quote_len(q) ? quote_len(q) : 1;
        if (isdigit((unsigned char)*q)) {
            long v = strtol(q, NULL, 10);
            if (v >= 1 && v <= 10) *score = (int)v;
        }
    }
    /* the topic */
    const char *b = strcasestr(s, "topic:"), *e;
    if (b) {
        b += 6;
        e = b + strcspn(b, "(,\n");
    } else if (m) {  /* "Linear algebra, Educational value rating: 8" */
        b = m;
        while (b > s && b[-1] != '\n') b--;
        e = m;
    } else {
        free(s);
        *score = -1;
        return TC_EFORMAT;
    }
    if (m && m > b && m < e) e = m;  /* markers on one line without a comma */
    trim(&b, &e);
    while (e > b && (e[-1] == '.' || e[-1] == ';' || e[-1] == '-' || e[-1] == ',' ||
                     isspace((unsigned char)e[-1])))
        e--;
    trim(&b, &e);
    if (b >= e) { free(s); *score = -1; return TC_EFORMAT; }
    *topic = dup_cut(b, e);
    free(s);
    return *topic ? 0 : tc_error(TC_ENOMEM, "label: out of memory");
}

/* ---------------------------------------------------------------- raw */

char *tc_parse_raw(const char *answer) {
    const char *p = answer ? answer : "", *b, *e;
    if (!next_line(&p, &b, &e)) return NULL;
    trim(&b, &e);
    return dup_cut(b, e);
}
