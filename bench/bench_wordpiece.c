/* bench_wordpiece.c - tokenises the first N texts of a gzipped JSONL corpus
 * ({"text": ...} per line, as in ../shared/corpora) with a model folder's
 * WordPiece tokenizer, cut at the model's maximum length, and writes the ids
 * as {"ids": [...]} lines: the input both sides of bench/bert.sh run on.
 * Prints the tokenizer's speed on one thread.
 *   bench_wordpiece MODEL_DIR CORPUS.jsonl.gz N IDS_OUT.jsonl */
#include "embed/bert.h"
#include "embed/wordpiece.h"
#include "textclust.h"
#include "util/util.h"
#include "bench_util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s MODEL_DIR CORPUS.jsonl.gz N IDS_OUT.jsonl\n", argv[0]);
        return 2;
    }
    size_t want = strtoull(argv[3], NULL, 10), n = 0;
    tc_bert *m = NULL;
    tc_wordpiece *wp = NULL;
    if (tc_bert_load(argv[1], &m) || tc_wordpiece_open(argv[1], &wp)) {
        fprintf(stderr, "%s\n", tc_last_error());
        return 1;
    }
    const int max_len = tc_bert_max_len(m);
    FILE *out = fopen(argv[4], "w");
    if (!out) { fprintf(stderr, "cannot open %s\n", argv[4]); return 1; }
    char **texts = read_corpus(argv[2], want, &n);
    int32_t *ids = malloc(n * (size_t)max_len * sizeof *ids);
    int *len = malloc(n * sizeof *len);
    size_t tokens = 0;
    double t0 = tc_now();
    for (size_t i = 0; i < n; i++) {
        len[i] = tc_wordpiece_encode(wp, texts[i], strlen(texts[i]), max_len, ids + i * (size_t)max_len);
        if (len[i] < 0) { fprintf(stderr, "text %zu: %s\n", i, tc_last_error()); return 1; }
        tokens += (size_t)len[i];
    }
    double s = tc_now() - t0;
    for (size_t i = 0; i < n; i++) {
        fputs("{\"ids\": [", out);
        for (int k = 0; k < len[i]; k++) fprintf(out, k ? ", %d" : "%d", ids[i * (size_t)max_len + k]);
        fputs("]}\n", out);
    }
    fclose(out);
    printf("texts %zu\ntokens %zu\nmax_len %d\ntokenize_texts_per_s %.0f\ntokenize_tokens_per_s %.0f\n", n,
           tokens, max_len, n / s, tokens / s);
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts); free(ids); free(len);
    tc_wordpiece_free(wp);
    tc_bert_free(m);
    return 0;
}
