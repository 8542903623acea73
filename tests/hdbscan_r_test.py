#!/usr/bin/python3
"""tc_hdbscan against R's dbscan package (Debian r-cran-dbscan), on fresh inputs.

Reference: tests/hdbscan_r.R, which runs dbscan::hdbscan's own steps (core
distances, Prim's tree, the dendrogram, computeStability, extractUnsupervised)
and says where R's definitions differ from ours and what it does about each.
Ours: the --tree command of build/tests/test_hdbscan (tc_hdbscan_mst, then
tc_hdbscan_condense and tc_hdbscan_select: the library's path).

Checked exactly, up to a relabelling of the clusters, for every case:
  - the cluster tree: the same clusters (each named by its smallest point
    and its size);
  - leaf labels (R's clusters without children);
  - excess-of-mass labels, R's FOSC selection on stabilities with our lambda
    (computed in the R script from R's tree and R's dendrogram);
  - those stabilities, to 1e-9 relative.
And where R's own definition of a point's lambda agrees with ours, i.e.
min_cluster_size 2 (every point leaves its cluster alone):
  - R's own stabilities, except where R's are NaN (1/0 - 1/0: a cluster
    born at distance 0), where ours must be 0 or inf;
  - R's own excess-of-mass labels, when none of R's stabilities is NaN (R's
    FOSC then compares NaN, which is never larger; ours has no NaN).
Not compared: min_samples 1 (R's coredist needs minPts >= 2), and
cluster_selection_epsilon (R 1.1-11 has none; the hand-worked example and
the naive path in tests/test_hdbscan.c cover it).
Data: blobs in 2-D and 3-D, blobs with exact copies of a quarter of the
points (pairs and triples), and a lattice with many equal points and equal
distances. Exits non-zero on any difference."""
import math
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

BUILD = os.environ.get("BUILD", "build")
BIN = os.path.join(BUILD, "tests", "test_hdbscan")
RSCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hdbscan_r.R")
PARAMS = [(5, 5), (3, 8), (10, 4), (2, 2), (4, 2), (8, 15), (6, 3)]  # (min_samples, mcs)


def write_points(path, p):
    with open(path, "wb") as f:
        f.write(np.array(p.shape, dtype="<i4").tobytes())
        f.write(p.astype("<f4").tobytes())


def parse(path, r_side):
    labels, clusters = {}, {}
    for line in open(path):
        f = line.split()
        if f[0] == "cluster":
            clusters[(int(f[1]), int(f[2]))] = [float(v) for v in f[3:]]
        else:
            v = np.array([int(t) for t in f[1:]])
            labels[f[0]] = np.where(v == 0, -1, v) if r_side else v
    return labels, clusters


def same_partition(a, b):
    """Equal up to relabelling, noise (-1) the same points."""
    if len(a) != len(b) or np.any((a < 0) != (b < 0)):
        return False
    fwd, back = {}, {}
    for u, v in zip(a.tolist(), b.tolist()):
        if u < 0:
            continue
        if fwd.setdefault(u, v) != v or back.setdefault(v, u) != u:
            return False
    return True


def datasets(rng):
    def blobs(n, d, k, sd):
        c = rng.uniform(0, 5, (k, d))
        return c[rng.integers(0, k, n)] + rng.normal(0, sd, (n, d))
    x = blobs(300, 2, 4, 0.3)
    copies = np.vstack([x[rng.choice(300, 60, replace=False)], np.repeat(x[:20], 2, axis=0)])
    return [
        ("blobs 2-d", blobs(400, 2, 4, 0.3)),
        ("blobs 3-d", blobs(400, 3, 5, 0.4)),
        ("blobs + copies", np.vstack([x, copies])[rng.permutation(400)]),
        ("lattice", rng.integers(0, 15, (400, 2)) * 0.5),
    ]


def main():
    if not os.access(BIN, os.X_OK):
        print(f"{BIN} is missing: build it first", file=sys.stderr)
        return 1
    if not shutil.which("Rscript") or subprocess.run(
            ["Rscript", "-e", "library(dbscan)"], capture_output=True).returncode:
        print("Rscript with the dbscan package is missing: scripts/setup.sh --test "
              "installs r-cran-dbscan (scripts/packages/cluster-test.txt)", file=sys.stderr)
        return 1
    seed = int(os.environ.get("SEED", int.from_bytes(os.urandom(4), "little")))
    print(f"seed {seed} (SEED={seed} repeats this run)")
    rng = np.random.default_rng(seed)
    fails = 0
    with tempfile.TemporaryDirectory() as tmp:
        src, r_out, o_out = (os.path.join(tmp, f) for f in ("p.f32", "r.txt", "o.txt"))
        for name, p in datasets(rng):
            p = np.ascontiguousarray(p, dtype=np.float32)
            write_points(src, p)
            for ms, mcs in PARAMS:
                subprocess.run(["Rscript", RSCRIPT, src, str(ms), str(mcs), r_out], check=True)
                subprocess.run([BIN, "--tree", src, str(mcs), str(ms), o_out], check=True)
                rl, rc = parse(r_out, True)
                ol, oc = parse(o_out, False)
                bad = []
                if set(rc) != set(oc):
                    bad.append(f"trees differ: {len(set(rc) ^ set(oc))} of {len(rc)}/{len(oc)} clusters")
                for m in ("leaf", "eom"):
                    if not same_partition(rl[m], ol[m]):
                        bad.append(f"{m} labels differ")
                st = [k for k in rc if k in oc and not math.isclose(rc[k][1], oc[k][0], rel_tol=1e-9)]
                if st:
                    k = st[0]
                    bad.append(f"{len(st)} stabilities differ, e.g. {k}: R {rc[k][1]} ours {oc[k][0]}")
                if mcs == 2:
                    nan = any(math.isnan(v[0]) for v in rc.values())
                    if not nan and not same_partition(rl["eom_r"], ol["eom"]):
                        bad.append("R's own eom labels differ")
                    for k in rc:
                        if k not in oc:
                            continue
                        r, o = rc[k][0], oc[k][0]
                        ok = (o == 0 or math.isinf(o)) if math.isnan(r) else math.isclose(r, o, rel_tol=1e-9)
                        if not ok:
                            bad.append(f"R's own stability of {k}: {r}, ours {o}")
                            break
                n_cl = len(set(ol["eom"].tolist()) - {-1})
                print(f"{'FAIL' if bad else 'ok'} {name}: min_samples={ms} mcs={mcs} "
                      f"tree={len(oc)} eom clusters={n_cl} noise={int(np.sum(ol['eom'] < 0))}"
                      + "".join(f"\n     {b}" for b in bad))
                fails += bool(bad)
                if bad:
                    np.save(os.path.join(BUILD, f"hdbscan_r_fail_{name.replace(' ', '_')}.npy"), p)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
