#!/usr/bin/python3
"""Writes 2-D benchmark points shaped like a UMAP map of a text corpus: 60
Gaussian clumps of random size and spread in a 15 x 15 square plus 10% uniform
background noise, shuffled. Format of bench/bench_cluster.c: int32 n, int32 d,
then n*d float32 (little-endian), and <out>.truth.i64 (n int64, -1 = noise).

    /usr/bin/python3 bench/cluster_data.py N out.f32 [seed]
"""
import sys

import numpy as np


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rng = np.random.default_rng(seed)
    k = 60
    centres = rng.uniform(0, 15, (k, 2))
    sd = rng.uniform(0.1, 0.45, k)
    w = rng.gamma(1.5, 1.0, k)
    w /= w.sum()
    n_noise = n // 10
    lab = rng.choice(k, size=n - n_noise, p=w)
    pts = centres[lab] + rng.normal(0, 1, (n - n_noise, 2)) * sd[lab, None]
    noise = rng.uniform(-1, 16, (n_noise, 2))
    p = np.vstack([pts, noise]).astype(np.float32)
    truth = np.concatenate([lab, np.full(n_noise, -1)]).astype("<i8")
    perm = rng.permutation(n)
    with open(out, "wb") as f:
        f.write(np.array(p.shape, dtype="<i4").tobytes())
        f.write(p[perm].astype("<f4").tobytes())
    truth[perm].tofile(out + ".truth.i64")


if __name__ == "__main__":
    main()
