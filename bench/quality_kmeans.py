"""k-means NMI of each encoder's vectors at the number of categories
(scikit-learn KMeans, 1 init, seed 0), for bench/quality.sh ENCODERS=1.
  quality_kmeans.py CORPORA OUT "W1 W2 ..."
reads OUT/<corpus>.use-lite.npy, .hashing.npy (textclust embed) and
.tfidf.f32 (bench_tfidf: fitted on the corpus, rows in corpus order), forms
the hybrid [a, w b] / sqrt(1 + w^2) for each weight (what MODEL+tfidf
computes; tests/test_tfidf.c checks the formula against the encoder), and
writes OUT/<corpus>.tfidf.npy and OUT/<corpus>.use-lite+tfidf-W.npy for
the pipeline runs."""
import gzip
import json
import sys

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score

corpora, out, weights = sys.argv[1], sys.argv[2], [float(w) for w in sys.argv[3].split()]
print("| corpus | k | use-lite | tfidf | hashing | " + " | ".join("use-lite+tfidf w=%g" % w for w in weights) + " |")
print("|---|---|---|---|---|" + "---|" * len(weights))
for c in ("debian-packages", "wordnet-glosses", "fortunes"):
    cats = [json.loads(line)["label"] for line in gzip.open("%s/%s.jsonl.gz" % (corpora, c), "rt")]
    n, k = len(cats), len(set(cats))
    U = np.load("%s/%s.use-lite.npy" % (out, c))
    T = np.fromfile("%s/%s.tfidf.f32" % (out, c), dtype="<f4").reshape(n, -1)
    Hs = np.load("%s/%s.hashing.npy" % (out, c))
    np.save("%s/%s.tfidf.npy" % (out, c), T)
    nmi = lambda E: "%.3f" % normalized_mutual_info_score(cats, KMeans(n_clusters=k, n_init=1, random_state=0).fit(E).labels_)
    row = [c + " (%d)" % n, str(k), nmi(U), nmi(T), nmi(Hs)]
    for w in weights:
        H = (np.hstack([U, w * T]) / np.sqrt(1 + w * w)).astype(np.float32)
        np.save("%s/%s.use-lite+tfidf-%g.npy" % (out, c, w), H)
        row.append(nmi(H))
    print("| " + " | ".join(row) + " |", flush=True)
