#!/usr/bin/python3
"""Keyword labels: textclust's c-TF-IDF (build/bench/bench_label) against the
usual Python way of computing the same thing (scikit-learn CountVectorizer
with unigrams and bigrams and English stop words over one document per
class, then BERTopic's c-TF-IDF weighting tf * log(1 + A / f)), side by
side on a corpus whose categories are the clusters.
  /usr/bin/python3 bench/label_ctfidf.py [CORPUS.jsonl.gz] [max_texts]
Prints both medians of 3 runs, the ratio, and how many of our top-3 terms
the Python top-10 contains."""
import gzip, json, os, re, statistics, subprocess, sys, time

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

corpus = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/corpora/debian-packages.jsonl.gz"
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 10**9
texts, cats = [], []
with gzip.open(corpus, "rt", encoding="utf-8") as f:
    for line in f:
        r = json.loads(line)
        texts.append(r["text"]); cats.append(r["label"])
        if len(texts) >= limit:
            break
names = list(dict.fromkeys(cats))


def peer():
    docs = {c: [] for c in names}
    for t, c in zip(texts, cats):
        docs[c].append(t)
    cv = CountVectorizer(ngram_range=(1, 2), stop_words="english")
    X = cv.fit_transform([" ".join(docs[c]) for c in names])   # (classes, terms)
    f = np.asarray(X.sum(axis=0)).ravel()
    A = X.sum() / X.shape[0]
    W = X.multiply(np.log(1 + A / f)).tocsr()
    vocab = cv.get_feature_names_out()
    top = {}
    for i, c in enumerate(names):
        row = W.getrow(i).toarray().ravel()
        top[c] = [vocab[j] for j in np.argsort(-row)[:10]]
    return top


py_times = []
for _ in range(3):
    t0 = time.perf_counter(); top = peer(); py_times.append(time.perf_counter() - t0)
build = os.environ.get("BUILD", "build")
out = subprocess.run([os.path.join(build, "bench", "bench_label"), corpus, str(limit), "all"],
                     capture_output=True, text=True, check=True).stdout
m = re.search(r"texts (\d+) clusters (\d+) keywords ([0-9.]+) s", out)
ours = float(m.group(3))
hit = tot = 0
for line in out.splitlines():
    if line.startswith("  ") and "\t" in line:
        cat, summ = line.strip().split("\t", 1)
        for term in summ.split(", "):
            tot += 1
            hit += term in top.get(cat, [])
py = statistics.median(py_times)
print("corpus %s: %s texts, %s clusters" % (os.path.basename(corpus), m.group(1), m.group(2)))
print("textclust c-TF-IDF   %.3f s (median of 3)" % ours)
print("sklearn  c-TF-IDF    %.3f s (median of 3)" % py)
print("ratio (python / ours) %.1fx" % (py / ours))
print("our top-3 terms found in the python top-10: %d of %d" % (hit, tot))
print("nproc %d, load %s" % (os.cpu_count(), os.getloadavg()))
