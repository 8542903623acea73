"""Save folders cross between textclust and the Python stack (numpy, faiss,
json) both ways, as the reference tool reads and writes them.

1. Every file textclust writes loads with numpy / faiss / json with the
   reference's dtypes and shapes, and faiss finds the same nearest
   neighbours (labels and distances) as `textclust infer`.
2. A folder written here with numpy, faiss and json, the way the reference
   saves, loads in textclust, and infer labels texts from it.
"""
import json
import os
import subprocess
import sys
import tempfile

import faiss
import numpy as np

TC = os.environ.get("TC_BIN", "build/textclust")


def tc(*args, **kw):
    r = subprocess.run([TC, *args, "--quiet", "--threads", "2"], capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit("textclust %s failed:\n%s" % (" ".join(args), r.stderr))
    return r.stdout


def texts_from_sample(n, skip=0):
    import gzip
    with gzip.open("data/sample.jsonl.gz", "rt") as f:
        rows = [json.loads(l) for _, l in zip(range(skip + n), f)]
    return rows[skip:]


def main():
    tmp = tempfile.mkdtemp(prefix="tc-interop.")
    train = texts_from_sample(800)
    path = os.path.join(tmp, "train.jsonl")
    with open(path, "w") as f:
        for r in train:
            f.write(json.dumps(r) + "\n")
    folder = os.path.join(tmp, "save")
    tc("run", "--input", path, "--input_content", "text", "--save_load_path", folder, "--embed_model", "hashing",
       "--dbscan_eps", "0.5", "--dbscan_min_samples", "10", "--no_plots")

    # 1. our files, read by the Python stack
    E = np.load(os.path.join(folder, "embeddings.npy"))
    P = np.load(os.path.join(folder, "projections.npy"))
    L = np.load(os.path.join(folder, "cluster_labels.npy"))
    texts = json.load(open(os.path.join(folder, "texts.json")))
    summaries = json.load(open(os.path.join(folder, "cluster_summaries.json")))
    assert E.dtype == np.float32 and E.ndim == 2 and E.shape[0] == 800, (E.dtype, E.shape)
    assert P.dtype == np.float32 and P.shape == (800, 2), (P.dtype, P.shape)
    assert L.dtype == np.int64 and L.shape == (800,), (L.dtype, L.shape)
    assert E.flags["C_CONTIGUOUS"]
    assert len(texts) == 800 and sorted(texts) == sorted(r["text"] for r in train)
    assert summaries["-1"] == "None"
    assert {int(k) for k in summaries} == set(L.tolist()) | {-1}, "a summary per cluster"
    index = faiss.read_index(os.path.join(folder, "faiss.index"))
    assert index.ntotal == 800 and index.d == E.shape[1] and index.metric_type == faiss.METRIC_L2
    assert np.array_equal(index.reconstruct_n(0, 800), E)

    # faiss and textclust infer agree on new texts
    new = texts_from_sample(300, skip=800)
    qpath = os.path.join(tmp, "new.jsonl")
    with open(qpath, "w") as f:
        for r in new:
            f.write(json.dumps(r) + "\n")
    out = tc("infer", "--save_load_path", folder, "--input", qpath, "--input_content", "text",
             "--output_embeddings", os.path.join(tmp, "q.npy"))
    rows = [json.loads(l) for l in out.splitlines()]
    Q = np.load(os.path.join(tmp, "q.npy"))
    assert Q.shape == (300, E.shape[1]) and len(rows) == 300
    D, I = index.search(Q, 1)
    assert np.allclose(D[:, 0], [r["distance"] for r in rows], atol=1e-4), "distances differ"
    agree = sum(int(L[i]) == r["label"] for i, r in zip(I[:, 0], rows))
    assert agree == 300, "faiss's nearest neighbour has another label for %d texts" % (300 - agree)

    # 2. a folder written the reference's way, loaded and used by textclust
    ref = os.path.join(tmp, "ref")
    os.makedirs(ref)
    Eref = Q[:200].copy()                          # vectors of our encoder, so infer can embed
    rng = np.random.default_rng(0)
    Lref = (np.arange(200) % 4).astype(np.int64)
    Lref[:20] = -1
    Pref = rng.normal(size=(200, 2)).astype(np.float32)
    np.save(os.path.join(ref, "embeddings.npy"), Eref)
    np.save(os.path.join(ref, "projections.npy"), Pref)
    np.save(os.path.join(ref, "cluster_labels.npy"), Lref)
    json.dump([r["text"] for r in new[:200]], open(os.path.join(ref, "texts.json"), "w"))
    json.dump({"0": "Games, Puzzle, Strategy", "1": "Fonts, Typography, Glyph",
               "2": "Python, Library, Module", "3": "Kernel, Driver, Firmware", "-1": "None"},
              open(os.path.join(ref, "cluster_summaries.json"), "w"))
    ix = faiss.IndexFlatL2(Eref.shape[1])
    ix.add(Eref)
    faiss.write_index(ix, os.path.join(ref, "faiss.index"))
    out = tc("load", "--save_load_path", ref, "--no_plots")
    assert "1: Fonts, Typography, Glyph" in out, out
    out = tc("infer", "--save_load_path", ref, "--input", qpath, "--input_content", "text",
             "--embed_model", "hashing", "--end", "200", "--start", "0")
    rows = [json.loads(l) for l in out.splitlines()]
    assert len(rows) == 200
    assert [r["label"] for r in rows] == Lref.tolist(), "a text must get its own label back"
    assert rows[25]["summary"] == {0: "Games, Puzzle, Strategy", 1: "Fonts, Typography, Glyph",
                                   2: "Python, Library, Module", 3: "Kernel, Driver, Firmware"}[int(Lref[25])]
    print("interop ok")


if __name__ == "__main__":
    main()
