"""Shared fixtures of the package's tests (run by tests/python_test.sh).

TEXTCLUST_REPO: the source tree (its data/ and tests/data/), TC_BIN: the
command-line program, TEXTCLUST_CORPORA: the shared corpora (default
<repo>/../shared/corpora)."""
import textclust  # noqa: F401  first: it picks OpenBLAS's kernel before numpy loads it

import gzip
import json
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(os.environ.get("TEXTCLUST_REPO") or Path(__file__).resolve().parents[2])
TC_BIN = os.environ.get("TC_BIN") or str(REPO / "build" / "textclust")
CORPORA = Path(os.environ.get("TEXTCLUST_CORPORA") or REPO.parent / "shared" / "corpora")


def read_jsonl_gz(path, n=None, field="text"):
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if n is not None and len(out) >= n:
                break
            out.append(json.loads(line)[field])
    return out


@pytest.fixture(scope="session")
def sample_texts():
    """The repository's built-in sample: Debian package descriptions."""
    return read_jsonl_gz(REPO / "data" / "sample.jsonl.gz")


def corpus(name, n=None):
    path = CORPORA / (name + ".jsonl.gz")
    if not path.is_file():
        raise FileNotFoundError("%s: no shared corpus here; set TEXTCLUST_CORPORA" % path)
    return read_jsonl_gz(path, n)


@pytest.fixture(scope="session")
def hf_home(tmp_path_factory):
    """A Hugging Face cache holding the golden-data BERT (random weights,
    sentence-transformers layout) as sentence-transformers/all-MiniLM-L6-v2,
    the reference's default encoder, so its default resolves offline."""
    home = tmp_path_factory.mktemp("hf")
    repo = home / "hub" / "models--sentence-transformers--all-MiniLM-L6-v2"
    sha = "0123456789abcdef0123456789abcdef01234567"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(sha)
    shutil.copytree(REPO / "tests" / "data" / "bert" / "bert-mean-norm" / "model",
                    repo / "snapshots" / sha)
    return home


@pytest.fixture
def offline_hub(hf_home, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(hf_home))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return hf_home
