#!/usr/bin/python3
"""index_faiss.py - the peer side of bench/index.sh: exact top-k search with
faiss IndexFlatL2 (Debian's python3-faiss) on the same .npy vectors, the same
thread count and the same k as bench_index.

    /usr/bin/python3 bench/index_faiss.py BASE.npy QUERY.npy --k 10 --threads 2
        [--repeat 3] [--ids OURS.npy]

Prints per-repeat times on stderr and one median line on stdout:
"faiss k=K threads=T seconds=... queries/s=... GFLOP/s=... cpu_s=..." (GFLOP =
2 m n d; cpu_s = user + system CPU seconds of the search, spinning included).
With --ids, also reports how many of our neighbour ids (from bench_index
--ids) equal faiss's, rank by rank.
"""
import argparse
import resource
import sys
import time

import faiss
import numpy as np


def cpu_seconds():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("query")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ids")
    a = ap.parse_args()
    base = np.load(a.base)
    query = np.load(a.query)
    faiss.omp_set_num_threads(a.threads)
    index = faiss.IndexFlatL2(base.shape[1])
    index.add(base)
    secs, cpus = [], []
    for r in range(a.repeat):
        t0, c0 = time.perf_counter(), cpu_seconds()
        dist, ids = index.search(query, a.k)
        secs.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
        print(f"  run {r}: {secs[-1]:.3f} s, cpu {cpus[-1]:.3f} s", file=sys.stderr)
    med = sorted(secs)[len(secs) // 2]
    cpu = sorted(cpus)[len(cpus) // 2]
    m, n, d = query.shape[0], base.shape[0], base.shape[1]
    print(f"faiss k={a.k} threads={a.threads} seconds={med:.3f} queries/s={m / med:.0f} "
          f"GFLOP/s={2.0 * m * n * d * 1e-9 / med:.1f} cpu_s={cpu:.3f}")
    if a.ids:
        ours = np.load(a.ids)
        same = (ours == ids).mean()
        print(f"ids equal to faiss's: {same * 100:.3f}% of {ids.size} (rank by rank)")


if __name__ == "__main__":
    main()
