#!/usr/bin/python3
"""Quality of 2-D projections of the same embeddings: trustworthiness at
k=15 (cosine in the input space) on a fixed 10,000-point sample, and NMI
against the corpus categories of DBSCAN labels on each projection (noise
counted as one more label), with the same eps / min_samples for all.

usage: umap_eval.py X.npy LABELS.npy N name=P.npy [name=P.npy ...]
"""
import sys
import numpy as np
from sklearn.manifold import trustworthiness
from sklearn.cluster import DBSCAN
from sklearn.metrics import normalized_mutual_info_score as nmi

x = np.load(sys.argv[1], mmap_mode="r")
lab = np.load(sys.argv[2])
n = int(sys.argv[3])
x, lab = np.asarray(x[:n]), lab[:n]
rng = np.random.default_rng(0)
sample = np.sort(rng.choice(n, size=min(10000, n), replace=False))
for arg in sys.argv[4:]:
    name, path = arg.split("=", 1)
    y = np.load(path)
    t = trustworthiness(x[sample], y[sample], n_neighbors=15, metric="cosine")
    out = [f"{name} trust15 {t:.4f}"]
    for eps, ms in ((0.08, 50), (0.25, 50), (0.5, 50)):
        db = DBSCAN(eps=eps, min_samples=ms).fit_predict(y)
        k = db.max() + 1
        out.append(f"nmi(eps={eps},ms={ms}) {nmi(lab, db):.4f} clusters {k} noise {np.mean(db < 0):.3f}")
    print("; ".join(out), flush=True)
