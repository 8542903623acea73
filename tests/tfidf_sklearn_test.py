#!/usr/bin/python3
"""The tfidf encoder against scikit-learn and numpy on a slice of the shared
corpora: tests/data/label/debian-sections.tsv (240 Debian package
descriptions) and tests/data/embed/golden_texts.jsonl.

Reference: sklearn.feature_extraction.text.TfidfVectorizer configured as our
tokeniser: NFKC + case fold as preprocessor, token_pattern \\b\\w\\w+\\b,
our stop words (src/label/stopwords.c), ngram_range (1, 2), min_df 2,
max_df 0.5, sublinear_tf, smooth_idf, norm l2. Same vocabulary, values to
1e-5. (Ours drops words over 100 bytes; those of the slice occur once,
below min_df, checked.)
The SVD (k = 20, 5 power iterations, 10 extra columns, as TruncatedSVD's
defaults) against numpy's exact SVD of the same matrix: orthonormal basis,
leading singular values, and a rank-k reconstruction error within 1% of
scikit-learn's TruncatedSVD at the same settings (and no better than the
exact optimum); the vectors equal normalise(X V). Drives
build/tests/test_tfidf --dump."""
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

BUILD = os.environ.get("BUILD", "build")
K = 20


def stop_words():
    src = open("src/label/stopwords.c", encoding="utf-8").read()
    body = src[src.index("words[] = {"):src.index("};", src.index("words[] = {"))]
    return re.findall(r'"([^"]*)"', body)


def texts():
    t = [line.split("\t", 1)[1].rstrip("\n") for line in open("tests/data/label/debian-sections.tsv", encoding="utf-8")]
    t += [json.loads(line) for line in open("tests/data/embed/golden_texts.jsonl", encoding="utf-8")]
    return t


def prep(s):
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", s).casefold())


def main():
    fails = []
    t = texts()
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "t.bin"), "wb") as f:
            f.write(b"".join(s.encode("utf-8") + b"\0" for s in t))
        subprocess.run([os.path.join(BUILD, "tests", "test_tfidf"), "--dump", os.path.join(tmp, "t.bin"), str(K), tmp],
                       check=True)
        rd = lambda name, dt: np.fromfile(os.path.join(tmp, name), dtype=dt)
        voc = open(os.path.join(tmp, "vocab.txt"), encoding="utf-8").read().split("\n")[:-1]
        row, col, val = rd("row.i64", "<i8"), rd("col.i32", "<i4"), rd("val.f32", "<f4")
        basis = rd("basis.f32", "<f4").reshape(len(voc), K).astype(np.float64)
        sv = rd("sv.f32", "<f4").astype(np.float64)
        emb = rd("emb.f32", "<f4").reshape(len(t), K)
    X = sp.csr_matrix((val.astype(np.float64), col, row), shape=(len(t), len(voc)))

    long_df = {}
    for s in t:
        for w in set(re.findall(r"(?u)\b\w\w+\b", prep(s))):
            if len(w.encode()) > 100:
                long_df[w] = long_df.get(w, 0) + 1
    if any(c >= 2 for c in long_df.values()):
        fails.append("the slice has words over 100 bytes in two texts or more: %r" % list(long_df)[:3])
    vec = TfidfVectorizer(preprocessor=prep, token_pattern=r"(?u)\b\w\w+\b", stop_words=stop_words(),
                          ngram_range=(1, 2), min_df=2, max_df=0.5, sublinear_tf=True, smooth_idf=True, norm="l2")
    R = vec.fit_transform(t)
    ref_voc = list(vec.get_feature_names_out())
    if ref_voc != voc:
        a, b = set(voc), set(ref_voc)
        fails.append("vocabulary: %d terms vs scikit-learn's %d; only ours %r, only theirs %r" % (
            len(voc), len(ref_voc), sorted(a - b)[:5], sorted(b - a)[:5]))
    else:
        d = abs(R - X).max()
        print("TF-IDF: %d texts, %d terms, %d non-zeros, max |ours - sklearn| %.2e" % (len(t), len(voc), X.nnz, d))
        if d > 1e-5 or X.nnz != R.nnz:
            fails.append("TF-IDF values: max diff %g, nnz %d vs %d" % (d, X.nnz, R.nnz))

    D = X.toarray()
    s_exact = np.linalg.svd(D, compute_uv=False)
    ortho = abs(basis.T @ basis - np.eye(K)).max()
    rel = abs(sv - s_exact[:K]) / s_exact[:K]
    err = lambda V: np.linalg.norm(D - (D @ V) @ V.T)
    e_ours, e_opt = err(basis), np.sqrt((s_exact[K:] ** 2).sum())
    skl = TruncatedSVD(K, n_iter=5, n_oversamples=10, random_state=0).fit(X)
    e_skl = err(skl.components_.T)
    print("SVD: |V^T V - I| %.1e; singular values rel. error first 5 <= %.1e, all <= %.1e; rank-%d error ours %.5f, "
          "TruncatedSVD %.5f, exact %.5f" % (ortho, rel[:5].max(), rel.max(), K, e_ours, e_skl, e_opt))
    if ortho > 1e-5:
        fails.append("basis not orthonormal: %g" % ortho)
    if rel[:5].max() > 2e-3 or rel.max() > 0.05:
        fails.append("singular values: relative errors %s" % rel)
    if not (e_opt - 1e-9 <= e_ours <= 1.01 * e_skl):
        fails.append("reconstruction error %g (TruncatedSVD %g, exact %g)" % (e_ours, e_skl, e_opt))
    P = D @ basis
    norm = np.linalg.norm(P, axis=1)
    P[norm == 0, 0] = 1   # a text with no known term: e_0, as tc_encoder_embed promises a unit row
    P /= np.linalg.norm(P, axis=1, keepdims=True)
    de = abs(P - emb).max()
    if de > 1e-5:
        fails.append("vectors vs normalise(X V): %g" % de)
    for f in fails:
        print("FAIL:", f)
    print("tfidf_sklearn_test: %s" % ("ok" if not fails else "%d failures" % len(fails)))
    return 1 if fails else 0


sys.exit(main())
