#!/usr/bin/env python3
"""Where `textclust infer` puts a new text on the map, against umap-learn's
own UMAP.transform (Debian's umap-learn 0.5.3).

infer places a new text at the mean of the map positions of its k nearest
training texts (k = max(top_k, TC_XY_MIN_K = 5)), weighted by 1 / (squared
distance + 1e-6) of the unit embeddings (src/core/classifier.c; the rule is
checked against numpy in tests/infer_positions_test.py). umap-learn's
transform instead takes the 15 nearest with fuzzy-set weights and then runs
n_epochs / 3 SGD epochs on the new points with the map held fixed.

    bench/infer_xy.py EMB.npy N_TRAIN N_NEW OUT_DIR

EMB.npy: unit embeddings (bench/infer_xy.sh makes them from the 5,000
descriptions of data/sample.jsonl.gz with the default encoder); the first
N_TRAIN rows are fitted, the next N_NEW placed. Two maps of the training
rows: umap-learn's (UMAP(metric="cosine", random_state=42)) and ours
(`textclust project`, same defaults). On umap-learn's map the rule for
several k is set against transform; on ours, the rule alone. Per
placement, over the new texts only:

- trust@15: trustworthiness of the new texts' places in the map of training
  plus new texts (the per-point form of scikit-learn's measure, averaged
  over the new texts; cosine in the embedding space);
- train-kNN@15: share of a new text's 15 nearest training texts (embedding)
  that are among its 15 nearest training points on the map;
- |rule - transform|: distance between the two placements, median and 90th
  percentile, in units of the map's RMS radius and of the median distance
  from a training point to its 15th nearest training point on the map.
"""
import os
import subprocess
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402

K = 15
TC = os.environ.get("TC_BIN", "build/textclust")


def trust_new(x, y, new, k=K):
    """Mean over rows `new` of the per-point trustworthiness terms, scaled
    as sklearn.manifold.trustworthiness scales their sum."""
    n = len(x)
    xn = x / np.linalg.norm(x, axis=1, keepdims=True)
    pen = 0.0
    for s in range(0, len(new), 256):
        rows = new[s:s + 256]
        dx = 1 - xn[rows] @ xn.T
        dx[np.arange(len(rows)), rows] = -np.inf
        rank = np.empty_like(dx, dtype=np.int64)
        order = np.argsort(dx, axis=1, kind="stable")
        np.put_along_axis(rank, order, np.arange(n)[None, :], axis=1)  # 0 = itself
        dy = ((y[rows][:, None, :] - y[None, :, :]) ** 2).sum(-1)
        dy[np.arange(len(rows)), rows] = np.inf
        nb = np.argpartition(dy, k, axis=1)[:, :k]
        r = np.take_along_axis(rank, nb, 1)
        pen += np.maximum(r - k, 0).sum()
    return 1 - pen * 2.0 / (len(new) * k * (2.0 * n - 3.0 * k - 1.0))


def train_knn(xq, xt, yq, yt, k=K):
    a = np.argsort(-(xq @ xt.T), axis=1, kind="stable")[:, :k]
    dy = ((yq[:, None, :] - yt[None, :, :]) ** 2).sum(-1)
    b = np.argsort(dy, axis=1, kind="stable")[:, :k]
    return float(np.mean([len(set(a[i]) & set(b[i])) / k for i in range(len(xq))]))


def rule(xq, xt, yt, k):
    """infer's x, y: inverse squared-distance weights over the k nearest."""
    d = np.maximum((xq * xq).sum(1)[:, None] + (xt * xt).sum(1)[None] - 2 * xq @ xt.T, 0)
    idx = np.argsort(d, axis=1, kind="stable")[:, :k]
    w = 1 / (np.take_along_axis(d, idx, 1) + 1e-6)
    return (w[:, :, None] * yt[idx]).sum(1) / w.sum(1)[:, None]


def scales(yt):
    rms = float(np.sqrt(((yt - yt.mean(0)) ** 2).sum(1).mean()))
    dy = ((yt[:, None, :] - yt[None, :, :]) ** 2).sum(-1)
    kth = np.sqrt(np.partition(dy, K, axis=1)[:, K])  # column 0 is the point itself
    return rms, float(np.median(kth))


def main():
    emb, n_train, n_new, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    os.makedirs(out, exist_ok=True)
    x = np.load(emb).astype(np.float64)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    xt, xq = x[:n_train], x[n_train:n_train + n_new]
    xa = np.vstack([xt, xq])
    new = np.arange(n_train, n_train + n_new)
    os.environ.setdefault("NUMBA_NUM_THREADS", "2")
    import umap
    t = time.time()
    m = umap.UMAP(n_neighbors=K, min_dist=0.1, metric="cosine", random_state=42)
    yt_ref = m.fit_transform(xt.astype(np.float32)).astype(np.float64)
    t_fit = time.time() - t
    t = time.time()
    yq_tr = m.transform(xq.astype(np.float32)).astype(np.float64)
    t_tr = time.time() - t
    np.save(out + "/train.npy", xt.astype(np.float32))
    subprocess.run([TC, "project", "--input", out + "/train.npy", "--output", out + "/P.npy",
                    "--threads", "2", "--quiet"], check=True)
    yt_our = np.load(out + "/P.npy").astype(np.float64)
    print("# %d training texts, %d new; umap-learn fit %.1f s, transform %.1f s"
          % (n_train, n_new, t_fit, t_tr))
    rows = []

    def measure(map_name, yt, yq, how, ref=None, sc=None):
        ya = np.vstack([yt, yq])
        r = [map_name, how, "%.4f" % trust_new(xa, ya, new),
             "%.3f" % train_knn(xq, xt, yq, yt)]
        if ref is not None:
            dd = np.sqrt(((yq - ref) ** 2).sum(1))
            r.append("%.3f / %.3f" % (np.median(dd) / sc[0], np.percentile(dd, 90) / sc[0]))
            r.append("%.2f / %.2f" % (np.median(dd) / sc[1], np.percentile(dd, 90) / sc[1]))
        else:
            r += ["", ""]
        rows.append(r)
        print(" | ".join(r), flush=True)

    sc = scales(yt_ref)
    print("# umap-learn map: RMS radius %.3f, median distance to the 15th neighbour %.3f" % sc)
    sample = np.arange(0, n_train, max(1, n_train // n_new))[:n_new]
    for name, yt in (("umap-learn", yt_ref), ("textclust", yt_our)):
        r = [name, "training texts (baseline)", "%.4f" % trust_new(xt, yt, sample), "", "", ""]
        rows.append(r)
        print(" | ".join(r), flush=True)
    measure("umap-learn", yt_ref, yq_tr, "transform")
    for k in (1, 5, 10, 15, 30, 50):
        measure("umap-learn", yt_ref, rule(xq, xt, yt_ref, k), "rule k=%d" % k, yq_tr, sc)
    for k in (1, 5, 10, 15, 30, 50):
        measure("textclust", yt_our, rule(xq, xt, yt_our, k), "rule k=%d" % k)
    with open(out + "/infer_xy.tsv", "w") as f:
        for r in rows:
            f.write("\t".join(r) + "\n")


if __name__ == "__main__":
    main()
