/* textwrap.c - Python's textwrap.fill(text, width) with its default
 * options, which the reference uses for the content_display column
 * (textwrap.fill(txt[:1024], 64)). It follows CPython 3.11's textwrap.py
 * step by step, on code points:
 *   1. expandtabs(8) (columns restart after \n and \r), then each of
 *      \t \n \v \f \r becomes a space;
 *   2. wordsep_re splits the text into chunks: runs of spaces; "--" runs
 *      between words; words, cut after a hyphen between letters;
 *   3. _wrap_chunks fills lines greedily, dropping a whitespace chunk that
 *      would start a line (not the first) or end one, and breaking words
 *      longer than the width (after their last hyphen when they have one).
 * "Whitespace" in step 3 is str.strip()'s: Unicode spaces too, so a chunk
 * of only U+00A0 is dropped like a space. \w is a letter or number
 * (Unicode categories L*, N*) or "_", \d a decimal digit (Nd), as in
 * Python's re. */
#include "io/io.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Python's str.isspace(). */
static int py_space(uint32_t c) {
    return (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
           c == 0x202f || c == 0x205f || c == 0x3000;
}

static int re_word(uint32_t c) { /* \w */
    if (c < 128) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    int cat = utf8proc_category((utf8proc_int32_t)c);
    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
           (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
}

static int re_digit(uint32_t c) { /* \d */
    if (c < 128) return c >= '0' && c <= '9';
    return utf8proc_category((utf8proc_int32_t)c) == UTF8PROC_CATEGORY_ND;
}

static int re_letter(uint32_t c) { return re_word(c) && !re_digit(c); } /* [^\d\W] */

static int word_punct(uint32_t c) { /* [\w!"'&.,?] */
    return re_word(c) || c == '!' || c == '"' || c == '\'' || c == '&' || c == '.' || c == ',' || c == '?';
}

/* ---------------------------------------------------------------- decoding */

/* The first max code points of s; invalid bytes read as U+FFFD. */
static uint32_t *decode(const char *str, size_t len, size_t max, size_t *n) {
    const unsigned char *s = (const unsigned char *)str;
    uint32_t *cp = malloc((len < max ? len : max) * sizeof *cp + sizeof *cp);
    if (!cp) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < len && k < max;) {
        size_t l = s[i] == 0 ? 1 : tc_utf8_seq(s + i, len - i);
        uint32_t c;
        if (!l) c = 0xfffd, l = 1;
        else if (l == 1) c = s[i];
        else if (l == 2) c = (uint32_t)(s[i] & 0x1f) << 6 | (s[i + 1] & 0x3f);
        else if (l == 3) c = (uint32_t)(s[i] & 0x0f) << 12 | (uint32_t)(s[i + 1] & 0x3f) << 6 | (s[i + 2] & 0x3f);
        else c = (uint32_t)(s[i] & 0x07) << 18 | (uint32_t)(s[i + 1] & 0x3f) << 12 |
                 (uint32_t)(s[i + 2] & 0x3f) << 6 | (s[i + 3] & 0x3f);
        cp[k++] = c;
        i += l;
    }
    *n = k;
    return cp;
}

static void put_utf8(char **o, uint32_t c) {
    unsigned char *p = (unsigned char *)*o;
    if (c < 0x80) *p++ = (unsigned char)c;
    else if (c < 0x800) *p++ = (unsigned char)(0xc0 | c >> 6), *p++ = (unsigned char)(0x80 | (c & 0x3f));
    else if (c < 0x10000) {
        *p++ = (unsigned char)(0xe0 | c >> 12), *p++ = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
        *p++ = (unsigned char)(0x80 | (c & 0x3f));
    } else {
        *p++ = (unsigned char)(0xf0 | c >> 18), *p++ = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
        *p++ = (unsigned char)(0x80 | ((c >> 6) & 0x3f)), *p++ = (unsigned char)(0x80 | (c & 0x3f));
    }
    *o = (char *)p;
}

/* ---------------------------------------------------------------- chunks */

/* Munged text: only ' ' is whitespace to the splitter from here on. */
static int ws(uint32_t c) { return c == ' '; }

/* A run of two or more hyphens at i followed by \w (the regex's
 * -{2,}(?=\w): the run is taken whole, a shorter one is followed by '-'). */
static int dashes_then_word(const uint32_t *t, size_t n, size_t i) {
    size_t j = i;
    while (j < n && t[j] == '-') j++;
    return j - i >= 2 && j < n && re_word(t[j]);
}

static int letter_at(const uint32_t *t, size_t n, size_t i) { return i < n && re_letter(t[i]); }

/* The end of the chunk starting at p (wordsep_re.split). */
static size_t chunk_end(const uint32_t *t, size_t n, size_t p) {
    if (ws(t[p])) {
        while (p < n && ws(t[p])) p++;
        return p;
    }
    if (p > 0 && word_punct(t[p - 1]) && dashes_then_word(t, n, p)) { /* em-dash between words */
        while (t[p] == '-') p++;
        return p;
    }
    /* a word, lazily: the shortest nws+ after which one of the three endings holds */
    for (size_t e = p + 1;; e++) {
        if (e < n && t[e] == '-') { /* hyphenated word: -(?:(?<=lt{2}-)|(?<=lt-lt-))(?=lt-?lt) */
            int behind = (e >= 2 && re_letter(t[e - 2]) && re_letter(t[e - 1])) ||
                         (e >= 3 && re_letter(t[e - 3]) && t[e - 2] == '-' && re_letter(t[e - 1]));
            int ahead = letter_at(t, n, e + 1) &&
                        (letter_at(t, n, e + 2) || (e + 2 < n && t[e + 2] == '-' && letter_at(t, n, e + 3)));
            if (behind && ahead) return e + 1;
        }
        if (e == n || ws(t[e])) return e;                                        /* end of word */
        if (word_punct(t[e - 1]) && dashes_then_word(t, n, e)) return e;         /* em-dash next */
    }
}

typedef struct { size_t s, e; } span; /* a chunk: t[s, e) */

static int all_space(const uint32_t *t, span c) { /* chunk.strip() == '' */
    for (size_t i = c.s; i < c.e; i++)
        if (!py_space(t[i])) return 0;
    return 1;
}

/* ---------------------------------------------------------------- wrapping */

char *tc_textwrap_fill(const char *text, size_t len, size_t max_chars, size_t width) {
    size_t n0;
    uint32_t *raw = decode(text, len, max_chars, &n0);
    if (!raw) return NULL;
    /* 1. expandtabs(8), then the six ASCII whitespace characters to spaces */
    size_t n = 0, col = 0;
    for (size_t i = 0; i < n0; i++) n += raw[i] == '\t' ? 8 : 1;
    uint32_t *t = malloc((n ? n : 1) * sizeof *t);
    span *ch = malloc((n ? n : 1) * sizeof *ch);
    char *out = malloc(5 * n + 2), *o = out; /* each line holds a character at least */
    if (!t || !ch || !out) {
        free(raw), free(t), free(ch), free(out);
        return NULL;
    }
    n = 0;
    for (size_t i = 0; i < n0; i++) {
        uint32_t c = raw[i];
        if (c == '\t') {
            size_t to = col + 8 - col % 8;
            while (col < to) t[n++] = ' ', col++;
            continue;
        }
        col = c == '\n' || c == '\r' ? 0 : col + 1;
        t[n++] = (c == '\n' || c == '\v' || c == '\f' || c == '\r') ? ' ' : c;
    }
    free(raw);
    /* 2. chunks, kept in a stack (top = next chunk) as _wrap_chunks does */
    size_t nc = 0;
    for (size_t p = 0; p < n;) {
        size_t e = chunk_end(t, n, p);
        ch[nc++] = (span){p, e};
        p = e;
    }
    for (size_t a = 0, b = nc ? nc - 1 : 0; a < b; a++, b--) {
        span x = ch[a];
        ch[a] = ch[b], ch[b] = x;
    }
    /* 3. lines; a line is the chunks [first, last) taken off the stack,
     * the last of which may be a word's head (split off a long chunk) */
    int lines = 0;
    size_t w = width ? width : 1;
    span *line = malloc((nc ? nc : 1) * sizeof *line);
    if (!line) {
        free(t), free(ch), free(out);
        return NULL;
    }
    while (nc) {
        size_t nl = 0, cur = 0;
        if (lines && all_space(t, ch[nc - 1])) nc--;
        while (nc && cur + (ch[nc - 1].e - ch[nc - 1].s) <= w) {
            line[nl++] = ch[nc - 1];
            cur += ch[nc - 1].e - ch[nc - 1].s;
            nc--;
        }
        if (nc && ch[nc - 1].e - ch[nc - 1].s > w) { /* _handle_long_word */
            span *c = &ch[nc - 1];
            size_t left = w - cur, end = left;
            if (c->e - c->s > left) {
                /* break after the last hyphen in chunk[:left], if non-hyphens precede it */
                size_t hy = SIZE_MAX;
                for (size_t i = 0; i < left; i++)
                    if (t[c->s + i] == '-') hy = i;
                if (hy != SIZE_MAX && hy > 0) {
                    int other = 0;
                    for (size_t i = 0; i < hy && !other; i++) other = t[c->s + i] != '-';
                    if (other) end = hy + 1;
                }
            }
            line[nl++] = (span){c->s, c->s + end};
            c->s += end;
        }
        if (nl && all_space(t, line[nl - 1])) nl--;
        if (!nl) continue;
        if (lines++) *o++ = '\n';
        for (size_t k = 0; k < nl; k++)
            for (size_t i = line[k].s; i < line[k].e; i++) put_utf8(&o, t[i]);
    }
    *o = 0;
    free(line), free(t), free(ch);
    return out;
}

/* ---------------------------------------------------------------- summaries */

/* s[0, len) without the leading and trailing characters str.strip() drops. */
static char *py_strip(const char *s, size_t len) {
    size_t n;
    uint32_t *cp = decode(s, len, len, &n);
    if (!cp) return NULL;
    size_t a = 0, b = n;
    while (a < b && py_space(cp[a])) a++;
    while (b > a && py_space(cp[b - 1])) b--;
    char *out = malloc(4 * (b - a) + 1), *o = out;
    if (out) {
        for (size_t i = a; i < b; i++) put_utf8(&o, cp[i]);
        *o = 0;
    }
    free(cp);
    return out;
}

int tc_summary_split(const char *summary, char **category, char **score) {
    *category = *score = NULL;
    if (!summary) return 0;
    size_t len = strlen(summary);
    const char *cut = strstr(summary, ". Educational");
    if (!(*category = py_strip(summary, cut ? (size_t)(cut - summary) : len))) return -1;
    static const char mark[] = " Educational score: ";
    const char *at = strstr(summary, mark);
    if (!at) return 0;
    at += sizeof mark - 1;
    const char *next = strstr(at, mark);
    if (!(*score = py_strip(at, next ? (size_t)(next - at) : strlen(at)))) {
        free(*category), *category = NULL;
        return -1;
    }
    return 0;
}
