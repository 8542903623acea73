"""Scores one clustering for bench/quality.sh ENCODERS=1.
  quality_encoders.py labels CORPUS SAVE L.npy
prints: clusters, NMI, ARI (scikit-learn's metrics, noise as a label of its
own) and the noise share in percent of labels L.npy, whose order is that of
SAVE/texts.json. Texts are matched to categories by their text; a
duplicated text keeps its first category."""
import gzip
import json
import sys

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

assert sys.argv[1] == "labels"
cat = {}
with gzip.open(sys.argv[2], "rt") as f:
    for line in f:
        r = json.loads(line)
        cat.setdefault(r["text"], r["label"])
saved = json.load(open(sys.argv[3] + "/texts.json"))
lab = np.load(sys.argv[4])
truth = [cat[t] for t in saved]
print("%d %.3f %.3f %.1f" % (len(set(lab.tolist()) - {-1}), normalized_mutual_info_score(truth, lab),
                             adjusted_rand_score(truth, lab), 100 * float(np.mean(lab < 0))))
