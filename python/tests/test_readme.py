"""The reference README's usage example, run with only its import line
changed (src.text_clustering -> textclust).

What the example reaches outside Python is stood in for, so that it runs
offline with the reference's defaults untouched:
- `datasets.load_dataset` is a stand-in module that hands out texts of a
  shared corpus (README_N WordNet glosses, whatever select() asks for);
- the default encoder sentence-transformers/all-MiniLM-L6-v2 is the golden
  data's random-weight BERT, placed in a Hugging Face cache (conftest);
- the default summary model is reached through HF_INFERENCE_ENDPOINT (the
  variable the reference's huggingface_hub client reads) at a stand-in TGI
  server started here, which answers as Mixtral might: text after the three
  topic words, which the reference's post-processing cuts off.
"""
import http.server
import json
import os
import sys
import tempfile
import threading
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

from conftest import CORPORA, REPO, corpus, read_jsonl_gz

# The README's two usage blocks, as the reference has them.
README_FIT = '''\
from src.text_clustering import ClusterClassifier
from datasets import load_dataset

SAMPLE = 100_000

texts = load_dataset("HuggingFaceFW/FW-12-12-2023-CC-2023-06", split="train").select(range(SAMPLE))["content"]

cc = ClusterClassifier(embed_device="mps")

# run the pipeline:
embs, labels, summaries = cc.fit(texts)

# show the results
cc.show()

# save 
cc.save("./cc_100k")
'''

README_LOAD = '''\
from src.text_clustering import ClusterClassifier

cc = ClusterClassifier(embed_device="mps")

# load state
cc.load("./cc_100k")

# visualize
cc.show()

# classify new texts with k-nearest neighbour search
cluster_labels, embeddings = cc.infer(some_texts, top_k=1)
'''

README_N = int(os.environ.get("TEXTCLUST_README_N", "2000"))
CORPUS = "wordnet-glosses"


def readme_texts(n):
    """The stand-in hub dataset: n texts of a shared corpus, or of the
    repository's sample (Debian descriptions, from the shared corpora) in a
    clone that has no ../shared beside it."""
    if (CORPORA / (CORPUS + ".jsonl.gz")).is_file():
        return corpus(CORPUS, n)
    return read_jsonl_gz(REPO / "data" / "sample.jsonl.gz", n)

ANSWER = "Software, Packages, Libraries. These texts describe Debian packages (mostly).\nMore text"
MODEL = "mistralai/Mixtral-8x7B-Instruct-v0.1"


def our_version(code):
    line = "from src.text_clustering import ClusterClassifier"
    assert code.count(line) == 1
    return code.replace(line, "from textclust import ClusterClassifier")


class _Dataset:
    def __init__(self, texts):
        self.texts = texts

    def select(self, indices):
        return _Dataset([self.texts[i] for i in indices if i < len(self.texts)])

    def __getitem__(self, column):
        assert column == "content"
        return list(self.texts)


def _datasets_module():
    m = types.ModuleType("datasets")
    m.load_dataset = lambda name, split=None: _Dataset(readme_texts(README_N))
    return m


class _TGI(http.server.BaseHTTPRequestHandler):
    requests = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _TGI.requests.append((self.path, body))
        out = json.dumps([{"generated_text": ANSWER}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


@pytest.fixture
def stand_ins(offline_hub, tmp_path, monkeypatch):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TGI)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    monkeypatch.setenv("HF_INFERENCE_ENDPOINT", "http://127.0.0.1:%d" % srv.server_address[1])
    monkeypatch.setitem(sys.modules, "datasets", _datasets_module())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))   # show()'s maps
    _TGI.requests.clear()
    yield tmp_path
    srv.shutdown()


def run_fit(code):
    """Runs the fit block; checks what the reference returns and saves."""
    ns = {}
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        exec(compile(code, "README-fit", "exec"), ns)
    assert any("embed_device='mps'" in str(w.message) for w in seen)
    texts, embs, labels, summaries = ns["texts"], ns["embs"], ns["labels"], ns["summaries"]
    n = len(texts)
    assert n == min(README_N, 100_000)
    # (N, 128) unit rows of the stand-in encoder, N int64 labels, and
    # {label: summary} with -1: "None"
    assert embs.shape == (n, 128) and embs.dtype == np.float32
    assert np.allclose(np.linalg.norm(embs, axis=1), 1, atol=1e-5)
    assert labels.shape == (n,) and labels.dtype == np.int64
    clusters = sorted(set(labels.tolist()) - {-1})
    assert summaries[-1] == "None"
    # every cluster asked about once, and named as the reference cuts the
    # answer: before the first newline, then before the first "."
    assert sorted(k for k in summaries if k >= 0) == clusters
    assert all(summaries[k] == "Software, Packages, Libraries" for k in clusters)
    # the topic tree's nodes above the clusters are named too, within the
    # default budget of 20 requests; their prompts say they are made of topics
    tree = [r for r in _TGI.requests if "made of smaller topics" in r[1]["inputs"]]
    asked = [r for r in _TGI.requests if r not in tree]
    assert len(asked) == len(clusters) and len(tree) <= 20
    for path, body in asked:
        assert path == "/models/" + MODEL
        # summary_n_examples = 10 (fewer when the cluster is smaller)
        assert "Example 1:" in body["inputs"] and "Example 11:" not in body["inputs"]
    save = Path("cc_100k")
    for f in ("embeddings.npy", "projections.npy", "cluster_labels.npy", "texts.json",
              "cluster_summaries.json", "faiss.index"):
        assert (save / f).is_file(), f
    assert json.loads((save / "cluster_summaries.json").read_text())["-1"] == "None"
    assert np.array_equal(np.load(save / "cluster_labels.npy"), labels)
    return ns


def test_readme_usage(stand_ins):
    """Both blocks as the README has them. On a sample this small, DBSCAN's
    defaults (eps 0.08, 50 points) find no cluster, as the reference's
    would: everything is noise, and nothing is sent to the LLM."""
    ref = REPO.parent / "shared" / "reference" / "text-clustering-README.md"
    if ref.is_file():   # the copy above is the README's own text
        readme = ref.read_text()
        assert README_FIT.replace("\n\n", "\n") in readme.replace("\n\n", "\n")
        assert README_LOAD.replace("\n\n", "\n") in readme.replace("\n\n", "\n")
    ns = run_fit(our_version(README_FIT))
    texts, embs, labels, summaries = ns["texts"], ns["embs"], ns["labels"], ns["summaries"]

    some_texts = readme_texts(README_N + 300)[README_N:] + texts[:100]
    ns2 = {"some_texts": some_texts}
    _TGI.requests.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(our_version(README_LOAD), "README-load", "exec"), ns2)
    cc = ns2["cc"]
    assert not _TGI.requests   # loading names nothing again
    assert np.array_equal(cc.cluster_labels, labels)
    assert np.array_equal(cc.embeddings, embs)
    assert cc.cluster_summaries == summaries
    cl, em = ns2["cluster_labels"], ns2["embeddings"]
    assert len(cl) == len(some_texts) and em.shape == (len(some_texts), 128)
    # the training texts among them: their own vector, and the label of the
    # first training text equal to them (ties go to the lower index)
    first = {}
    for i, t in enumerate(texts):
        first.setdefault(t, i)
    assert np.array_equal(em[300:], embs[:100])
    assert np.array_equal(np.asarray(cl)[300:], labels[[first[t] for t in texts[:100]]])
    assert set(np.asarray(cl).tolist()) <= set(labels.tolist())


def test_readme_usage_with_clusters_names_them_through_the_llm(stand_ins):
    """The fit block with DBSCAN's radius and count set for the small
    sample (the constructor line gains two arguments), so that clusters
    exist and each is named by the stand-in server."""
    code = our_version(README_FIT)
    line = 'cc = ClusterClassifier(embed_device="mps")'
    assert code.count(line) == 1
    code = code.replace(line, 'cc = ClusterClassifier(embed_device="mps", dbscan_eps=0.2, '
                              'dbscan_min_samples=10)')
    ns = run_fit(code)
    clusters = set(ns["labels"].tolist()) - {-1}
    assert len(clusters) >= 5, "%d clusters" % len(clusters)
