#!/usr/bin/python3
"""The peers of bench/cluster.sh, timed on the same points file as
bench/bench_cluster.c (int32 n, int32 d, n*d float32):

    cluster_peer.py sklearn-dbscan points.f32 eps min_samples out.i64
        scikit-learn's sklearn.cluster.DBSCAN (Debian python3-sklearn), with
        n_jobs = $THREADS (default 1) so it searches on as many threads as ours
    cluster_peer.py fast-hdbscan points.f32 min_cluster_size min_samples out.i64
        fast_hdbscan.HDBSCAN from a source folder given by FAST_HDBSCAN_DIR
        (TutteInstitute/fast_hdbscan, tag release-0.2.0; Debian python3-numba);
        min_samples 0 = its default (min_cluster_size). The numba JIT is warmed
        up on 2,000 points first and not timed.

Prints "<peer> n=<n> seconds=<wall> cpu=<process CPU> clusters=<k>
noise=<share>"; both cover the fit only (not reading the file)."""
import os
import sys
import time

import numpy as np


def read_points(path):
    with open(path, "rb") as f:
        n, d = np.frombuffer(f.read(8), dtype="<i4")
        return np.frombuffer(f.read(), dtype="<f4").reshape(n, d).copy()


def main():
    peer, path, a, b, out = sys.argv[1:6]
    x = read_points(path)
    if peer == "sklearn-dbscan":
        from sklearn.cluster import DBSCAN
        t0, c0 = time.perf_counter(), time.process_time()
        jobs = int(os.environ.get("THREADS", "1"))
        lab = DBSCAN(eps=float(a), min_samples=int(b), n_jobs=jobs).fit(x).labels_
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
    elif peer == "fast-hdbscan":
        sys.path.insert(0, os.environ["FAST_HDBSCAN_DIR"])
        import fast_hdbscan
        ms = int(b) if int(b) > 0 else None
        make = lambda: fast_hdbscan.HDBSCAN(min_cluster_size=int(a), min_samples=ms)
        make().fit(x[:2000])  # JIT warm-up, not timed
        t0, c0 = time.perf_counter(), time.process_time()
        lab = make().fit(x).labels_
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
    elif peer == "density":
        # mean and median count of points within eps (the point itself
        # included) over 10,000 sampled points: what DBSCAN's cost scales with
        from scipy.spatial import cKDTree
        idx = np.random.default_rng(0).choice(len(x), min(len(x), 10000), replace=False)
        cnt = cKDTree(x).query_ball_point(x[idx], float(a), return_length=True)
        print(f"density n={len(x)} eps={a}: points within eps mean={cnt.mean():.1f} "
              f"median={np.median(cnt):.0f} p90={np.percentile(cnt, 90):.0f}")
        return
    else:
        sys.exit(f"unknown peer {peer}")
    lab = np.asarray(lab, dtype="<i8")
    lab.tofile(out)
    print(f"{peer} n={len(x)} seconds={dt:.3f} cpu={dc:.3f} clusters={lab.max() + 1} "
          f"noise={np.mean(lab < 0):.3f}")


if __name__ == "__main__":
    main()
