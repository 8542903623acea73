#!/usr/bin/python3
"""Runs umap-learn (from a source checkout, e.g. tag release-0.5.5) as the
reference tool calls it, UMAP(n_components=2, metric="cosine"), on an .npy
matrix, after a small warm-up fit so that numba's JIT compilation is not
timed. Prints "umap_s <seconds>" and saves the projection.

usage: NUMBA_NUM_THREADS=2 umap_peer.py UMAP_SRC X.npy N OUT.npy
"""
import sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
import umap  # noqa: E402

x = np.load(sys.argv[2], mmap_mode="r")
n = int(sys.argv[3])
x = np.ascontiguousarray(x[:n]) if n > 0 else np.ascontiguousarray(x)
# warm-up: compiles the numba kernels (nndescent path needs > 4096 points)
w = np.random.default_rng(0).normal(size=(5000, x.shape[1])).astype(np.float32)
umap.UMAP(n_components=2, metric="cosine", n_epochs=20).fit_transform(w)
t0 = time.perf_counter()
y = umap.UMAP(n_components=2, metric="cosine").fit_transform(x)
t = time.perf_counter() - t0
print(f"n {x.shape[0]}\numap_s {t:.3f}")
np.save(sys.argv[4], y.astype(np.float32))
