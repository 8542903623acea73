"""The whole pipeline with a sentence-transformers BERT model (tests/data/bert):

1. `run` on the 500 golden texts with a model folder: textclust.json names the
   model and its width, embeddings.npy holds sentence-transformers' vectors
   (unit length, as the reference's encode(normalize_embeddings=True)), and the
   folder reads with numpy / faiss / json in the reference's format.
2. `infer` on that folder, with no --embed_model, embeds with the recorded
   model: its vectors equal the golden ones and its labels those faiss gives.
3. Vectors of another width are refused: infer with another model, and
   `run --embeddings` whose width is not the named model's.
4. The same through a hub id served by a stand-in hub on 127.0.0.1
   (tests/hub_server.py): the id is recorded, and infer later works offline
   from the cache with the server gone.
5. A cache made by hand in huggingface_hub's layout is used offline, and a
   bare NAME means sentence-transformers/NAME, from the cache only.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import faiss
import numpy as np

TC = os.environ.get("TC_BIN", "build/textclust")
DATA = "tests/data/bert"
FLAGS = ["--input_content", "text", "--dbscan_eps", "0.3", "--dbscan_min_samples", "5",
         "--threads", "2", "--quiet", "--no_plots"]


def tc(*args, env=None, ok=True):
    # the golden vectors are fp32's; the reduced dtypes are test_bert_dtype's
    if args and args[0] in ("run", "embed") and "--embed_dtype" not in args:
        args = (*args, "--embed_dtype", "fp32")
    r = subprocess.run([TC, *args], capture_output=True, text=True, env=env)
    if ok and r.returncode != 0:
        sys.exit("textclust %s failed:\n%s" % (" ".join(args), r.stderr))
    return r


def golden(model):
    ids = [json.loads(line)["text"] for line in open(f"{DATA}/{model}/token_ids.jsonl")]
    vec = np.load(f"{DATA}/{model}/embeddings.npy")
    return ids, vec / np.linalg.norm(vec, axis=1, keepdims=True)


def check_close(what, got, want):
    cos = (got * want).sum(1) / np.linalg.norm(got, axis=1) / np.linalg.norm(want, axis=1)
    diff = np.abs(got - want).max(axis=1)
    bad = np.nonzero((cos < 0.9999) | (diff > 1e-4))[0]
    if len(bad):
        sys.exit(f"{what}: {len(bad)} rows differ from sentence-transformers, first {bad[0]}: "
                 f"cosine {cos[bad[0]]:.6f}, max |diff| {diff[bad[0]]:.2e}")
    print(f"ok: {what}: {len(got)} vectors, min cosine {cos.min():.7f}, max |diff| {diff.max():.1e}")


def check_folder(folder, model_id, texts, vec):
    meta = json.load(open(f"{folder}/textclust.json"))
    if meta.get("model") != model_id or meta.get("dim") != vec.shape[1]:
        sys.exit(f"textclust.json names {meta.get('model')!r}, dim {meta.get('dim')}; "
                 f"want {model_id!r}, {vec.shape[1]}")
    saved = json.load(open(f"{folder}/texts.json"))
    emb = np.load(f"{folder}/embeddings.npy")
    if emb.dtype != np.float32 or emb.shape != (len(saved), vec.shape[1]):
        sys.exit(f"embeddings.npy is {emb.dtype} {emb.shape}")
    row = {t.replace("\0", ""): i for i, t in enumerate(texts)}   # the reader drops NULs
    check_close(f"run {model_id}: embeddings.npy", emb, vec[[row[t] for t in saved]])
    index = faiss.read_index(f"{folder}/faiss.index")
    if index.ntotal != len(saved) or index.d != vec.shape[1]:
        sys.exit(f"faiss.index holds {index.ntotal} x {index.d}")
    labels = np.load(f"{folder}/cluster_labels.npy")
    if labels.dtype != np.int64 or labels.shape != (len(saved),):
        sys.exit(f"cluster_labels.npy is {labels.dtype} {labels.shape}")
    print(f"ok: the folder reads with numpy/faiss/json ({index.ntotal} x {index.d})")
    return index, labels


def infer_check(folder, index, labels, texts, vec, what, env=None):
    out = os.path.join(os.path.dirname(folder), "infer.jsonl")
    emb_out = os.path.join(os.path.dirname(folder), "infer.npy")
    tc("infer", "--save_load_path", folder, "--input", f"{DATA}/texts.jsonl", "--input_content", "text",
       "--output", out, "--output_embeddings", emb_out, "--threads", "2", "--quiet", env=env)
    got = np.load(emb_out)
    check_close(f"{what}: infer's vectors", got, vec)
    rows = [json.loads(line) for line in open(out)]
    if len(rows) != len(texts):
        sys.exit(f"infer wrote {len(rows)} rows for {len(texts)} texts")
    d, nn = index.search(got, 1)
    for i, r in enumerate(rows):
        if abs(r["distance"] - d[i, 0]) > 1e-4:
            sys.exit(f"text {i}: infer distance {r['distance']} but faiss {d[i, 0]}")
        if r["label"] != labels[nn[i, 0]] and d[i, 0] > 1e-6:   # exact ties may pick either twin
            sys.exit(f"text {i}: infer label {r['label']} but faiss's neighbour has {labels[nn[i, 0]]}")
    print(f"ok: {what}: infer embeds with the recorded model; labels and distances as faiss gives")


def main():
    tmp = tempfile.mkdtemp(prefix="tc-bert.")
    texts, vec = golden("bert-mean-norm")
    model = os.path.realpath(f"{DATA}/bert-mean-norm/model")

    # 1, 2: a model folder
    folder = f"{tmp}/save"
    tc("run", "--input", f"{DATA}/texts.jsonl", "--embed_model", f"{DATA}/bert-mean-norm/model",
       "--save_load_path", folder, *FLAGS)
    index, labels = check_folder(folder, model, texts, vec)
    infer_check(folder, index, labels, texts, vec, "model folder")

    # 3: another width is refused, and nothing of the folder changes
    before = open(f"{folder}/embeddings.npy", "rb").read()
    r = tc("infer", "--save_load_path", folder, "--input", f"{DATA}/texts.jsonl", "--input_content", "text",
           "--embed_model", f"{DATA}/bert-cls-raw/model", "--output", f"{tmp}/x.jsonl", "--quiet", ok=False)
    if r.returncode == 0 or "96-dim" not in r.stderr or "128" not in r.stderr:
        sys.exit(f"infer with a 96-dim model on a 128-dim folder: rc {r.returncode}, {r.stderr!r}")
    print("ok: infer refuses a model of another width:", r.stderr.strip().splitlines()[-1])
    np.save(f"{tmp}/golden.npy", vec)
    r = tc("run", "--input", f"{DATA}/texts.jsonl", "--embeddings", f"{tmp}/golden.npy",
           "--embed_model", f"{DATA}/bert-cls-raw/model", "--save_load_path", folder, *FLAGS, ok=False)
    if r.returncode == 0 or "128 dims" not in r.stderr or "96" not in r.stderr:
        sys.exit(f"run --embeddings (128) with a 96-dim --embed_model: rc {r.returncode}, {r.stderr!r}")
    if open(f"{folder}/embeddings.npy", "rb").read() != before:
        sys.exit("a refused run changed the save folder")
    print("ok: run --embeddings refuses vectors of another width than --embed_model's")
    folder2 = f"{tmp}/save2"
    tc("run", "--input", f"{DATA}/texts.jsonl", "--embeddings", f"{tmp}/golden.npy",
       "--embed_model", f"{DATA}/bert-mean-norm/model", "--save_load_path", folder2, *FLAGS)
    if json.load(open(f"{folder2}/textclust.json")).get("model") != model:
        sys.exit("run --embeddings --embed_model does not record the model")
    print("ok: run --embeddings with a matching --embed_model records the model")

    # --embed_max_length is checked against the model's position embeddings
    for n, want in (("513", "2 to 512"), ("1", "2 to 512")):
        r = tc("embed", "--embed_model", f"{DATA}/bert-max-long/model", "--embed_max_length", n,
               "--input", f"{DATA}/texts.jsonl", "--input_content", "text", "--output", f"{tmp}/e.npy",
               "--quiet", ok=False)
        if r.returncode == 0 or want not in r.stderr or os.path.exists(f"{tmp}/e.npy"):
            sys.exit(f"--embed_max_length {n}: rc {r.returncode}, {r.stderr!r}")
    print("ok: --embed_max_length outside 2..max_position_embeddings is refused")

    # 4: a hub id through a stand-in hub, then offline from the cache
    log, port_file = f"{tmp}/hub.log", f"{tmp}/port"
    server = subprocess.Popen([sys.executable, "tests/hub_server.py", "--model", f"{DATA}/bert-mean-norm/model",
                               "--log", log, "--port-file", port_file])
    try:
        for _ in range(100):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.05)
        port = open(port_file).read().strip()
        env = dict(os.environ, HF_ENDPOINT=f"http://127.0.0.1:{port}", HF_HUB_CACHE=f"{tmp}/cache",
                   HF_HOME=f"{tmp}/hf-home")
        env.pop("HF_TOKEN", None)
        env.pop("HF_HUB_OFFLINE", None)
        hub_folder = f"{tmp}/hub-save"
        tc("run", "--input", f"{DATA}/texts.jsonl", "--embed_model", "tc-test/bert",
           "--save_load_path", hub_folder, *FLAGS, env=env)
    finally:
        server.terminate()
        server.wait()
    index, labels = check_folder(hub_folder, "tc-test/bert", texts, vec)
    n_requests = sum(1 for _ in open(log))
    env["HF_HUB_OFFLINE"] = "1"
    infer_check(hub_folder, index, labels, texts, vec, "hub id, offline, server gone", env=env)
    if sum(1 for _ in open(log)) != n_requests:
        sys.exit("infer sent requests to the hub")
    # 5: a cache laid out as huggingface_hub leaves it (blobs, relative snapshot links),
    # made here by hand, is used offline; a bare NAME is sentence-transformers/NAME
    repo = f"{tmp}/py-cache/models--sentence-transformers--tiny-bert"
    sha = "0123456789abcdef0123456789abcdef01234567"
    src = f"{DATA}/bert-mean-norm/model"
    for root, _, files in os.walk(src):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), src)
            blob = f"{repo}/blobs/blob-{rel.replace('/', '-')}"
            os.makedirs(os.path.dirname(blob), exist_ok=True)
            shutil.copyfile(os.path.join(root, name), blob)
            link = f"{repo}/snapshots/{sha}/{rel}"
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink(os.path.relpath(blob, os.path.dirname(link)), link)
    os.makedirs(f"{repo}/refs")
    open(f"{repo}/refs/main", "w").write(sha)
    env = dict(os.environ, HF_HUB_CACHE=f"{tmp}/py-cache", HF_HUB_OFFLINE="1")
    tc("embed", "--embed_model", "tiny-bert", "--input", f"{DATA}/texts.jsonl", "--input_content", "text",
       "--output", f"{tmp}/tiny.npy", "--quiet", env=env)
    check_close("a bare NAME from a cache made as huggingface_hub makes it", np.load(f"{tmp}/tiny.npy"), vec)
    r = tc("embed", "--embed_model", "no-such-bert", "--input", f"{DATA}/texts.jsonl", "--input_content", "text",
           "--output", f"{tmp}/none.npy", "--quiet", env=dict(env, HF_HUB_OFFLINE="0", HF_ENDPOINT="http://127.0.0.1:9"),
           ok=False)
    if r.returncode == 0 or "sentence-transformers/no-such-bert is not in the Hugging Face cache" not in r.stderr:
        sys.exit(f"a bare unknown NAME: rc {r.returncode}, {r.stderr!r}")
    print("ok: a bare NAME not in the cache is an unknown model, with no download tried")
    shutil.rmtree(tmp)
    print("bert pipeline: all checks passed")


if __name__ == "__main__":
    main()
