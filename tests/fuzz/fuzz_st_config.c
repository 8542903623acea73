/* fuzz_st_config.c - the sentence-transformers folder reader
 * (src/embed/bert_load.c): the input is up to five JSON files separated by
 * NUL bytes, written to a temporary model folder as config.json,
 * modules.json, 1_Pooling/config.json, sentence_bert_config.json and
 * tokenizer_config.json (an empty part leaves its file out), beside a tiny
 * valid model.safetensors (hidden 4, 1 layer, 2 heads, ffn 8, 8 positions,
 * vocabulary 10). Whatever loads is run on two short texts through both
 * forward passes, which must agree. */
#include "fuzz.h"
#include "embed/bert.h"

#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>

static char dir[64];
static const char *names[5] = {"config.json", "modules.json", "1_Pooling/config.json", "sentence_bert_config.json",
                               "tokenizer_config.json"};

static void put_file(const char *name, const void *p, size_t n) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) abort();
    if (n && write(fd, p, n) != (ssize_t)n) abort();
    close(fd);
}

/* The weights of the tiny model, F32, values from a fixed pattern. */
static void write_weights(void) {
    static const struct { const char *name; int rows, cols; } t[] = {
        {"embeddings.LayerNorm.bias", 4, 0}, {"embeddings.LayerNorm.weight", 4, 0},
        {"embeddings.position_embeddings.weight", 8, 4}, {"embeddings.token_type_embeddings.weight", 2, 4},
        {"embeddings.word_embeddings.weight", 10, 4},
        {"encoder.layer.0.attention.output.LayerNorm.bias", 4, 0}, {"encoder.layer.0.attention.output.LayerNorm.weight", 4, 0},
        {"encoder.layer.0.attention.output.dense.bias", 4, 0}, {"encoder.layer.0.attention.output.dense.weight", 4, 4},
        {"encoder.layer.0.attention.self.key.bias", 4, 0}, {"encoder.layer.0.attention.self.key.weight", 4, 4},
        {"encoder.layer.0.attention.self.query.bias", 4, 0}, {"encoder.layer.0.attention.self.query.weight", 4, 4},
        {"encoder.layer.0.attention.self.value.bias", 4, 0}, {"encoder.layer.0.attention.self.value.weight", 4, 4},
        {"encoder.layer.0.intermediate.dense.bias", 8, 0}, {"encoder.layer.0.intermediate.dense.weight", 8, 4},
        {"encoder.layer.0.output.LayerNorm.bias", 4, 0}, {"encoder.layer.0.output.LayerNorm.weight", 4, 0},
        {"encoder.layer.0.output.dense.bias", 4, 0}, {"encoder.layer.0.output.dense.weight", 4, 8},
    };
    char header[8192];
    size_t o = 0, off = 0;
    o += (size_t)snprintf(header + o, sizeof header - o, "{");
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        size_t n = (size_t)t[i].rows * (t[i].cols ? t[i].cols : 1) * 4;
        if (t[i].cols)
            o += (size_t)snprintf(header + o, sizeof header - o, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%d,%d],"
                                  "\"data_offsets\":[%zu,%zu]}", i ? "," : "", t[i].name, t[i].rows, t[i].cols, off, off + n);
        else
            o += (size_t)snprintf(header + o, sizeof header - o, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%d],"
                                  "\"data_offsets\":[%zu,%zu]}", i ? "," : "", t[i].name, t[i].rows, off, off + n);
        off += n;
    }
    o += (size_t)snprintf(header + o, sizeof header - o, "}");
    while (o % 8) header[o++] = ' ';
    size_t total = 8 + o + off;
    unsigned char *buf = calloc(1, total);
    if (!buf) abort();
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)((uint64_t)o >> (8 * i));
    memcpy(buf + 8, header, o);
    for (size_t k = 0; k < off / 4; k++) {
        float v = (float)((int)(k * 7 % 13) - 6) * 0.1f;
        memcpy(buf + 8 + o + 4 * k, &v, 4);
    }
    put_file("model.safetensors", buf, total);
    free(buf);
}

static void remove_dir(void) {
    char path[256];
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/1_Pooling", dir);
    rmdir(path);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/fuzz_st_config.XXXXXX", tmp && *tmp && strlen(tmp) < 30 ? tmp : "/tmp");
        if (!mkdtemp(dir)) abort();
        char sub[128];
        snprintf(sub, sizeof sub, "%s/1_Pooling", dir);
        mkdir(sub, 0700);
        write_weights();
        atexit(remove_dir);
    }
    const uint8_t *p = data, *end = data + size;
    for (int i = 0; i < 5; i++) {
        const uint8_t *nul = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL;
        size_t n = nul ? (size_t)(nul - p) : (size_t)(end - p);
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (n) put_file(names[i], p, n);
        else unlink(path);
        p = nul ? nul + 1 : end;
    }
    tc_bert *m = NULL;
    if (tc_bert_load(dir, &m) == 0) {
        int dim = tc_bert_dim(m);
        if (dim < 4 || dim > 16 || tc_bert_max_len(m) < 1 || tc_bert_max_len(m) > 8 || tc_bert_vocab_size(m) != 10)
            abort();
        int32_t ids[3] = {2, 5, 3};
        const int32_t *rows[2] = {ids, ids + 1};
        int len[2] = {tc_bert_max_len(m) < 3 ? tc_bert_max_len(m) : 3, 1};
        float fast[2 * 16], slow[16];
        if (tc_bert_embed_ids(m, rows, len, 2, 2, fast) != 0) abort();
        tc_bert_forward_naive(m, ids, len[0], slow);
        for (int k = 0; k < dim; k++)
            if (!(fabsf(fast[k] - slow[k]) <= 1e-3f * (1 + fabsf(slow[k])))) abort();
        tc_bert_free(m);
    }
    return 0;
}
