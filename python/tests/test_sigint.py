"""Ctrl-C during fit: SIGINT to a process fitting (then meaning to save)
raises KeyboardInterrupt within a few seconds, through the progress
callback's cancel, and leaves the classifier unfitted and no save folder."""
import os
import signal
import subprocess
import sys
import textwrap
import time

from conftest import REPO

CHILD = textwrap.dedent("""
    import gzip, json, sys, threading, time
    from textclust import ClusterClassifier
    texts = [json.loads(l)["text"] for l in gzip.open(sys.argv[1], "rt")] * 6
    cc = ClusterClassifier(embed_model_name="hashing", llm_api="none", threads=2,
                           umap_args={"n_epochs": 5000})
    print("fitting", flush=True)
    t0 = time.monotonic()
    try:
        cc.fit(texts)
        cc.save(sys.argv[2])
        print("finished", flush=True)
    except KeyboardInterrupt:
        # the fit's worker thread is gone: the work stopped, not just the wait
        working = sum(t.name == "textclust" for t in threading.enumerate())
        print("interrupted %.2f fitted=%s working=%d" % (
            time.monotonic() - t0, cc.embeddings is not None, working), flush=True)
""")


def test_sigint_cancels_fit(tmp_path):
    folder = tmp_path / "save"
    p = subprocess.Popen([sys.executable, "-c", CHILD, str(REPO / "data" / "sample.jsonl.gz"),
                          str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "fitting"
    time.sleep(3.0)   # into the UMAP epochs (the embedding takes about a second)
    assert p.poll() is None, "the fit ended before the signal: make it longer"
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=30)
    finally:
        p.kill()
    took = time.monotonic() - sent
    assert p.returncode == 0, err
    assert out.startswith("interrupted") and "fitted=False working=0" in out, (out, err)
    assert took < 5, "the fit stopped %.1f s after SIGINT" % took
    assert not folder.exists()
    assert not [f for f in os.listdir(tmp_path) if f.startswith("save")]
