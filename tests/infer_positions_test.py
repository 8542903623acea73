#!/usr/bin/env python3
"""infer's x, y against numpy: each new text's place on the map is the mean
of the map positions of its max(top_k, 5) nearest training texts (exact
neighbours by float64 brute force here, ties to the lower index), weighted
by 1 / (squared distance + 1e-6). Training texts inferred again land on
their own points. Prints the trustworthiness (scikit-learn) of the new
texts' places next to the training map's, and asserts the new places keep
most of it. (umap-learn's transform is not installed here to compare with.)"""
import gzip, json, os, subprocess, sys, tempfile
import numpy as np
from sklearn.manifold import trustworthiness

os.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TC = os.environ.get("TC_BIN", "build/textclust")


def run(*args):
    subprocess.run([TC, *args], check=True, stdout=subprocess.DEVNULL)


with tempfile.TemporaryDirectory() as t:
    lines = gzip.open("data/sample.jsonl.gz", "rt").read().splitlines()
    open(t + "/train.jsonl", "w").write("\n".join(lines[:1500]) + "\n")
    open(t + "/new.jsonl", "w").write("\n".join(lines[1500:2000]) + "\n")
    run("run", "--input", t + "/train.jsonl", "--input_content", "text", "--embed_model", "hashing",
        "--dbscan_eps", "0.5", "--dbscan_min_samples", "10", "--threads", "2", "--quiet", "--no_plots",
        "--save_load_path", t + "/a")
    E = np.load(t + "/a/embeddings.npy").astype(np.float64)
    P = np.load(t + "/a/projections.npy").astype(np.float64)
    for top_k in (1, 8):
        run("infer", "--save_load_path", t + "/a", "--input", t + "/new.jsonl", "--input_content", "text",
            "--n_samples", "0", "--top_k", str(top_k), "--threads", "1", "--quiet",
            "--output", t + "/out.jsonl", "--output_embeddings", t + "/q.npy")
        rows = [json.loads(l) for l in open(t + "/out.jsonl")]
        Q = np.load(t + "/q.npy").astype(np.float64)
        got = np.array([[r["x"], r["y"]] for r in rows])
        D = np.maximum((Q * Q).sum(1)[:, None] + (E * E).sum(1)[None] - 2 * Q @ E.T, 0)
        k = max(top_k, 5)
        idx = np.argsort(D, axis=1, kind="stable")[:, :k]
        d = np.take_along_axis(D, idx, 1)
        w = 1 / (d + 1e-6)
        want = (w[:, :, None] * P[idx]).sum(1) / w.sum(1)[:, None]
        err = np.abs(got - want).max(1)
        ok = (err <= 1e-3 * np.maximum(1, np.abs(want).max(1))).mean()
        assert ok >= 0.99, (top_k, ok, err.max())
        print(f"ok: top_k {top_k}: x, y of {ok:.1%} of 500 texts as numpy gives (max error {err.max():.2g})")
    tw_map = trustworthiness(E, P, n_neighbors=10)
    tw_new = trustworthiness(Q, got, n_neighbors=10)
    print(f"trustworthiness (10 neighbours): training map {tw_map:.3f}, new texts placed by infer {tw_new:.3f}")
    assert tw_new >= tw_map - 0.1, (tw_new, tw_map)
    # training texts inferred again: on their own points
    run("infer", "--save_load_path", t + "/a", "--input", t + "/train.jsonl", "--input_content", "text",
        "--n_samples", "0", "--threads", "1", "--quiet", "--output", t + "/self.jsonl")
    texts = json.load(open(t + "/a/texts.json"))
    src = [json.loads(l)["text"] for l in lines[:1500]]
    pos = {}
    for i, tx in enumerate(texts):
        pos.setdefault(tx, []).append(P[i])
    rows = [json.loads(l) for l in open(t + "/self.jsonl")]
    near = 0
    for r, tx in zip(rows, src):
        if len(pos[tx]) == 1:  # a duplicate text is placed between its copies
            near += np.abs(np.array([r["x"], r["y"]]) - pos[tx][0]).max() < 1e-3 * max(1, np.abs(pos[tx][0]).max())
    uniq = sum(len(pos[tx]) == 1 for tx in src)
    assert near >= 0.99 * uniq, (near, uniq)
    print(f"ok: {near} of {uniq} training texts inferred again land on their own points")
