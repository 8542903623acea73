/* bert_load.c - opens a model folder as sentence-transformers saves it:
 *
 *   modules.json               [{"type": "...Transformer", "path": ""},
 *                               {"type": "...Pooling", "path": "1_Pooling"},
 *                               {"type": "...Normalize", "path": "2_Normalize"}]  (Normalize optional)
 *   config.json                transformers' BertConfig (model_type "bert")
 *   sentence_bert_config.json  max_seq_length (classic layout; optional)
 *   tokenizer_config.json      model_max_length (used when the above has none)
 *   1_Pooling/config.json      classic booleans pooling_mode_cls_token, _max_tokens,
 *                              _mean_tokens, _mean_sqrt_len_tokens, or (sentence-transformers
 *                              6) "pooling_mode": "mean" (a string or a list of them)
 *   model.safetensors          the weights, names with or without the "bert." prefix
 *
 * Both module type spellings are accepted: sentence_transformers.models.Pooling and
 * sentence_transformers.sentence_transformer.modules.pooling.Pooling (only the last name
 * counts). Without modules.json the folder is a plain transformers model and, as
 * SentenceTransformer does then, mean pooling without normalisation is used.
 *
 * The maximum length follows sentence-transformers' Transformer module: max_seq_length, else
 * the tokenizer's model_max_length (its "no limit" sentinel, about 1e30, ignored), and never
 * more than max_position_embeddings. */
#include "embed/bert_model.h"
#include "io/io.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_JSON_BYTES (16 << 20)   /* a config file larger than this is not one */

static int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* Parses path as JSON into *root; a missing file gives *root NULL and 0
 * when optional. */
static int read_json(const char *path, int optional, cJSON **root) {
    *root = NULL;
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT && optional) return 0;
        return tc_error(errno == ENOENT ? TC_ENOTFOUND : TC_EIO, "%s: %s", path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) return tc_error(TC_EFORMAT, "%s: not a regular file", path);
    if (st.st_size > MAX_JSON_BYTES)
        return tc_error(TC_EFORMAT, "%s: %lld bytes, too large for a config file", path, (long long)st.st_size);
    char *text;
    size_t len;
    int rc = tc_read_file(path, &text, &len);
    if (rc) return rc;
    *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!*root) return tc_error(TC_EFORMAT, "%s: not valid JSON", path);
    return 0;
}

/* An integer field in [lo, hi]; absent (or null) gives def. */
static int get_int(const char *file, const cJSON *o, const char *key, int def, int lo, int hi, int *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) { *out = def; return 0; }
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
        return tc_error(TC_EFORMAT, "%s: %s: not an integer", file, key);
    if (v->valuedouble < lo || v->valuedouble > hi)
        return tc_error(TC_EFORMAT, "%s: %s: %g is out of range [%d, %d]", file, key, v->valuedouble, lo, hi);
    *out = (int)v->valuedouble;
    return 0;
}

static int get_str(const char *file, const cJSON *o, const char *key, const char *def, const char **out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) { *out = def; return 0; }
    if (!cJSON_IsString(v)) return tc_error(TC_EFORMAT, "%s: %s: not a string", file, key);
    *out = v->valuestring;
    return 0;
}

/* ---------------------------------------------------------------- config.json */

static int parse_config(tc_bert *m, const char *path, const cJSON *c) {
    if (!cJSON_IsObject(c)) return tc_error(TC_EFORMAT, "%s: not a JSON object", path);
    const char *type, *act, *pos_type;
    int rc = get_str(path, c, "model_type", NULL, &type);
    if (rc) return rc;
    if (!type) return tc_error(TC_EFORMAT, "%s: model_type: missing (this encoder runs BERT models, \"bert\")", path);
    if (strcmp(type, "bert") != 0)
        return tc_error(TC_EUNSUPPORTED, "%s: model_type: \"%.60s\" is not supported; this encoder runs BERT "
                        "models (model_type \"bert\": all-MiniLM-L6-v2, BGE, E5, ...)", path, type);
    const cJSON *arch = cJSON_GetObjectItemCaseSensitive(c, "architectures"), *a;
    cJSON_ArrayForEach(a, (cJSON_IsArray(arch) ? arch : NULL))
        if (!cJSON_IsString(a) || strncmp(a->valuestring, "Bert", 4) != 0)
            return tc_error(TC_EUNSUPPORTED, "%s: architectures: \"%.60s\" is not supported; this encoder runs "
                            "BERT models (BertModel and its heads)", path,
                            cJSON_IsString(a) ? a->valuestring : "(not a string)");
    const cJSON *dec = cJSON_GetObjectItemCaseSensitive(c, "is_decoder");
    if (cJSON_IsTrue(dec))
        return tc_error(TC_EUNSUPPORTED, "%s: is_decoder: true is not supported (BERT encoders only)", path);
    /* defaults are BertConfig's */
    if ((rc = get_int(path, c, "hidden_size", 768, 1, 16384, &m->d)) ||
        (rc = get_int(path, c, "num_hidden_layers", 12, 0, 256, &m->n_layers)) ||
        (rc = get_int(path, c, "num_attention_heads", 12, 1, 16384, &m->n_heads)) ||
        (rc = get_int(path, c, "intermediate_size", 3072, 1, 1 << 18, &m->d_ff)) ||
        (rc = get_int(path, c, "max_position_embeddings", 512, 1, 1 << 20, &m->max_pos)) ||
        (rc = get_int(path, c, "vocab_size", 30522, 1, 1 << 24, &m->vocab)) ||
        (rc = get_int(path, c, "type_vocab_size", 2, 1, 1 << 16, &m->type_vocab)))
        return rc;
    if (m->d % m->n_heads)
        return tc_error(TC_EFORMAT, "%s: num_attention_heads: %d does not divide hidden_size %d", path, m->n_heads, m->d);
    m->head_dim = m->d / m->n_heads;
    const cJSON *eps = cJSON_GetObjectItemCaseSensitive(c, "layer_norm_eps");
    m->ln_eps = 1e-12;
    if (eps && !cJSON_IsNull(eps)) {
        if (!cJSON_IsNumber(eps) || !(eps->valuedouble >= 0 && eps->valuedouble < 1))
            return tc_error(TC_EFORMAT, "%s: layer_norm_eps: not a number in [0, 1)", path);
        m->ln_eps = eps->valuedouble;
    }
    if ((rc = get_str(path, c, "hidden_act", "gelu", &act))) return rc;
    if (strcmp(act, "gelu") == 0) m->act = BERT_ACT_GELU;
    else if (strcmp(act, "gelu_new") == 0 || strcmp(act, "gelu_pytorch_tanh") == 0) m->act = BERT_ACT_GELU_TANH;
    else if (strcmp(act, "relu") == 0) m->act = BERT_ACT_RELU;
    else
        return tc_error(TC_EUNSUPPORTED, "%s: hidden_act: \"%.60s\" is not supported (supported: gelu, gelu_new, "
                        "gelu_pytorch_tanh, relu)", path, act);
    if ((rc = get_str(path, c, "position_embedding_type", "absolute", &pos_type))) return rc;
    if (strcmp(pos_type, "absolute") != 0)
        return tc_error(TC_EUNSUPPORTED, "%s: position_embedding_type: \"%.60s\" is not supported (supported: "
                        "absolute)", path, pos_type);
    return 0;
}

/* ---------------------------------------------------------------- max length */

static int parse_max_len(tc_bert *m, const char *tdir) {
    char path[8192];
    cJSON *j;
    int len = 0, rc;
    snprintf(path, sizeof path, "%s/sentence_bert_config.json", tdir);
    if ((rc = read_json(path, 1, &j))) return rc;
    if (j && !cJSON_IsObject(j)) rc = tc_error(TC_EFORMAT, "%s: not a JSON object", path);
    if (!rc && j) rc = get_int(path, j, "max_seq_length", 0, 1, 1 << 30, &len);
    const cJSON *lc = j && !rc ? cJSON_GetObjectItemCaseSensitive(j, "do_lower_case") : NULL;
    if (lc && !cJSON_IsNull(lc) && !cJSON_IsBool(lc))
        rc = tc_error(TC_EFORMAT, "%s: do_lower_case: not true or false", path);
    m->lowercase = cJSON_IsTrue(lc);
    cJSON_Delete(j);
    if (rc) return rc;
    if (!len) {
        snprintf(path, sizeof path, "%s/tokenizer_config.json", tdir);
        if ((rc = read_json(path, 1, &j))) return rc;
        const cJSON *v = cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, "model_max_length") : NULL;
        if (j && !cJSON_IsObject(j)) rc = tc_error(TC_EFORMAT, "%s: not a JSON object", path);
        else if (v && !cJSON_IsNull(v)) {
            if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1))
                rc = tc_error(TC_EFORMAT, "%s: model_max_length: not a positive number", path);
            else if (v->valuedouble < 1e9) len = (int)v->valuedouble;   /* larger: "no limit" */
        }
        cJSON_Delete(j);
        if (rc) return rc;
    }
    m->max_len = len && len < m->max_pos ? len : m->max_pos;
    return 0;
}

/* ---------------------------------------------------------------- pooling */

static int pool_mode_bit(const char *path, const char *s, int *bit) {
    static const struct { const char *name; int bit; } modes[] = {
        {"cls", BERT_POOL_CLS}, {"max", BERT_POOL_MAX}, {"mean", BERT_POOL_MEAN},
        {"mean_sqrt_len_tokens", BERT_POOL_MEAN_SQRT},
    };
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++)
        if (strcmp(s, modes[i].name) == 0) { *bit = modes[i].bit; return 0; }
    return tc_error(TC_EUNSUPPORTED, "%s: pooling_mode: \"%.60s\" is not supported (supported: cls, max, mean, "
                    "mean_sqrt_len_tokens)", path, s);
}

static int parse_pooling(tc_bert *m, const char *path, const cJSON *c) {
    if (!cJSON_IsObject(c)) return tc_error(TC_EFORMAT, "%s: not a JSON object", path);
    int rc, dim;
    const char *dim_key = cJSON_GetObjectItemCaseSensitive(c, "embedding_dimension") ? "embedding_dimension"
                                                                                     : "word_embedding_dimension";
    if ((rc = get_int(path, c, dim_key, m->d, 1, 1 << 20, &dim))) return rc;
    if (dim != m->d)
        return tc_error(TC_EFORMAT, "%s: %s: %d, but the transformer's hidden_size is %d", path, dim_key, dim, m->d);
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(c, "pooling_mode"), *v;
    m->pool = 0;
    if (cJSON_IsString(mode)) {
        if ((rc = pool_mode_bit(path, mode->valuestring, &m->pool))) return rc;
    } else if (cJSON_IsArray(mode)) {
        cJSON_ArrayForEach(v, mode) {
            int bit;
            if (!cJSON_IsString(v)) return tc_error(TC_EFORMAT, "%s: pooling_mode: a mode is not a string", path);
            if ((rc = pool_mode_bit(path, v->valuestring, &bit))) return rc;
            m->pool |= bit;
        }
    } else if (mode && !cJSON_IsNull(mode)) {
        return tc_error(TC_EFORMAT, "%s: pooling_mode: not a string or a list of strings", path);
    } else {
        static const struct { const char *key; int bit; } flags[] = {
            {"pooling_mode_cls_token", BERT_POOL_CLS}, {"pooling_mode_max_tokens", BERT_POOL_MAX},
            {"pooling_mode_mean_tokens", BERT_POOL_MEAN}, {"pooling_mode_mean_sqrt_len_tokens", BERT_POOL_MEAN_SQRT},
            {"pooling_mode_weightedmean_tokens", 0}, {"pooling_mode_lasttoken", 0},
        };
        for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
            v = cJSON_GetObjectItemCaseSensitive(c, flags[i].key);
            if (v && !cJSON_IsBool(v) && !cJSON_IsNull(v))
                return tc_error(TC_EFORMAT, "%s: %s: not true or false", path, flags[i].key);
            if (!cJSON_IsTrue(v)) continue;
            if (!flags[i].bit)
                return tc_error(TC_EUNSUPPORTED, "%s: %s: this pooling mode is not supported (supported: "
                                "cls_token, max_tokens, mean_tokens, mean_sqrt_len_tokens)", path, flags[i].key);
            m->pool |= flags[i].bit;
        }
    }
    if (!m->pool)
        return tc_error(TC_EFORMAT, "%s: pooling_mode: no pooling mode is set (cls, max, mean or "
                        "mean_sqrt_len_tokens)", path);
    m->n_pool = __builtin_popcount((unsigned)m->pool);
    return 0;
}

/* ---------------------------------------------------------------- modules.json */

/* A module path inside the folder: relative, without "..". */
static int safe_rel_path(const char *s) {
    if (s[0] == '/') return 0;
    for (const char *p = s; *p;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') return 0;
        p += n + (e != NULL);
    }
    return strlen(s) < 1024;
}

static const char *last_name(const char *type) {
    const char *dot = strrchr(type, '.');
    return dot ? dot + 1 : type;
}

/* Fills tdir (the transformer's folder) and the pooling/normalize fields. */
static int parse_modules(tc_bert *m, const char *dir, char *tdir, size_t tdir_cap, char *pool_cfg, size_t pool_cap) {
    char path[8192];
    cJSON *j;
    snprintf(path, sizeof path, "%s/modules.json", dir);
    int rc = read_json(path, 1, &j);
    if (rc) return rc;
    snprintf(tdir, tdir_cap, "%s", dir);
    pool_cfg[0] = 0;
    if (!j) {
        m->pool = BERT_POOL_MEAN;
        m->n_pool = 1;
        tc_warn("%s: no modules.json, so not a sentence-transformers folder: using mean pooling, as "
                "SentenceTransformer does for a plain transformers model", dir);
        return 0;
    }
    int stage = 0;   /* 0: want Transformer, 1: want Pooling, 2: Normalize may follow, 3: done */
    const cJSON *mod;
    if (!cJSON_IsArray(j)) rc = tc_error(TC_EFORMAT, "%s: not a JSON list of modules", path);
    cJSON_ArrayForEach(mod, (rc ? NULL : j)) {
        const char *type, *mpath;
        if (!cJSON_IsObject(mod)) { rc = tc_error(TC_EFORMAT, "%s: a module is not an object", path); break; }
        if ((rc = get_str(path, mod, "type", NULL, &type)) || (rc = get_str(path, mod, "path", "", &mpath))) break;
        if (!type) { rc = tc_error(TC_EFORMAT, "%s: type: missing in a module", path); break; }
        if (!safe_rel_path(mpath)) {
            rc = tc_error(TC_EFORMAT, "%s: path: \"%.60s\" is not a folder inside the model", path, mpath);
            break;
        }
        const char *name = last_name(type);
        if (stage == 0 && strcmp(name, "Transformer") == 0) {
            snprintf(tdir, tdir_cap, "%s%s%s", dir, *mpath ? "/" : "", mpath);
            stage = 1;
        } else if (stage == 1 && strcmp(name, "Pooling") == 0) {
            snprintf(pool_cfg, pool_cap, "%s%s%s/config.json", dir, *mpath ? "/" : "", mpath);
            stage = 2;
        } else if (stage == 2 && strcmp(name, "Normalize") == 0) {
            m->normalize = 1;
            stage = 3;
        } else {
            rc = tc_error(TC_EUNSUPPORTED, "%s: type: module \"%.100s\" %s is not supported (supported: Transformer, "
                          "then Pooling, then optionally Normalize)", path, type,
                          stage == 0 ? "before a Transformer" : "here");
            break;
        }
    }
    if (!rc && stage < 2)
        rc = tc_error(TC_EUNSUPPORTED, "%s: no %s module (supported: Transformer, then Pooling, then optionally "
                      "Normalize)", path, stage == 0 ? "Transformer" : "Pooling");
    cJSON_Delete(j);
    return rc;
}

/* ---------------------------------------------------------------- weights */

static float *own(tc_bert *m, size_t count) {
    float **o = realloc(m->owned, (size_t)(m->n_owned + 1) * sizeof *o);
    if (!o) return NULL;
    m->owned = o;
    float *p = malloc(count * sizeof *p);
    if (p) m->owned[m->n_owned++] = p;
    return p;
}

static void to_f32(const tc_st_tensor *t, const unsigned char *src, size_t count, float *dst) {
    for (size_t i = 0; i < count; i++) {
        uint16_t h;
        if (t->dtype == TC_ST_F32) { memcpy(&dst[i], src + 4 * i, 4); continue; }
        memcpy(&h, src + 2 * i, 2);
        dst[i] = t->dtype == TC_ST_F16 ? tc_st_f16_to_f32(h) : tc_st_bf16_to_f32(h);
    }
}

/* The tensor prefix+name of shape (rows) or (rows, cols) as float32: in
 * place when it is aligned F32, else converted into memory of m's. With dst
 * set it is converted there instead. */
static const float *get_weight(tc_bert *m, const char *prefix, const char *name, int rows, int cols, float *dst,
                               int *rc) {
    char full[256];
    snprintf(full, sizeof full, "%s%s", prefix, name);
    const tc_st_tensor *t = tc_st_find(&m->st, full);
    const char *p = m->st.path;
    if (!t) { *rc = tc_error(TC_EFORMAT, "%s: no tensor %s", p, full); return NULL; }
    if (t->dtype != TC_ST_F32 && t->dtype != TC_ST_F16 && t->dtype != TC_ST_BF16) {
        *rc = tc_error(TC_EUNSUPPORTED, "%s: tensor %s: dtype %s is not supported (supported: F32, F16, BF16)", p,
                       full, tc_st_dtype_name(t->dtype));
        return NULL;
    }
    int ndim = cols ? 2 : 1;
    if (t->ndim != ndim || t->shape[0] != rows || (cols && t->shape[1] != cols)) {
        char got[160];
        size_t o = 0;
        got[0] = 0;
        for (int d = 0; d < t->ndim && o < sizeof got - 24; d++)
            o += (size_t)snprintf(got + o, sizeof got - o, d ? ", %lld" : "%lld", (long long)t->shape[d]);
        if (cols) *rc = tc_error(TC_EFORMAT, "%s: tensor %s: shape [%s], config.json implies [%d, %d]", p, full, got, rows, cols);
        else *rc = tc_error(TC_EFORMAT, "%s: tensor %s: shape [%s], config.json implies [%d]", p, full, got, rows);
        return NULL;
    }
    size_t count = tc_st_count(t);
    const unsigned char *src = m->st.data + t->offset;
    const float *out;
    if (!dst && t->dtype == TC_ST_F32 && (uintptr_t)src % sizeof(float) == 0) out = (const float *)src;
    else {
        float *buf = dst ? dst : own(m, count);
        if (!buf) { *rc = tc_error(TC_ENOMEM, "%s: out of memory converting tensor %s", p, full); return NULL; }
        to_f32(t, src, count, buf);
        out = buf;
    }
    /* a corrupt file of the right size shows as NaN or infinity somewhere */
    for (size_t i = 0; i < count; i++)
        if (!isfinite(out[i])) {
            *rc = tc_error(TC_EFORMAT, "%s: tensor %s holds a NaN or infinity at element %zu (corrupt file)", p,
                           full, i);
            return NULL;
        }
    return out;
}

static int map_weights(tc_bert *m) {
    const int d = m->d, ff = m->d_ff;
    const char *pre = tc_st_find(&m->st, "embeddings.word_embeddings.weight") ? ""
                      : tc_st_find(&m->st, "bert.embeddings.word_embeddings.weight") ? "bert." : "";
    int rc = 0;
    const float *type;
    m->word = get_weight(m, pre, "embeddings.word_embeddings.weight", m->vocab, d, NULL, &rc);
    if (!rc) m->pos = get_weight(m, pre, "embeddings.position_embeddings.weight", m->max_pos, d, NULL, &rc);
    if (!rc && (type = get_weight(m, pre, "embeddings.token_type_embeddings.weight", m->type_vocab, d, NULL, &rc)))
        m->type0 = type;
    if (!rc) m->emb_ln_g = get_weight(m, pre, "embeddings.LayerNorm.weight", d, 0, NULL, &rc);
    if (!rc) m->emb_ln_b = get_weight(m, pre, "embeddings.LayerNorm.bias", d, 0, NULL, &rc);
    if (!rc && !(m->layer = calloc((size_t)m->n_layers + 1, sizeof *m->layer)))
        rc = tc_error(TC_ENOMEM, "%s: out of memory", m->st.path);
    for (int l = 0; !rc && l < m->n_layers; l++) {
        bert_layer *L = &m->layer[l];
        char n[128];
#define W(field, suffix, rows, cols)                                                   \
        if (!rc) {                                                                     \
            snprintf(n, sizeof n, "encoder.layer.%d.%s", l, suffix);                   \
            L->field = get_weight(m, pre, n, rows, cols, NULL, &rc);                   \
        }
        /* q, k, v side by side so one product computes all three */
        float *qkv_w = own(m, (size_t)3 * d * d), *qkv_b = own(m, (size_t)3 * d);
        if (!qkv_w || !qkv_b) { rc = tc_error(TC_ENOMEM, "%s: out of memory", m->st.path); break; }
        static const char *qkv[3] = {"query", "key", "value"};
        for (int k = 0; k < 3 && !rc; k++) {
            snprintf(n, sizeof n, "encoder.layer.%d.attention.self.%s.weight", l, qkv[k]);
            get_weight(m, pre, n, d, d, qkv_w + (size_t)k * d * d, &rc);
            snprintf(n, sizeof n, "encoder.layer.%d.attention.self.%s.bias", l, qkv[k]);
            if (!rc) get_weight(m, pre, n, d, 0, qkv_b + (size_t)k * d, &rc);
        }
        L->qkv_w = qkv_w;
        L->qkv_b = qkv_b;
        W(out_w, "attention.output.dense.weight", d, d)
        W(out_b, "attention.output.dense.bias", d, 0)
        W(ln1_g, "attention.output.LayerNorm.weight", d, 0)
        W(ln1_b, "attention.output.LayerNorm.bias", d, 0)
        W(ff1_w, "intermediate.dense.weight", ff, d)
        W(ff1_b, "intermediate.dense.bias", ff, 0)
        W(ff2_w, "output.dense.weight", d, ff)
        W(ff2_b, "output.dense.bias", d, 0)
        W(ln2_g, "output.LayerNorm.weight", d, 0)
        W(ln2_b, "output.LayerNorm.bias", d, 0)
#undef W
    }
    return rc;
}

/* ---------------------------------------------------------------- open */

static int load(tc_bert *m, const char *dir) {
    char tdir[4096 + 1100], pool_cfg[4096 + 1200], path[8192];
    int rc = parse_modules(m, dir, tdir, sizeof tdir, pool_cfg, sizeof pool_cfg);
    if (rc) return rc;
    cJSON *j;
    snprintf(path, sizeof path, "%s/config.json", tdir);
    if ((rc = read_json(path, 0, &j))) return rc;
    rc = parse_config(m, path, j);
    cJSON_Delete(j);
    if (!rc) rc = parse_max_len(m, tdir);
    if (!rc && pool_cfg[0]) {
        if (!(rc = read_json(pool_cfg, 0, &j))) rc = parse_pooling(m, pool_cfg, j);
        cJSON_Delete(j);
    }
    if (rc) return rc;
    m->dim = m->n_pool * m->d;
    snprintf(path, sizeof path, "%s/model.safetensors", tdir);
    if (!file_exists(path)) {
        char alt[8192];
        snprintf(alt, sizeof alt, "%s/model.safetensors.index.json", tdir);
        if (file_exists(alt))
            return tc_error(TC_EUNSUPPORTED, "%s: weights split into several safetensors files are not supported "
                            "(one model.safetensors is)", tdir);
        static const char *others[] = {"pytorch_model.bin", "tf_model.h5", "model.onnx", "flax_model.msgpack"};
        for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
            snprintf(alt, sizeof alt, "%s/%s", tdir, others[i]);
            if (file_exists(alt))
                return tc_error(TC_EUNSUPPORTED, "%s: the weights are only in %s; only safetensors weights "
                                "(model.safetensors) are supported; convert it with python3 -c \"from transformers import "
                                "AutoModel; AutoModel.from_pretrained('%s').save_pretrained('%s', "
                                "safe_serialization=True)\"", tdir, others[i], tdir, tdir);
        }
        return tc_error(TC_ENOTFOUND, "%s: no model.safetensors (the weights; only safetensors is supported)", tdir);
    }
    if ((rc = tc_st_open(path, &m->st))) return rc;
    return map_weights(m);
}

int tc_bert_load(const char *dir, tc_bert **out) {
    *out = NULL;
    tc_bert *m = calloc(1, sizeof *m);
    if (!m) return tc_error(TC_ENOMEM, "out of memory loading %s", dir);
    snprintf(m->dir, sizeof m->dir, "%s", dir);
    int rc = load(m, m->dir);
    if (rc) {
        tc_bert_free(m);
        return rc;
    }
    if ((rc = tc_bert_set_dtype(m, TC_DTYPE_FP32, NULL))) {
        tc_bert_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

static void free_packed(tc_mm_w *pk, int n) {
    for (int i = 0; pk && i < n; i++) tc_mm_free(&pk[i]);
    free(pk);
}

int tc_bert_set_dtype(tc_bert *m, int dtype, int *got) {
    const int d = m->d, ff = m->d_ff, n = 4 * m->n_layers;
    tc_mm_w *pk = calloc((size_t)n, sizeof *pk);
    if (!pk) return tc_error(TC_ENOMEM, "%s: out of memory packing the weights", m->dir);
    int rc = 0;
    for (int l = 0; !rc && l < m->n_layers; l++) {   /* torch's (out, in): element (k, n) at n * k_dim + k */
        const bert_layer *L = &m->layer[l];
        rc = tc_mm_pack(&pk[4 * l], dtype, d, 3 * d, L->qkv_w, 1, (size_t)d, L->qkv_b);
        if (!rc) rc = tc_mm_pack(&pk[4 * l + 1], dtype, d, d, L->out_w, 1, (size_t)d, NULL);
        if (!rc) rc = tc_mm_pack(&pk[4 * l + 2], dtype, d, ff, L->ff1_w, 1, (size_t)d, NULL);
        if (!rc) rc = tc_mm_pack(&pk[4 * l + 3], dtype, ff, d, L->ff2_w, 1, (size_t)ff, NULL);
    }
    if (rc) { free_packed(pk, n); return tc_error_prefix(rc, "%s", m->dir); }
    free_packed(m->pk, n);
    m->pk = pk;
    m->dtype = pk[0].dtype;
    if (got) *got = m->dtype;
    return 0;
}

void tc_bert_free(tc_bert *m) {
    if (!m) return;
    free_packed(m->pk, 4 * m->n_layers);
    for (int i = 0; i < m->n_owned; i++) free(m->owned[i]);
    free(m->owned);
    free(m->layer);
    tc_st_close(&m->st);
    free(m);
}

int tc_bert_dim(const tc_bert *m) { return m->dim; }
int tc_bert_max_len(const tc_bert *m) { return m->max_len; }
int tc_bert_max_positions(const tc_bert *m) { return m->max_pos; }

int tc_bert_set_max_len(tc_bert *m, int n) {
    if (n < 2 || n > m->max_pos)
        return tc_error(TC_EINVAL, "a maximum length of %d tokens: this model takes 2 to %d "
                        "(max_position_embeddings)", n, m->max_pos);
    m->max_len = n;
    return 0;
}
int tc_bert_normalizes(const tc_bert *m) { return m->normalize; }
int tc_bert_lowercases(const tc_bert *m) { return m->lowercase; }
int tc_bert_vocab_size(const tc_bert *m) { return m->vocab; }

double tc_bert_gemm_flops(const tc_bert *m, double n_tokens) {
    double d = m->d, ff = m->d_ff;
    return 2.0 * n_tokens * m->n_layers * (4.0 * d * d + 2.0 * d * ff);
}
