/* wordpiece_load.c - configures the WordPiece tokenizer (wordpiece.c) from a
 * model folder: tokenizer.json as the `tokenizers` library saves it, or
 * vocab.txt + tokenizer_config.json (+ special_tokens_map.json) as
 * transformers' BertTokenizer builds the same pipeline from them. Only the
 * BERT pipeline is accepted; anything else is refused by name. */
#include "embed/wordpiece_int.h"
#include "io/io.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SUPPORTED "supported: the BERT WordPiece pipeline (WordPiece, BertNormalizer, BertPreTokenizer, " \
                  "TemplateProcessing or BertProcessing)"

static const cJSON *get(const cJSON *o, const char *key) { return cJSON_GetObjectItemCaseSensitive(o, key); }

/* A boolean field: absent or null keeps *v. */
static int get_bool(const cJSON *o, const char *key, int *v, const char *path, const char *field) {
    const cJSON *j = get(o, key);
    if (!j || cJSON_IsNull(j)) return 0;
    if (!cJSON_IsBool(j)) return tc_error(TC_EFORMAT, "%s: %s.%s: not true or false", path, field, key);
    *v = cJSON_IsTrue(j);
    return 0;
}

/* An id field: an integer in [0, TC_WP_MAX_ID). */
static int get_id(const cJSON *j, int *id, const char *path, const char *field) {
    if (!cJSON_IsNumber(j) || j->valuedouble < 0 || j->valuedouble >= TC_WP_MAX_ID ||
        j->valuedouble != (double)(int)j->valuedouble)
        return tc_error(TC_EFORMAT, "%s: %s: not an id (an integer from 0 to %d)", path, field, TC_WP_MAX_ID - 1);
    *id = (int)j->valuedouble;
    return 0;
}

static const char *type_of(const cJSON *o) {
    const cJSON *t = get(o, "type");
    return cJSON_IsString(t) ? t->valuestring : NULL;
}

static int unsupported(const char *path, const char *field, const cJSON *o) {
    const char *t = cJSON_IsObject(o) ? type_of(o) : NULL;
    return tc_error(TC_EUNSUPPORTED, "%s: %s: %s%s%s is not supported (" SUPPORTED ")", path, field,
                    t ? "\"" : "", t ? t : "this value", t ? "\"" : "");
}

/* ---------------------------------------------------------------- tokenizer.json */

static int json_model(tc_wordpiece *wp, const cJSON *m, const char *path) {
    if (!cJSON_IsObject(m)) return tc_error(TC_EFORMAT, "%s: model: missing or not an object", path);
    const char *t = type_of(m);
    /* files of old versions have no type; a WordPiece model is known by its fields */
    if (t ? strcmp(t, "WordPiece") != 0 : !get(m, "continuing_subword_prefix")) return unsupported(path, "model.type", m);
    const cJSON *unk = get(m, "unk_token"), *pre = get(m, "continuing_subword_prefix");
    const cJSON *mx = get(m, "max_input_chars_per_word"), *vocab = get(m, "vocab");
    if (unk) {
        if (!cJSON_IsString(unk) || strlen(unk->valuestring) >= sizeof wp->unk)
            return tc_error(TC_EFORMAT, "%s: model.unk_token: not a string of under %zu bytes", path, sizeof wp->unk);
        strcpy(wp->unk, unk->valuestring);
    }
    if (pre) {
        if (!cJSON_IsString(pre)) return tc_error(TC_EFORMAT, "%s: model.continuing_subword_prefix: not a string", path);
        int rc = tc_wp_set_prefix(wp, pre->valuestring, path);
        if (rc) return rc;
    }
    if (mx) {
        if (!cJSON_IsNumber(mx) || mx->valuedouble < 0 || mx->valuedouble > 1e9)
            return tc_error(TC_EFORMAT, "%s: model.max_input_chars_per_word: not a count", path);
        wp->max_chars = (int)mx->valuedouble;
    }
    if (!cJSON_IsObject(vocab)) return tc_error(TC_EFORMAT, "%s: model.vocab: missing or not an object", path);
    const cJSON *it;
    cJSON_ArrayForEach(it, vocab) {
        char field[80];
        snprintf(field, sizeof field, "model.vocab[\"%.40s\"]", it->string);
        int id, rc = get_id(it, &id, path, field);
        if (rc) return rc;
        if ((rc = tc_wp_put(wp, it->string, strlen(it->string), id))) return tc_error_prefix(rc, "%s: ", path);
    }
    if (!wp->n_tokens) return tc_error(TC_EFORMAT, "%s: model.vocab: empty", path);
    return 0;
}

static int json_normalizer(tc_wordpiece *wp, const cJSON *n, const char *path) {
    if (!n || cJSON_IsNull(n)) {
        wp->clean = wp->cjk = wp->strip = wp->lower = 0;
        return 0;
    }
    const char *t = cJSON_IsObject(n) ? type_of(n) : NULL;
    if (!t || strcmp(t, "BertNormalizer") != 0) return unsupported(path, "normalizer", n);
    int rc = get_bool(n, "clean_text", &wp->clean, path, "normalizer");
    if (!rc) rc = get_bool(n, "handle_chinese_chars", &wp->cjk, path, "normalizer");
    if (!rc) rc = get_bool(n, "lowercase", &wp->lower, path, "normalizer");
    wp->strip = wp->lower;  /* strip_accents null follows lowercase */
    if (!rc) rc = get_bool(n, "strip_accents", &wp->strip, path, "normalizer");
    return rc;
}

static int json_pre_tokenizer(tc_wordpiece *wp, const cJSON *p, const char *path) {
    if (!p || cJSON_IsNull(p)) { wp->pre_split = 0; return 0; }
    const char *t = cJSON_IsObject(p) ? type_of(p) : NULL;
    if (!t || strcmp(t, "BertPreTokenizer") != 0) return unsupported(path, "pre_tokenizer", p);
    wp->pre_split = 1;
    return 0;
}

static int json_added(tc_wordpiece *wp, const cJSON *a, const char *path) {
    if (!a || cJSON_IsNull(a)) return 0;
    if (!cJSON_IsArray(a)) return tc_error(TC_EFORMAT, "%s: added_tokens: not an array", path);
    const cJSON *it;
    int i = 0;
    cJSON_ArrayForEach(it, a) {
        const cJSON *content = get(it, "content");
        int id, single = 0, norm = 1, special = 0;
        char field[48];
        snprintf(field, sizeof field, "added_tokens[%d].id", i);
        if (!cJSON_IsObject(it) || !cJSON_IsString(content))
            return tc_error(TC_EFORMAT, "%s: added_tokens[%d]: not an object with a content string", path, i);
        int rc = get_id(get(it, "id"), &id, path, field);
        if (!rc) rc = get_bool(it, "single_word", &single, path, "added_tokens");
        if (!rc) rc = get_bool(it, "special", &special, path, "added_tokens");
        norm = !special;  /* the library's default when the field is absent */
        if (!rc) rc = get_bool(it, "normalized", &norm, path, "added_tokens");
        if (rc) return rc;
        if ((rc = tc_wp_add_token(wp, content->valuestring, -1, single, norm))) return tc_error_prefix(rc, "%s: ", path);
        i++;
    }
    return 0;
}

/* The ids of special token name in TemplateProcessing's special_tokens. */
static int template_ids(tc_wordpiece *wp, const cJSON *specials, const char *name, int before, const char *path) {
    const cJSON *st = get(specials, name), *ids = st ? get(st, "ids") : NULL, *it;
    if (!cJSON_IsArray(ids))
        return tc_error(TC_EFORMAT, "%s: post_processor.special_tokens: \"%.40s\": missing or without ids", path, name);
    cJSON_ArrayForEach(it, ids) {
        int id, rc = get_id(it, &id, path, "post_processor.special_tokens.ids");
        if (rc) return rc;
        if (wp->n_pre + wp->n_post >= TC_WP_MAX_TEMPLATE)
            return tc_error(TC_EUNSUPPORTED, "%s: post_processor: more than %d special tokens", path, TC_WP_MAX_TEMPLATE);
        if (before) wp->pre[wp->n_pre++] = id;
        else wp->post[wp->n_post++] = id;
        if (id > wp->max_id) wp->max_id = id;
    }
    return 0;
}

static int json_post(tc_wordpiece *wp, const cJSON *p, const char *path) {
    wp->n_pre = wp->n_post = 0;
    if (!p || cJSON_IsNull(p)) return 0;
    const char *t = cJSON_IsObject(p) ? type_of(p) : NULL;
    if (t && strcmp(t, "BertProcessing") == 0) {
        const cJSON *cls = get(p, "cls"), *sep = get(p, "sep");
        int rc = 0;
        if (!cJSON_IsArray(cls) || !cJSON_IsArray(sep) || cJSON_GetArraySize(cls) != 2 || cJSON_GetArraySize(sep) != 2)
            return tc_error(TC_EFORMAT, "%s: post_processor: cls and sep must be [token, id] pairs", path);
        rc = get_id(cJSON_GetArrayItem(cls, 1), &wp->pre[0], path, "post_processor.cls");
        if (!rc) rc = get_id(cJSON_GetArrayItem(sep, 1), &wp->post[0], path, "post_processor.sep");
        if (rc) return rc;
        wp->n_pre = wp->n_post = 1;
        if (wp->pre[0] > wp->max_id) wp->max_id = wp->pre[0];
        if (wp->post[0] > wp->max_id) wp->max_id = wp->post[0];
        return 0;
    }
    if (!t || strcmp(t, "TemplateProcessing") != 0) return unsupported(path, "post_processor", p);
    const cJSON *single = get(p, "single"), *specials = get(p, "special_tokens"), *it;
    if (!cJSON_IsArray(single) || !cJSON_IsObject(specials))
        return tc_error(TC_EFORMAT, "%s: post_processor: no single template or special_tokens", path);
    int seen_a = 0;
    cJSON_ArrayForEach(it, single) {
        const cJSON *sp = get(it, "SpecialToken"), *sq = get(it, "Sequence");
        if (sp && cJSON_IsString(get(sp, "id"))) {
            int rc = template_ids(wp, specials, get(sp, "id")->valuestring, !seen_a, path);
            if (rc) return rc;
        } else if (sq && !seen_a) {
            seen_a = 1;
        } else {
            return tc_error(TC_EUNSUPPORTED, "%s: post_processor.single: only special tokens around one "
                            "sequence are supported", path);
        }
    }
    if (!seen_a) return tc_error(TC_EFORMAT, "%s: post_processor.single: no sequence", path);
    return 0;
}

static int load_json(tc_wordpiece *wp, const char *path) {
    char *text;
    size_t len;
    int rc = tc_read_file(path, &text, &len);
    if (rc) return rc;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        rc = tc_error(TC_EFORMAT, "%s: not valid JSON (at byte %zu)", path, end ? (size_t)(end - text) : len);
    } else if (!cJSON_IsObject(root)) {
        rc = tc_error(TC_EFORMAT, "%s: not a JSON object", path);
    } else if (get(root, "version") && !(cJSON_IsString(get(root, "version")) &&
                                         strcmp(get(root, "version")->valuestring, "1.0") == 0)) {
        rc = tc_error(TC_EUNSUPPORTED, "%s: version: not \"1.0\", the only one the tokenizers library reads", path);
    } else {
        rc = json_model(wp, get(root, "model"), path);
        if (!rc) rc = json_normalizer(wp, get(root, "normalizer"), path);
        if (!rc) rc = json_pre_tokenizer(wp, get(root, "pre_tokenizer"), path);
        if (!rc) rc = json_added(wp, get(root, "added_tokens"), path);
        if (!rc) rc = json_post(wp, get(root, "post_processor"), path);
        const cJSON *pad = get(root, "padding");
        if (!rc && cJSON_IsObject(pad) && get(pad, "pad_id"))
            rc = get_id(get(pad, "pad_id"), &wp->pad_id, path, "padding.pad_id");
    }
    cJSON_Delete(root);
    free(text);
    return rc;
}

/* ---------------------------------------------------------------- vocab.txt */

/* One token a line, its id the line number; Python's universal newlines
 * (\n, \r\n, \r) end lines. */
static int load_vocab_txt(tc_wordpiece *wp, const char *path) {
    char *text;
    size_t len;
    int rc = tc_read_file(path, &text, &len);
    if (rc) return rc;
    int id = 0;
    for (size_t i = 0; i < len && !rc; id++) {
        size_t j = i;
        while (j < len && text[j] != '\n' && text[j] != '\r') j++;
        if (id >= TC_WP_MAX_ID) rc = tc_error(TC_EFORMAT, "%s: more than %d lines", path, TC_WP_MAX_ID);
        else rc = tc_wp_put(wp, text + i, j - i, id);
        if (j < len && text[j] == '\r' && j + 1 < len && text[j + 1] == '\n') j++;
        i = j + 1;
    }
    free(text);
    if (!rc && !wp->n_tokens) rc = tc_error(TC_EFORMAT, "%s: no tokens", path);
    return rc;
}

/* A token setting: a string, or an AddedToken object with content. NULL if absent. */
static const char *token_text(const cJSON *j, int *single_word, int *normalized) {
    *single_word = 0, *normalized = 0;
    if (cJSON_IsString(j)) return j->valuestring;
    if (!cJSON_IsObject(j) || !cJSON_IsString(get(j, "content"))) return NULL;
    if (cJSON_IsBool(get(j, "single_word"))) *single_word = cJSON_IsTrue(get(j, "single_word"));
    if (cJSON_IsBool(get(j, "normalized"))) *normalized = cJSON_IsTrue(get(j, "normalized"));
    return get(j, "content")->valuestring;
}

static cJSON *read_json_object(const char *path, int *rc) {
    char *text;
    size_t len;
    *rc = tc_read_file(path, &text, &len);
    if (*rc) return NULL;
    cJSON *j = cJSON_ParseWithLength(text, len);
    free(text);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        *rc = tc_error(TC_EFORMAT, "%s: not a JSON object", path);
        return NULL;
    }
    return j;
}

static const char *const SPECIAL_KEYS[] = {"unk_token", "sep_token", "pad_token", "cls_token", "mask_token"};
static const char *const SPECIAL_DEFAULTS[] = {"[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"};

static int load_config(tc_wordpiece *wp, const char *vocab, const char *cfg_path, const char *map_path) {
    int rc = 0;
    cJSON *cfg = cfg_path ? read_json_object(cfg_path, &rc) : cJSON_CreateObject();
    cJSON *map = map_path && !rc ? read_json_object(map_path, &rc) : NULL;
    if (rc) { cJSON_Delete(cfg); return rc; }
    if (!cfg) return tc_error(TC_ENOMEM, "%s: out of memory", vocab);
    const char *where = cfg_path ? cfg_path : vocab;
    const char *cls = get(cfg, "tokenizer_class") && cJSON_IsString(get(cfg, "tokenizer_class"))
                          ? get(cfg, "tokenizer_class")->valuestring : NULL;
    if (cls && strcmp(cls, "BertTokenizer") && strcmp(cls, "BertTokenizerFast") && strcmp(cls, "DistilBertTokenizer") &&
        strcmp(cls, "DistilBertTokenizerFast"))
        rc = tc_error(TC_EUNSUPPORTED, "%s: tokenizer_class: \"%.40s\" is not supported (supported: BertTokenizer "
                      "from vocab.txt, or any BERT WordPiece tokenizer.json)", where, cls);
    if (!rc) rc = get_bool(cfg, "do_lower_case", &wp->lower, where, "tokenizer_config");
    if (!rc) rc = get_bool(cfg, "tokenize_chinese_chars", &wp->cjk, where, "tokenizer_config");
    wp->strip = wp->lower;
    if (!rc) rc = get_bool(cfg, "strip_accents", &wp->strip, where, "tokenizer_config");

    /* added_tokens_decoder ({"id": AddedToken}) is what transformers 4.34+ writes */
    const cJSON *dec = get(cfg, "added_tokens_decoder"), *it;
    if (!rc && cJSON_IsObject(dec))
        cJSON_ArrayForEach(it, dec) {
            int single, norm;
            const char *s = token_text(it, &single, &norm);
            char *endp;
            long id = strtol(it->string, &endp, 10);
            if (!s || *endp || id < 0 || id >= TC_WP_MAX_ID) {
                rc = tc_error(TC_EFORMAT, "%s: added_tokens_decoder: \"%.20s\": not an id and a token", where, it->string);
                break;
            }
            if ((rc = tc_wp_add_token(wp, s, (int)id, single, norm))) break;
        }
    /* special_tokens_map.json overrides the config, as transformers reads them */
    const char *tok[5];
    for (int k = 0; k < 5 && !rc; k++) {
        const cJSON *j = map && get(map, SPECIAL_KEYS[k]) ? get(map, SPECIAL_KEYS[k]) : get(cfg, SPECIAL_KEYS[k]);
        int single = 0, norm = 0;
        tok[k] = j ? token_text(j, &single, &norm) : SPECIAL_DEFAULTS[k];
        if (!tok[k]) tok[k] = SPECIAL_DEFAULTS[k];
        rc = tc_wp_add_token(wp, tok[k], tc_wp_lookup(wp, tok[k], strlen(tok[k])), single, norm);
    }
    const cJSON *extra = map && get(map, "additional_special_tokens") ? get(map, "additional_special_tokens")
                                                                      : get(cfg, "additional_special_tokens");
    if (!rc && cJSON_IsArray(extra))
        cJSON_ArrayForEach(it, extra) {
            int single, norm;
            const char *s = token_text(it, &single, &norm);
            if (s && (rc = tc_wp_add_token(wp, s, -1, single, norm))) break;
        }
    if (!rc) {
        if (strlen(tok[0]) >= sizeof wp->unk) rc = tc_error(TC_EFORMAT, "%s: unk_token: too long", where);
        else strcpy(wp->unk, tok[0]);
    }
    /* the template of BertTokenizer: [CLS] $A [SEP], ids as the tokens resolve */
    for (int k = 0; k < wp->n_added && !rc; k++) {
        const tc_wp_added *a = &wp->added[k];
        if (a->len == strlen(tok[3]) && memcmp(wp->pool + a->off, tok[3], a->len) == 0) wp->pre[0] = a->id, wp->n_pre = 1;
        if (a->len == strlen(tok[1]) && memcmp(wp->pool + a->off, tok[1], a->len) == 0) wp->post[0] = a->id, wp->n_post = 1;
        if (a->len == strlen(tok[2]) && memcmp(wp->pool + a->off, tok[2], a->len) == 0) wp->pad_id = a->id;
    }
    cJSON_Delete(cfg);
    cJSON_Delete(map);
    return rc;
}

/* ---------------------------------------------------------------- openers */

static int finish_open(tc_wordpiece *wp, int rc, const char *where, tc_wordpiece **out) {
    if (!rc) rc = tc_wp_finish(wp, where);
    if (rc) { tc_wordpiece_free(wp); return rc; }
    *out = wp;
    return 0;
}

int tc_wordpiece_open_json(const char *tokenizer_json, tc_wordpiece **out) {
    *out = NULL;
    tc_wordpiece *wp = tc_wp_new();
    if (!wp) return tc_error(TC_ENOMEM, "%s: out of memory", tokenizer_json);
    return finish_open(wp, load_json(wp, tokenizer_json), tokenizer_json, out);
}

static int open_vocab(const char *vocab, const char *cfg, const char *map, tc_wordpiece **out) {
    *out = NULL;
    tc_wordpiece *wp = tc_wp_new();
    if (!wp) return tc_error(TC_ENOMEM, "%s: out of memory", vocab);
    int rc = load_vocab_txt(wp, vocab);
    if (!rc) rc = load_config(wp, vocab, cfg, map);
    return finish_open(wp, rc, vocab, out);
}

int tc_wordpiece_open_vocab(const char *vocab_txt, const char *tokenizer_config, tc_wordpiece **out) {
    return open_vocab(vocab_txt, tokenizer_config, NULL, out);
}

static int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

int tc_wordpiece_open(const char *dir, tc_wordpiece **out) {
    *out = NULL;
    size_t n = strlen(dir) + 32;
    char *json = malloc(n), *vocab = malloc(n), *cfg = malloc(n), *map = malloc(n);
    int rc;
    if (!json || !vocab || !cfg || !map) {
        rc = tc_error(TC_ENOMEM, "%s: out of memory", dir);
    } else {
        snprintf(json, n, "%s/tokenizer.json", dir);
        snprintf(vocab, n, "%s/vocab.txt", dir);
        snprintf(cfg, n, "%s/tokenizer_config.json", dir);
        snprintf(map, n, "%s/special_tokens_map.json", dir);
        if (exists(json)) rc = tc_wordpiece_open_json(json, out);
        else if (exists(vocab)) rc = open_vocab(vocab, exists(cfg) ? cfg : NULL, exists(map) ? map : NULL, out);
        else rc = tc_error(TC_ENOTFOUND, "%s: no tokenizer.json or vocab.txt", dir);
    }
    free(json), free(vocab), free(cfg), free(map);
    return rc;
}
