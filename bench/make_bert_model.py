#!/usr/bin/python3
"""Writes a random-weight BERT model with all-MiniLM-L6-v2's shape (hidden 384, 6 layers, 12 heads,
ffn 1536, max length 256) in the folder layout sentence-transformers 2.x saves (the one
all-MiniLM-L6-v2 has: models.Transformer / Pooling (mean) / Normalize), for the encoder benchmark.
The tokenizer files are the golden models' (tests/data/bert/bert-mean-norm/model, an 8,000-piece
lower-cased WordPiece vocabulary), so vocab_size is 8000; the weight products, which are what the
benchmark measures, have MiniLM's shapes. model.safetensors is written by hand (numpy only).

  bench/make_bert_model.py OUT_DIR [--ids CORPUS.jsonl.gz N IDS.jsonl] [--seed S]

With --ids it also writes the token ids of the first N texts of a corpus ({"text"} per line, as in
../shared/corpora) as {"ids": [...]} lines, from a plain Python WordPiece (lower-casing, accent
stripping, punctuation split, greedy longest match, [CLS] ... [SEP], cut to 256). It is close to,
not identical with, the Hugging Face tokenizer; both sides of the benchmark get the same ids."""
import gzip
import json
import os
import shutil
import struct
import sys
import unicodedata

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "tests", "data", "bert")
HIDDEN, LAYERS, HEADS, FFN, MAX_LEN, MAX_POS, VOCAB = 384, 6, 12, 1536, 256, 512, 8000


def tensors(rng):
    def w(*shape, std=0.05):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    ones = lambda n: np.ones(n, np.float32)
    t = {
        "embeddings.word_embeddings.weight": w(VOCAB, HIDDEN),
        "embeddings.position_embeddings.weight": w(MAX_POS, HIDDEN),
        "embeddings.token_type_embeddings.weight": w(2, HIDDEN),
        "embeddings.LayerNorm.weight": ones(HIDDEN),
        "embeddings.LayerNorm.bias": w(HIDDEN, std=0.01),
    }
    for l in range(LAYERS):
        p = "encoder.layer.%d." % l
        for name in ("query", "key", "value"):
            t[p + "attention.self.%s.weight" % name] = w(HIDDEN, HIDDEN)
            t[p + "attention.self.%s.bias" % name] = w(HIDDEN, std=0.01)
        t[p + "attention.output.dense.weight"] = w(HIDDEN, HIDDEN)
        t[p + "attention.output.dense.bias"] = w(HIDDEN, std=0.01)
        t[p + "attention.output.LayerNorm.weight"] = ones(HIDDEN)
        t[p + "attention.output.LayerNorm.bias"] = w(HIDDEN, std=0.01)
        t[p + "intermediate.dense.weight"] = w(FFN, HIDDEN)
        t[p + "intermediate.dense.bias"] = w(FFN, std=0.01)
        t[p + "output.dense.weight"] = w(HIDDEN, FFN)
        t[p + "output.dense.bias"] = w(HIDDEN, std=0.01)
        t[p + "output.LayerNorm.weight"] = ones(HIDDEN)
        t[p + "output.LayerNorm.bias"] = w(HIDDEN, std=0.01)
    t["pooler.dense.weight"] = w(HIDDEN, HIDDEN)
    t["pooler.dense.bias"] = w(HIDDEN, std=0.01)
    return t


def write_safetensors(path, t):
    header, off = {"__metadata__": {"format": "pt"}}, 0
    for name in sorted(t):
        n = t[name].nbytes
        header[name] = {"dtype": "F32", "shape": list(t[name].shape), "data_offsets": [off, off + n]}
        off += n
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for name in sorted(t):
            f.write(np.ascontiguousarray(t[name], dtype="<f4").tobytes())


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)


def make_model(out, seed):
    os.makedirs(os.path.join(out, "1_Pooling"), exist_ok=True)
    os.makedirs(os.path.join(out, "2_Normalize"), exist_ok=True)
    write_json(os.path.join(out, "config.json"), {
        "architectures": ["BertModel"], "model_type": "bert", "hidden_size": HIDDEN,
        "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "intermediate_size": FFN,
        "max_position_embeddings": MAX_POS, "vocab_size": VOCAB, "type_vocab_size": 2,
        "layer_norm_eps": 1e-12, "hidden_act": "gelu", "position_embedding_type": "absolute",
        "pad_token_id": 0, "initializer_range": 0.05})
    write_json(os.path.join(out, "modules.json"), [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
    write_json(os.path.join(out, "1_Pooling", "config.json"), {
        "word_embedding_dimension": HIDDEN, "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False})
    write_json(os.path.join(out, "2_Normalize", "config.json"), {})
    write_json(os.path.join(out, "sentence_bert_config.json"), {"max_seq_length": MAX_LEN, "do_lower_case": False})
    src = os.path.join(GOLDEN, "bert-mean-norm", "model")
    shutil.copy(os.path.join(src, "tokenizer.json"), out)
    with open(os.path.join(src, "tokenizer_config.json")) as f:
        tc = json.load(f)
    tc["model_max_length"] = MAX_LEN
    write_json(os.path.join(out, "tokenizer_config.json"), tc)
    shutil.copy(os.path.join(GOLDEN, "vocab", "vocab.txt"), out)
    write_safetensors(os.path.join(out, "model.safetensors"), tensors(np.random.default_rng(seed)))


def wordpiece_ids(text, vocab):
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    words, cur = [], ""
    for c in text:
        cat = unicodedata.category(c)
        if c.isspace() or cat.startswith("C"):
            words, cur = words + ([cur] if cur else []), ""
        elif cat.startswith("P") or (c.isascii() and not c.isalnum()):
            words, cur = words + ([cur] if cur else []) + [c], ""
        else:
            cur += c
    if cur:
        words.append(cur)
    ids = [vocab["[CLS]"]]
    for w in words:
        start, pieces = 0, []
        while start < len(w):
            end = len(w)
            while end > start:
                piece = ("##" if start else "") + w[start:end]
                if piece in vocab:
                    pieces.append(vocab[piece])
                    break
                end -= 1
            if end == start:
                pieces = [vocab["[UNK]"]]
                break
            start = end
        ids += pieces
        if len(ids) >= MAX_LEN - 1:
            break
    return ids[:MAX_LEN - 1] + [vocab["[SEP]"]]


def write_ids(corpus, n, path):
    with open(os.path.join(GOLDEN, "vocab", "vocab.txt"), encoding="utf-8") as f:
        vocab = {line.rstrip("\n"): i for i, line in enumerate(f)}
    done = 0
    with gzip.open(corpus, "rt", encoding="utf-8") as f, open(path, "w") as out:
        for line in f:
            if done == n:
                break
            out.write(json.dumps({"ids": wordpiece_ids(json.loads(line)["text"], vocab)}) + "\n")
            done += 1


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 1
    make_model(argv[1], seed)
    if "--ids" in argv:
        i = argv.index("--ids")
        write_ids(argv[i + 1], int(argv[i + 2]), argv[i + 3])


if __name__ == "__main__":
    main(sys.argv)
