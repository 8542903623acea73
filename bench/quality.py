"""NMI and ARI of a save folder's cluster labels against a corpus's known
categories (scikit-learn's metrics), noise counted as its own label and,
separately, over the non-noise texts only.

usage: quality.py CORPUS.jsonl.gz SAVE_FOLDER
Texts are matched to categories by their text (the first category of a
duplicated text wins)."""
import gzip
import json
import sys

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

corpus, folder = sys.argv[1], sys.argv[2]
cat = {}
with gzip.open(corpus, "rt") as f:
    for line in f:
        r = json.loads(line)
        cat.setdefault(r["text"], r["label"])
texts = json.load(open(folder + "/texts.json"))
labels = np.load(folder + "/cluster_labels.npy")
truth = [cat[t] for t in texts]
keep = labels >= 0
clusters = len(set(labels.tolist()) - {-1})
print("%s: %d texts, %d categories, %d clusters, noise %.1f%%" % (
    corpus.split("/")[-1], len(texts), len(set(truth)), clusters, 100 * (1 - keep.mean())))
print("  all texts (noise = one label): NMI %.3f  ARI %.3f" % (
    normalized_mutual_info_score(truth, labels), adjusted_rand_score(truth, labels)))
t2 = [t for t, k in zip(truth, keep) if k]
print("  non-noise texts only:          NMI %.3f  ARI %.3f" % (
    normalized_mutual_info_score(t2, labels[keep]), adjusted_rand_score(t2, labels[keep])))
