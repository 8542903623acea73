/* sentencepiece.h - SentencePiece unigram tokenizer as the USE-lite
 * JavaScript reference applies it (see sentencepiece.c). */
#ifndef TC_SENTENCEPIECE_H
#define TC_SENTENCEPIECE_H

#include <stddef.h>
#include <stdint.h>

typedef struct tc_sp tc_sp;

/* Per-thread working memory of tc_sp_encode; grows to the longest text
 * seen and is reused, so encoding allocates nothing once warm.
 * Zero-initialise; free with tc_sp_scratch_free. */
typedef struct tc_sp_scratch {
    uint32_t *cps;      /* (cap) code points after NFKC, with the word marker */
    int32_t *words;     /* (cap + 1) best piece ending at each position */
    double *best;       /* (cap + 1) best path score to each position */
    int32_t *ids;       /* (cap) the result */
    char *fixed;        /* (fixed_cap) input with invalid UTF-8 replaced */
    size_t cap, fixed_cap;
} tc_sp_scratch;

/* Loads a vocabulary: a JSON array of [piece, score] pairs (vocab.json of
 * the TF.js USE-lite model). Ids are array positions; the first
 * n_reserved (6) entries are control pieces that never match text. */
int tc_sp_load(const char *path, int n_reserved, tc_sp **out);
void tc_sp_free(tc_sp *sp);
int tc_sp_size(const tc_sp *sp);

/* Tokenizes a NUL-terminated UTF-8 text. Returns the number of ids (>= 0),
 * stored in s->ids, or a negative TC_E* code (out of memory). */
int tc_sp_encode(const tc_sp *sp, const char *text, tc_sp_scratch *s);

void tc_sp_scratch_free(tc_sp_scratch *s);

#endif
