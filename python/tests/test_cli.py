"""The package and the command line are one program: a folder either saves
loads in the other, and the same texts, seed and threads give bit-equal
embeddings and projections and equal labels and names."""
import json
import subprocess

import numpy as np
import pytest

from conftest import TC_BIN
from textclust import ClusterClassifier

N = 1200
OURS = dict(embed_model_name="hashing", dbscan_eps=0.5, dbscan_min_samples=10, seed=7, threads=2,
            llm_api="none", progress=False)
FLAGS = ["--embed_model", "hashing", "--dbscan_eps", "0.5", "--dbscan_min_samples", "10",
         "--seed", "7", "--threads", "2", "--embed_batch_size", "64", "--embed_max_length", "512",
         "--quiet"]


def tc(*args):
    r = subprocess.run([TC_BIN, *args], capture_output=True, text=True)
    assert r.returncode == 0, "textclust %s: exit %d\n%s" % (" ".join(args), r.returncode, r.stderr)
    return r.stdout


@pytest.fixture(scope="module")
def inputs(sample_texts, tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    texts = sample_texts[:N]
    with open(d / "in.jsonl", "w") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": "t%d" % i, "text": t}) + "\n")
    return d, texts


@pytest.fixture(scope="module")
def cli_save(inputs):
    d, _ = inputs
    tc("run", "--input", str(d / "in.jsonl"), "--input_content", "text", "--save_load_path",
       str(d / "cli"), "--no_plots", *FLAGS)
    return d / "cli"


def infer_cli(folder, jsonl):
    out = tc("infer", "--save_load_path", str(folder), "--input", str(jsonl), "--input_content",
             "text", "--quiet")
    return [json.loads(line) for line in out.splitlines()]


def test_cli_save_loads_and_python_fit_equals_cli_run(cli_save):
    cli = ClusterClassifier(**OURS).load(cli_save)
    assert len(cli.texts) == N   # run shuffles the input (seed 42), as the reference does
    py = ClusterClassifier(**OURS)
    embs, labels, summaries = py.fit(cli.texts)
    assert np.array_equal(embs, cli.embeddings)                # bit-equal
    assert np.array_equal(py.projections, cli.projections)     # bit-equal
    assert np.array_equal(labels, cli.cluster_labels)
    assert len(set(labels.tolist()) - {-1}) >= 2
    assert summaries == cli.cluster_summaries
    # the files agree with the arrays the package shows
    assert np.array_equal(np.load(cli_save / "embeddings.npy"), embs)
    assert np.array_equal(np.load(cli_save / "cluster_labels.npy"), labels)


def test_python_save_loads_in_cli(inputs, tmp_path):
    d, texts = inputs
    py = ClusterClassifier(**OURS)
    _, labels, summaries = py.fit(texts)
    py.save(tmp_path / "py")
    # the command loads it and names the clusters as the package does
    out = tc("load", "--save_load_path", str(tmp_path / "py"), "--no_plots", "--quiet")
    shown = {}
    for line in out.splitlines():
        k, _, v = line.partition(": ")
        if k.lstrip("-").isdigit():
            shown[int(k)] = v
    named = {k: v for k, v in summaries.items() if k >= 0}
    assert shown and all(named[k] == v for k, v in shown.items()), (shown, named)
    # and infers the texts as the package does: label, distance, position
    rows = infer_cli(tmp_path / "py", d / "in.jsonl")
    lab, emb, dist, xy = py.infer(texts, top_k=1, return_details=True)
    assert [r["label"] for r in rows] == lab.tolist()
    assert np.allclose([r["distance"] for r in rows], dist, rtol=1e-6, atol=1e-7)
    assert np.allclose([[r["x"], r["y"]] for r in rows], xy, rtol=0, atol=5.1e-5)  # 4 decimals
    # the training texts' own labels come back (first equal text wins ties)
    first = {}
    for i, t in enumerate(texts):
        first.setdefault(t, i)
    assert np.array_equal(lab, labels[[first[t] for t in texts]])


def test_cli_infer_equals_python_infer_on_cli_save(inputs, cli_save, sample_texts, tmp_path):
    fresh = sample_texts[N:N + 400]
    with open(tmp_path / "fresh.jsonl", "w") as f:
        for t in fresh:
            f.write(json.dumps({"text": t}) + "\n")
    rows = infer_cli(cli_save, tmp_path / "fresh.jsonl")
    cc = ClusterClassifier(**OURS).load(cli_save)
    lab, emb = cc.infer(fresh)
    assert [r["label"] for r in rows] == lab.tolist()
    assert emb.shape == (len(fresh), 512)
