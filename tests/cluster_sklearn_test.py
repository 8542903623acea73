#!/usr/bin/python3
"""Live comparison of textclust's DBSCAN with scikit-learn on fresh inputs.

Reference: sklearn.cluster.DBSCAN(eps, min_samples).fit(P).labels_ (Debian's
python3-sklearn), float32 input. Drives the library through the small command
of build/tests/test_cluster (--dbscan). Exits non-zero on any difference."""
import os
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.cluster import DBSCAN

BUILD = os.environ.get("BUILD", "build")
BIN = os.path.join(BUILD, "tests", "test_cluster")


def write_points(path, p):
    with open(path, "wb") as f:
        f.write(np.array(p.shape, dtype="<i4").tobytes())
        f.write(p.astype("<f4").tobytes())


def ours(tmp, p, eps, ms):
    src, dst = os.path.join(tmp, "p.f32"), os.path.join(tmp, "l.i64")
    write_points(src, p)
    subprocess.run([BIN, "--dbscan", src, repr(eps), str(ms), dst], check=True)
    return np.fromfile(dst, dtype="<i8")


def blobs(rng, n, d, k, sd, noise, box):
    c = rng.uniform(0, box, (k, d))
    m = int(n * noise)
    pts = c[rng.integers(0, k, n - m)] + rng.normal(0, sd, (n - m, d))
    return np.vstack([pts, rng.uniform(-1, box + 1, (m, d))])[rng.permutation(n)]


def main():
    if not os.access(BIN, os.X_OK):
        print(f"{BIN} is missing: build it first", file=sys.stderr)
        return 1
    seed = int(os.environ.get("SEED", int.from_bytes(os.urandom(4), "little")))
    print(f"seed {seed} (SEED={seed} repeats this run)")
    rng = np.random.default_rng(seed)
    cases = [
        ("umap-like 60k", blobs(rng, 60000, 2, 40, 0.15, 0.1, 15), 0.08, 50),
        ("blobs 20k", blobs(rng, 20000, 2, 10, 0.3, 0.2, 10), 0.05, 8),
        ("lattice dup", rng.integers(0, 40, (20000, 2)) * 0.05, 0.05, 6),
        ("lattice 3-d", rng.integers(0, 12, (6000, 3)) * 0.25, 0.25, 7),
        ("blobs 4-d", blobs(rng, 5000, 4, 6, 0.2, 0.1, 5), 0.3, 5),
        ("uniform", rng.uniform(0, 1, (10000, 2)), 0.01, 3),
    ]
    fails = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, p, eps, ms in cases:
            p = np.ascontiguousarray(p, dtype=np.float32)
            want = DBSCAN(eps=eps, min_samples=ms).fit(p).labels_
            got = ours(tmp, p, eps, ms)
            bad = int(np.sum(got != want))
            status = "ok" if bad == 0 else "FAIL"
            print(f"{status} {name}: n={len(p)} clusters={want.max() + 1} "
                  f"noise={np.sum(want < 0)} differing={bad}")
            fails += bad != 0
            if bad:
                np.save(os.path.join(BUILD, f"cluster_fail_{name.replace(' ', '_')}.npy"), p)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
