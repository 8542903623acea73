/* wordpiece.h - the BERT WordPiece tokenizer as the Hugging Face `tokenizers`
 * library (0.23) runs it: BertNormalizer, BertPreTokenizer, WordPiece, the
 * added (special) tokens and the [CLS] ... [SEP] template, with truncation.
 * Configured from a model folder's tokenizer.json, or from vocab.txt with
 * tokenizer_config.json as transformers' BertTokenizer builds it. Ids are
 * the library's (tests/test_wordpiece.c checks them against it, character
 * classes included). A sentence-transformers do_lower_case (Python's
 * str.lower before tokenising) is the caller's to apply. */
#ifndef TC_WORDPIECE_H
#define TC_WORDPIECE_H

#include <stddef.h>
#include <stdint.h>

typedef struct tc_wordpiece tc_wordpiece;

/* Opens the tokenizer of a model folder: dir/tokenizer.json when it exists, else
 * dir/vocab.txt with dir/tokenizer_config.json (and special_tokens_map.json if present).
 * 0 and *out set, or a negative TC_E* code (TC_EUNSUPPORTED for a tokenizer.json of
 * another kind, naming what it is) with *out NULL. Free with tc_wordpiece_free. */
int tc_wordpiece_open(const char *dir, tc_wordpiece **out);
/* Same, from explicit files (tokenizer_config may be NULL: BERT uncased defaults). */
int tc_wordpiece_open_vocab(const char *vocab_txt, const char *tokenizer_config, tc_wordpiece **out);
int tc_wordpiece_open_json(const char *tokenizer_json, tc_wordpiece **out);

/* Ids of text (len bytes, UTF-8, may contain NUL) as [CLS] pieces... [SEP], at most max_len
 * ids (max_len >= 2): the pieces are truncated to max_len - 2 as tokenizers' truncation does.
 * Writes ids, returns their count (>= 2), or a negative tc error code. Must stop reading the
 * text once max_len - 2 pieces are known (a 10 MB text with max_len 256 costs microseconds).
 * The template's special tokens are what tokenizer.json's post_processor says (2 for BERT;
 * none when it is null). An invalid UTF-8 byte reads as U+FFFD. Thread-safe on a shared
 * tokenizer; allocates nothing unless a word of over 256 chars meets a tokenizer whose
 * max_input_chars_per_word allows it. */
int tc_wordpiece_encode(const tc_wordpiece *wp, const char *text, size_t len, int max_len, int32_t *ids);

/* One more than the largest id the tokenizer can give (vocabulary and added tokens). */
int tc_wordpiece_vocab_size(const tc_wordpiece *wp);
/* The id of the padding token: tokenizer.json's padding.pad_id, else the pad token's
 * ([PAD] or tokenizer_config's pad_token), else 0. */
int tc_wordpiece_pad_id(const tc_wordpiece *wp);
/* NULL is a no-op. */
void tc_wordpiece_free(tc_wordpiece *wp);

#endif
