#!/usr/bin/python3
"""Makes the DBSCAN golden files of tests/test_cluster.c with scikit-learn.

Reference: sklearn.cluster.DBSCAN(eps, min_samples).fit(P).labels_ on float32
input (Debian's python3-sklearn 1.2.1). Run from the repository root:

    /usr/bin/python3 tests/make_cluster_golden.py

For each case it writes tests/data/cluster/<name>.f32 (int32 n, int32 d, then
n*d little-endian float32, row-major) and <name>.i64 (n little-endian int64
labels), and lists the cases in tests/data/cluster/dbscan_cases.txt, one a line:
"name eps min_samples" (eps printed with repr, so it reads back exactly).
scikit-learn refuses eps = 0; the eps0 cases use the smallest positive double,
whose square is 0, which is what eps = 0 means for textclust.
"""
import os
import sys

import numpy as np
from sklearn.cluster import DBSCAN

OUT = "tests/data/cluster"


def blobs(rng, n, d, k, spread, noise_frac, box):
    centres = rng.uniform(0, box, size=(k, d))
    n_noise = int(n * noise_frac)
    lab = rng.integers(0, k, size=n - n_noise)
    pts = centres[lab] + rng.normal(0, spread, size=(n - n_noise, d))
    noise = rng.uniform(-1, box + 1, size=(n_noise, d))
    p = np.vstack([pts, noise])
    return p[rng.permutation(n)]


def cases():
    rng = np.random.default_rng(20261126)
    c = []
    c.append(("uniform_2d", rng.uniform(0, 1, (2000, 2)), 0.03, 5))
    c.append(("blobs_noise_2d", blobs(rng, 5000, 2, 12, 0.25, 0.1, 10), 0.08, 10))
    c.append(("umap_like_2d", blobs(rng, 8000, 2, 20, 0.1, 0.1, 15), 0.08, 50))
    # duplicates on a coarse lattice: many equal points and pairs at ~eps
    c.append(("duplicates_2d", rng.integers(0, 10, (1500, 2)) * 0.1, 0.1, 5))
    c.append(("duplicates_eps0_2d", rng.integers(0, 12, (800, 2)) * 0.25, 5e-324, 4))
    # integer lattice: neighbours exactly eps apart, a point and its 4
    # neighbours make exactly min_samples
    g = np.stack(np.meshgrid(np.arange(30), np.arange(20)), -1).reshape(-1, 2)
    keep = rng.uniform(size=len(g)) < 0.7
    c.append(("lattice_exact_eps", g[keep].astype(float), 1.0, 5))
    c.append(("lattice_exact_eps_half", g[keep] * 0.5, 0.5, 4))
    c.append(("all_noise", rng.uniform(0, 100, (300, 2)), 1e-3, 3))
    c.append(("one_cluster", rng.normal(0, 1, (400, 2)), 50.0, 2))
    c.append(("single_point", np.array([[0.5, -0.25]]), 0.1, 1))
    c.append(("single_point_ms2", np.array([[0.5, -0.25]]), 0.1, 2))
    c.append(("min_samples_1", rng.uniform(0, 1, (500, 2)), 0.02, 1))
    c.append(("blobs_3d", blobs(rng, 3000, 3, 8, 0.3, 0.1, 8), 0.25, 8))
    c.append(("blobs_8d", blobs(rng, 1500, 8, 6, 0.3, 0.1, 8), 0.9, 6))
    c.append(("line_1d", np.sort(rng.uniform(0, 20, (700, 1)), axis=0)[::-1].copy(), 0.05, 4))
    # far-apart coordinates: the grid has many empty cells
    far = np.vstack([rng.normal(0, 0.01, (200, 2)), rng.normal(1e4, 0.01, (200, 2)),
                     rng.normal([-3e3, 5e3], 0.01, (200, 2))])
    c.append(("far_apart", far[rng.permutation(len(far))], 0.005, 5))
    return c


def main():
    os.makedirs(OUT, exist_ok=True)
    lines = []
    for name, pts, eps, ms in cases():
        p = np.ascontiguousarray(pts, dtype=np.float32)
        lab = DBSCAN(eps=eps, min_samples=ms).fit(p).labels_.astype("<i8")
        with open(f"{OUT}/{name}.f32", "wb") as f:
            f.write(np.array(p.shape, dtype="<i4").tobytes())
            f.write(p.astype("<f4").tobytes())
        lab.tofile(f"{OUT}/{name}.i64")
        lines.append(f"{name} {eps!r} {ms}")
        n_cl = lab.max() + 1
        print(f"{name}: n={len(p)} d={p.shape[1]} clusters={n_cl} noise={np.sum(lab < 0)}",
              file=sys.stderr)
    with open(f"{OUT}/dbscan_cases.txt", "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
