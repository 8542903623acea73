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

/* ---------------------------------------------------------------- byte entry points */

/* answer[0..len) as a C string, NUL bytes as spaces (malloc'd) */
static char *terminated(const char *answer, size_t len) {
    char *s = malloc(len + 1);
    if (!s) return NULL;
    for (size_t i = 0; i < len; i++) s[i] = answer[i] ? answer[i] : ' ';
    s[len] = 0;
    return s;
}

int tc_parse_answer_multiple(const char *answer, size_t len, char **out) {
    *out = NULL;
    char *s = terminated(answer, len);
    if (!s) return tc_error(TC_ENOMEM, "label: out of memory");
    *out = tc_parse_multiple(s);
    free(s);
    return *out ? 0 : TC_EFORMAT;
}

int tc_parse_answer_single(const char *answer, size_t len, char **topic, int *score) {
    *topic = NULL;
    *score = -1;
    char *s = terminated(answer, len);
    if (!s) return tc_error(TC_ENOMEM, "label: out of memory");
    int rc = tc_parse_single(s, topic, score);
    free(s);
    return rc;
}

/* ---------------------------------------------------------------- cleaning */

/* code points a name never keeps: controls and what reorders or breaks a line */
static int invisible(uint32_t c) {
    return c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == 0x061C || c == 0x200E ||
           c == 0x200F || (c >= 0x2028 && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

static uint32_t decode(const unsigned char *s, size_t k) {
    if (k == 1) return s[0];
    uint32_t c = s[0] & (0x7F >> k);
    for (size_t i = 1; i < k; i++) c = c << 6 | (s[i] & 0x3F);
    return c;
}

static char *clean(const char *src, int keep_newlines, size_t cap) {
    char *r = tc_utf8_repair(src ? src : "", src ? strlen(src) : 0);
    if (!r) return NULL;
    size_t n = strlen(r);
    tc_sb b = {0};
    tc_sb_puts(&b, "");
    int space = 0;
    for (size_t i = 0; i < n;) {
        size_t k = tc_utf8_seq((const unsigned char *)r + i, n - i);
        if (!k) k = 1;  /* cannot happen after repair; never loop forever */
        uint32_t c = decode((const unsigned char *)r + i, k);
        if (c == '\r' && keep_newlines && r[i + 1] == '\n') {
            /* CR LF is one line break: the LF makes it */
        } else if (c == '\n' || c == '\r') {
            if (keep_newlines) {
                tc_sb_puts(&b, "\n");
                space = 0;
            } else {
                space = 1;
            }
        } else if (c == ' ' || c == '\t') {
            space = 1;
        } else if (!invisible(c)) {
            if (space && b.len && b.s[b.len - 1] != '\n') tc_sb_puts(&b, " ");
            space = 0;
            tc_sb_append(&b, r + i, k);
        }
        i += k;
    }
    free(r);
    if (b.oom) { tc_sb_free(&b); return NULL; }
    size_t m = cap ? tc_utf8_cut(b.s, b.len, cap) : b.len;
    while (m && b.s[m - 1] == ' ') m--;
    b.s[m] = 0;
    return b.s;
}

char *tc_label_clean(const char *s) { return clean(s, 0, TC_SUMMARY_MAX); }

char *tc_label_clean_answer(const char *s) { return clean(s, 1, 0); }
