#!/usr/bin/python3
"""PyTorch peer of the BERT encoder benchmark (bench/bert.sh).

Runs a sentence-transformers BERT folder (config.json, 1_Pooling/config.json,
optional 2_Normalize, model.safetensors in F32) with Debian's python3-torch on
token ids read from a JSONL file ({"ids": [...]} per line), the way
SentenceTransformer.encode batches them: texts sorted by length (longest
first), padded to the longest of each batch, attention mask on the padding,
results back in input order. sentence-transformers itself is not installed
here, so the forward is written out with torch.nn.functional.

  torch_bert.py MODEL_DIR IDS.jsonl THREADS BATCH [--out VECTORS.npy]

Prints "key value" lines (texts, tokens, seconds, texts_per_s, tokens_per_s).
"""
import json
import math
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        if t["dtype"] != "F32":
            sys.exit(f"{path}: {name}: only F32 tensors here, not {t['dtype']}")
        a, b = t["data_offsets"]
        arr = np.frombuffer(data[a:b], dtype="<f4").reshape(t["shape"])
        out[name.removeprefix("bert.")] = torch.from_numpy(arr.copy())
    return out


def pooling_mode(cfg):
    if "pooling_mode" in cfg:
        return cfg["pooling_mode"]
    for key, mode in (("pooling_mode_cls_token", "cls"), ("pooling_mode_max_tokens", "max"),
                      ("pooling_mode_mean_tokens", "mean")):
        if cfg.get(key):
            return mode
    sys.exit("unknown pooling mode")


class Bert:
    def __init__(self, folder):
        self.cfg = json.load(open(f"{folder}/config.json"))
        self.w = read_safetensors(f"{folder}/model.safetensors")
        mods = json.load(open(f"{folder}/modules.json"))
        pool = next(m for m in mods if m["type"].endswith("Pooling"))
        self.pool = pooling_mode(json.load(open(f"{folder}/{pool['path']}/config.json")))
        self.normalize = any(m["type"].endswith("Normalize") for m in mods)
        self.heads = self.cfg["num_attention_heads"]
        self.eps = self.cfg["layer_norm_eps"]

    def lin(self, x, name):
        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def ln(self, x, name):
        return F.layer_norm(x, x.shape[-1:], self.w[name + ".weight"], self.w[name + ".bias"], self.eps)

    def forward(self, ids, mask):
        b, n = ids.shape
        w = self.w
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] \
            + w["embeddings.token_type_embeddings.weight"][0]
        x = self.ln(x, "embeddings.LayerNorm")
        d = x.shape[-1]
        hd = d // self.heads
        bias = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for i in range(self.cfg["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            q, k, v = (self.lin(x, p + "attention.self." + t).view(b, n, self.heads, hd).transpose(1, 2)
                       for t in ("query", "key", "value"))
            s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd) + bias
            ctx = torch.matmul(torch.softmax(s, dim=-1), v).transpose(1, 2).reshape(b, n, d)
            x = self.ln(self.lin(ctx, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = F.gelu(self.lin(x, p + "intermediate.dense"))
            x = self.ln(self.lin(h, p + "output.dense") + x, p + "output.LayerNorm")
        m = mask[:, :, None].to(x.dtype)
        if self.pool == "cls":
            out = x[:, 0]
        elif self.pool == "max":
            out = x.masked_fill(m == 0, -1e9).max(dim=1).values
        else:
            out = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return F.normalize(out, p=2, dim=1) if self.normalize else out


def main():
    folder, ids_path, threads, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    out_path = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else None
    torch.set_num_threads(threads)
    model = Bert(folder)
    texts = [json.loads(line)["ids"] for line in open(ids_path)]
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    dim = model.w["embeddings.word_embeddings.weight"].shape[1]
    result = np.zeros((len(texts), dim), dtype=np.float32)

    def run(idx):
        n = max(len(texts[i]) for i in idx)
        ids = torch.zeros((len(idx), n), dtype=torch.long)
        mask = torch.zeros((len(idx), n), dtype=torch.long)
        for r, i in enumerate(idx):
            ids[r, :len(texts[i])] = torch.tensor(texts[i])
            mask[r, :len(texts[i])] = 1
        return model.forward(ids, mask)

    with torch.inference_mode():
        run(order[:batch])  # warm up
        t0 = time.perf_counter()
        for s in range(0, len(order), batch):
            idx = order[s:s + batch]
            result[idx] = run(idx).numpy()
        sec = time.perf_counter() - t0
    tokens = sum(len(t) for t in texts)
    print(f"texts {len(texts)}\ntokens {tokens}\nseconds {sec:.3f}")
    print(f"texts_per_s {len(texts) / sec:.1f}\ntokens_per_s {tokens / sec:.0f}")
    print(f"torch {torch.__version__} threads {torch.get_num_threads()} batch {batch}")
    if out_path:
        np.save(out_path, result)


if __name__ == "__main__":
    main()
