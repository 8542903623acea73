/* fuzz_sp_encode.c - the SentencePiece tokenizer (tc_sp_encode,
 * src/embed/sentencepiece.c) on arbitrary bytes (invalid UTF-8 included)
 * with a small fixed vocabulary. One scratch is reused across inputs, as
 * an encoder thread reuses it across texts. */
#include "fuzz.h"
#include "embed/sentencepiece.h"

static const char vocab[] =
    "[[\"<unk>\",0],[\"<s>\",0],[\"</s>\",0],[\"x1\",0],[\"x2\",0],[\"x3\",0],"
    "[\".\",-3.2],[\"s\",-3.3],[\",\",-3.5],[\"\\u2581the\",-3.5],[\"\\u2581a\",-4],[\"\\u2581\",-2],"
    "[\"e\",-5],[\"t\",-5],[\"th\",-6],[\"he\",-6],[\"\\u2581t\",-6],[\"caf\\u00e9\",-8],"
    "[\"\\ud83d\\ude00\",-9],[\"\\ufffd\",-9],[\"ab\",null],[\"a\",-1],[\"b\",-1],"
    "[\"\\u0130\",-7],[\"ss\",-4],[\"\\u2581\\u2581\",-3]]";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static tc_sp *sp;
    static tc_sp_scratch s;
    fuzz_init();
    if (!sp && tc_sp_load(fuzz_memfile(0, vocab, sizeof vocab - 1), 6, &sp) != 0) abort();
    char *text = fuzz_cstr(data, size);
    int n = tc_sp_encode(sp, text, &s);
    for (int k = 0; k < n; k++)
        if (s.ids[k] < 0 || s.ids[k] >= tc_sp_size(sp)) abort();
    free(text);
    return 0;
}
