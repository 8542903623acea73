"""Helpers of bench/quality.sh's encoder comparison (ENCODERS=1).

  quality_encoders.py reorder CORPUS SAVE OUT.npy
      a save folder's embeddings in the corpus's line order (run shuffles)
  quality_encoders.py hybrid A.npy B.npy W OUT.npy
      [a, w b] / sqrt(1 + w^2), what textclust's MODEL+tfidf computes
      (tests/test_tfidf.c checks that formula against the encoder)
  quality_encoders.py kmeans CORPUS E.npy
      NMI of k-means (scikit-learn, k = the corpus's categories, 3 inits,
      seed 0) on vectors in corpus order
  quality_encoders.py labels CORPUS SAVE L.npy
      NMI / ARI (noise as a label) and noise share of labels L.npy, in the
      order of SAVE/texts.json
Texts are matched to categories (and rows) by their text; a duplicated
text keeps its first category."""
import gzip
import json
import sys

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score


def corpus(path):
    texts, cats = [], []
    with gzip.open(path, "rt") as f:
        for line in f:
            r = json.loads(line)
            texts.append(r["text"])
            cats.append(r["label"])
    return texts, cats


def first_category(texts, cats):
    c = {}
    for t, l in zip(texts, cats):
        c.setdefault(t, l)
    return c


def main():
    cmd = sys.argv[1]
    if cmd == "reorder":
        texts, _ = corpus(sys.argv[2])
        saved = json.load(open(sys.argv[3] + "/texts.json"))
        e = np.load(sys.argv[3] + "/embeddings.npy")
        row = {t: i for i, t in enumerate(saved)}
        np.save(sys.argv[4], e[[row[t] for t in texts]].astype(np.float32))
    elif cmd == "hybrid":
        a, b, w = np.load(sys.argv[2]), np.load(sys.argv[3]), float(sys.argv[4])
        np.save(sys.argv[5], (np.hstack([a, w * b]) / np.sqrt(1 + w * w)).astype(np.float32))
    elif cmd == "kmeans":
        texts, cats = corpus(sys.argv[2])
        e = np.load(sys.argv[3])
        k = len(set(cats))
        km = KMeans(n_clusters=k, n_init=3, random_state=0).fit(e)
        print("%.3f" % normalized_mutual_info_score(cats, km.labels_))
    elif cmd == "labels":
        texts, cats = corpus(sys.argv[2])
        c = first_category(texts, cats)
        saved = json.load(open(sys.argv[3] + "/texts.json"))
        lab = np.load(sys.argv[4])
        truth = [c[t] for t in saved]
        print("%d %.3f %.3f %.1f" % (len(set(lab.tolist()) - {-1}), normalized_mutual_info_score(truth, lab),
                                     adjusted_rand_score(truth, lab), 100 * float(np.mean(lab < 0))))


main()
