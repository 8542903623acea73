/* fuzz_tokenizer.c - the WordPiece tokenizer's readers
 * (src/embed/wordpiece_load.c): the input as tokenizer.json, and as the
 * tokenizer_config.json beside a fixed vocab.txt; a tokenizer that opens
 * then encodes a few fixed texts at several lengths, so odd vocabularies,
 * added tokens and templates are run through the encoder too. */
#include "fuzz.h"
#include "embed/wordpiece.h"

static const char *const texts[] = {
    "", " ", "Hello, World! [MASK] a[SEP]b", "caf\xc3\xa9 NA\xc3\x8fVE \xc4\xb0stanbul \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
    "\xff\xfe broken \xc3", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "<sw> x<sw> ab abc b c \xe2\x80\x8b\xcc\x81\xef\xac\x81",
};

static const char vocab[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n!\n,\n.\n[\n]\na\nb\nab\n##b\nx\n##x\nhello\n"
                            "caf\n##e\nna\n##ive\n\xe6\x97\xa5\ni\n##\xcc\x87\r\n<sw>\rlast";

static void run(tc_wordpiece *wp) {
    int32_t ids[64];
    int vs = tc_wordpiece_vocab_size(wp);
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        for (int max_len = 2; max_len <= 64; max_len *= 4) {
            int n = tc_wordpiece_encode(wp, texts[i], strlen(texts[i]), max_len, ids);
            if (n > max_len) abort();
            for (int k = 0; k < n; k++)
                if (ids[k] < 0 || ids[k] >= vs) abort();
        }
    tc_wordpiece_free(wp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    tc_wordpiece *wp;
    if (tc_wordpiece_open_json(fuzz_memfile(0, data, size), &wp) == 0) run(wp);
    if (tc_wordpiece_open_vocab(fuzz_memfile(1, vocab, sizeof vocab - 1), fuzz_memfile(0, data, size), &wp) == 0)
        run(wp);
    return 0;
}
