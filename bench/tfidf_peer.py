"""scikit-learn's side of bench/tfidf.sh: TfidfVectorizer (configured as
textclust's tfidf: NFKC + case fold, \\b\\w\\w+\\b, our stop words, words and
pairs, min_df 2, max_df 0.5, sublinear TF, smoothed IDF) + TruncatedSVD(DIM)
(randomized, n_iter 5, 10 extra columns: its defaults) + row normalisation,
timed as fit_transform; then k-means NMI (k = the categories) of both its
vectors and ours.
  tfidf_peer.py CORPUS N DIM OURS.f32"""
import gzip
import json
import re
import resource
import sys
import time
import unicodedata

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import normalized_mutual_info_score
from sklearn.preprocessing import normalize


def prep(s):
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", s).casefold())


src = open("src/label/stopwords.c", encoding="utf-8").read()
body = src[src.index("words[] = {"):src.index("};", src.index("words[] = {"))]
stop = re.findall(r'"([^"]*)"', body)
corpus, n, dim, ours = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
texts, cats = [], []
with gzip.open(corpus, "rt") as f:
    for line in f:
        if len(texts) == n:
            break
        r = json.loads(line)
        texts.append(r["text"])
        cats.append(r["label"])
ru0 = resource.getrusage(resource.RUSAGE_SELF)
rss0 = ru0.ru_maxrss
t0 = time.time()
vec = TfidfVectorizer(preprocessor=prep, token_pattern=r"(?u)\b\w\w+\b", stop_words=stop, ngram_range=(1, 2),
                      min_df=2, max_df=0.5, sublinear_tf=True)
X = vec.fit_transform(texts)
t1 = time.time()
E = normalize(TruncatedSVD(dim, random_state=42).fit_transform(X))
t2 = time.time()
ru = resource.getrusage(resource.RUSAGE_SELF)
rss, cpu = ru.ru_maxrss, ru.ru_utime + ru.ru_stime - ru0.ru_utime - ru0.ru_stime
print("scikit-learn: %d texts, %d terms: TfidfVectorizer %.2f s, TruncatedSVD %.2f s, total %.2f s wall, %.2f s CPU, "
      "peak RSS %.0f MiB (%.0f MiB before the fit)" % (len(texts), X.shape[1], t1 - t0, t2 - t1, t2 - t0, cpu,
                                                       rss / 1024, rss0 / 1024))
k = len(set(cats))
O = np.fromfile(ours, dtype="<f4").reshape(len(texts), -1)
for name, V in (("ours", O), ("scikit-learn", E)):
    km = KMeans(n_clusters=k, n_init=3, random_state=0).fit(V)
    print("k-means (k = %d) NMI, %s: %.3f" % (k, name, normalized_mutual_info_score(cats, km.labels_)))
