#!/usr/bin/python3
"""Makes 512-d unit vectors for a corpus (gzipped JSONL with "text" and
"label") with scikit-learn: TF-IDF (sublinear tf, English stop words,
min_df 2) then TruncatedSVD(512), rows L2-normalised. Writes
<out>.npy (N x 512 float32) and <out>.labels.npy (N int64 category ids).
Stand-in for the sentence encoder in the UMAP benchmark.

usage: umap_embed.py corpus.jsonl.gz out_prefix
"""
import gzip, json, sys
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.decomposition import TruncatedSVD

src, out = sys.argv[1], sys.argv[2]
texts, labels = [], []
with gzip.open(src, "rt", encoding="utf-8") as f:
    for line in f:
        r = json.loads(line)
        texts.append(r["text"])
        labels.append(r["label"])
names = sorted(set(labels))
lab = np.array([names.index(l) for l in labels], dtype=np.int64)
x = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2).fit_transform(texts)
e = TruncatedSVD(n_components=512, random_state=0).fit_transform(x).astype(np.float32)
e /= np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)
np.save(out + ".npy", e)
np.save(out + ".labels.npy", lab)
print(f"{src}: {e.shape[0]} x {e.shape[1]}, {len(names)} categories -> {out}.npy")
