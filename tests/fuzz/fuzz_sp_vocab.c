/* fuzz_sp_vocab.c - the SentencePiece vocabulary reader (vocab.json,
 * src/embed/sentencepiece.c); a vocabulary that loads then tokenizes a few
 * fixed texts, so a trie built from odd pieces is walked too. */
#include "fuzz.h"
#include "embed/sentencepiece.h"

static const char *const texts[] = {
    "", " ", "Hello world, the a and of.", "\xef\xbc\xa1\xe2\x85\xa0 caf\xc3\xa9 \xf0\x9f\x98\x80",
    "\xff\xfe broken \xc3", "  two  spaces  ",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    tc_sp *sp;
    if (tc_sp_load(fuzz_memfile(0, data, size), 6, &sp) != 0) return 0;
    tc_sp_scratch s = {0};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        int n = tc_sp_encode(sp, texts[i], &s);
        for (int k = 0; k < n; k++)
            if (s.ids[k] < 0 || s.ids[k] >= tc_sp_size(sp)) abort();
    }
    tc_sp_scratch_free(&s);
    tc_sp_free(sp);
    return 0;
}
