/* hashing.c - the built-in encoder that needs no weights.
 *
 * Signed feature hashing (Weinberger et al., "Feature Hashing for Large
 * Scale Multitask Learning", 2009) of lower-cased words and adjacent word
 * pairs into 512 dimensions, square-root damped and L2-normalised. It knows
 * no meaning, only shared vocabulary, but it is fast, deterministic and
 * always available, so the pipeline runs on any machine. */
#include "embed/encoder.h"
#include "util/util.h"

#include <math.h>
#include <string.h>

#define HASH_DIM 512
#define MAX_WORD 64

/* Frequent English function words carry no topic. */
static const char *const stop_words[] = {
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in",
    "is", "it", "its", "of", "on", "or", "that", "the", "this", "to", "was", "were",
    "will", "with", "which", "can", "not", "but", "you", "your", "all", "also", "if",
    "into", "more", "other", "such", "than", "then", "these", "they", "their", "there",
    "when", "who", "what", "one", "any", "may", "so", "some", "do", "does", "no", "we",
    NULL};

static int is_stop(const char *w, size_t n) {
    for (int i = 0; stop_words[i]; i++)
        if (strlen(stop_words[i]) == n && memcmp(stop_words[i], w, n) == 0) return 1;
    return 0;
}

static uint64_t fnv1a(const char *s, size_t n, uint64_t h) {
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

static void add_feature(float *v, uint64_t h, float w) {
    h ^= h >> 29;  /* fold high bits into the index */
    v[h % HASH_DIM] += (h >> 63) ? -w : w;
}

static int word_byte(unsigned char c) { return c >= 0x80 || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z'); }

static void embed_one(const char *s, float *v) {
    memset(v, 0, HASH_DIM * sizeof *v);
    char prev[MAX_WORD], word[MAX_WORD];
    size_t prev_n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (!word_byte(*p)) { p++; continue; }
        size_t n = 0;
        while (*p && word_byte(*p)) {
            if (n < MAX_WORD) word[n++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
            p++;
        }
        if (n < 2 || is_stop(word, n)) continue;
        uint64_t h = fnv1a(word, n, 0xcbf29ce484222325ULL);
        add_feature(v, h, 1.0f);
        if (prev_n) add_feature(v, fnv1a(word, n, fnv1a(prev, prev_n, 0x84222325cbf29ce4ULL) ^ ' '), 0.5f);
        memcpy(prev, word, n);
        prev_n = n;
    }
    double ss = 0;
    for (int j = 0; j < HASH_DIM; j++) {
        v[j] = v[j] < 0 ? -sqrtf(-v[j]) : sqrtf(v[j]);
        ss += (double)v[j] * v[j];
    }
    if (ss == 0) { v[0] = 1; return; }  /* no words: a fixed unit vector */
    float inv = (float)(1.0 / sqrt(ss));
    for (int j = 0; j < HASH_DIM; j++) v[j] *= inv;
}

static int hashing_embed(tc_encoder *e, const char *const *texts, size_t n, float *out) {
    size_t step = n / 100 + 1;
    tc_meter meter;
    int rc = tc_meter_start(&meter, e->p.progress, e->p.progress_ctx, "embed", n);
    for (size_t b = 0; !rc && b < n; b += step) {
        size_t end = b + step < n ? b + step : n;
#pragma omp parallel for schedule(static) num_threads(e->p.n_threads)
        for (size_t i = b; i < end; i++) embed_one(texts[i], out + i * HASH_DIM);
        rc = end < n ? (tc_meter_add(&meter, end - b), tc_meter_tick(&meter)) : tc_meter_report(&meter, n);
    }
    return rc;
}

static const tc_encoder_vt hashing_vt = {hashing_embed, NULL};

int tc_hashing_open(tc_encoder *e) {
    e->vt = &hashing_vt;
    e->dim = HASH_DIM;
    strcpy(e->name, "hashing-512");
    return 0;
}
