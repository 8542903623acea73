#!/usr/bin/env bash
# The whole pipeline's quality per --embed_dtype (issue 12, point 3):
# textclust run on the first N Debian package descriptions (N = 0: the
# whole corpus; default settings, USE-lite) with fp32, bf16 and int8, NMI /
# ARI against the packages' sections (bench/quality.py). Each run's 2-D map
# is then clustered again (textclust cluster) with DBSCAN at an eps scaled
# to the corpus size, 0.08 sqrt(100000 / n) (bench/quality.md), and with
# HDBSCAN min_cluster_size 50, so that the comparison does not rest on the
# default eps alone (at 0.08 most of a corpus this size is noise). Last, the
# per-text cosine of the bf16 and int8 vectors to the fp32 ones.
# The bound: NMI within 0.01 of fp32. "fp32-seed7" is fp32 again with
# --seed 7 (UMAP's and the samples' seed): how far NMI moves with the seed
# alone, the scale against which a dtype's difference is read.
# Usage: bench/dtype_nmi.sh [N [extra textclust run flags]]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
CORPORA=${TEXTCLUST_CORPORA:-../shared/corpora}
B=${BUILD:-build}
PY=/usr/bin/python3
NICE="nice -n 19"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); load before: $(uptime | sed 's/.*load/load/')"
$PY -c 'import gzip, itertools, sys
n = int(sys.argv[2]) or None
with gzip.open(sys.argv[1], "rt") as f, gzip.open(sys.argv[3], "wt") as g: g.writelines(itertools.islice(f, n))' \
    "$CORPORA/debian-packages.jsonl.gz" "$N" "$tmp/in.jsonl.gz"
n=$($PY -c 'import gzip, sys; print(sum(1 for _ in gzip.open(sys.argv[1], "rt")))' "$tmp/in.jsonl.gz")
eps=$($PY -c "import math; print(round(0.08 * math.sqrt(100000 / $n), 3))")
echo "texts: $n; scaled DBSCAN eps $eps"
for d in fp32 bf16 int8 fp32-seed7; do
    dt=${d%-seed7} seed=42
    [[ $d == *-seed7 ]] && seed=7
    echo "== $d"
    /usr/bin/time -f "  $d: run %e s wall" $NICE "$B/textclust" run --input "$tmp/in.jsonl.gz" --input_content text \
        --embed_dtype $dt --seed $seed --threads 2 --save_load_path "$tmp/$d" --no_plots --quiet "${@:2}" > /dev/null
    grep -o -E '"embed_dtype":[[:space:]]*"[a-z0-9]*"' "$tmp/$d/textclust.json"
    echo "  [default settings]"
    $PY bench/quality.py "$tmp/in.jsonl.gz" "$tmp/$d"
    # the other clusterings go to folders holding the run's texts.json, as quality.py reads them
    for c in eps hdb; do mkdir -p "$tmp/$d.$c" && ln -s "$tmp/$d/texts.json" "$tmp/$d.$c/texts.json"; done
    $NICE "$B/textclust" cluster --input "$tmp/$d/projections.npy" --output "$tmp/$d.eps/cluster_labels.npy" \
        --threads 2 --quiet --dbscan_eps "$eps"
    echo "  [DBSCAN eps $eps, min_samples 50]"
    $PY bench/quality.py "$tmp/in.jsonl.gz" "$tmp/$d.eps"
    $NICE "$B/textclust" cluster --input "$tmp/$d/projections.npy" --output "$tmp/$d.hdb/cluster_labels.npy" \
        --threads 2 --quiet --cluster hdbscan --min_cluster_size 50
    echo "  [HDBSCAN min_cluster_size 50]"
    $PY bench/quality.py "$tmp/in.jsonl.gz" "$tmp/$d.hdb"
done
$PY - "$tmp" <<'PY'
import sys, numpy as np
d = sys.argv[1]
ref = np.load(f"{d}/fp32/embeddings.npy").astype(np.float64)
for t in ("bf16", "int8"):   # fp32-seed7 shuffles the texts otherwise
    v = np.load(f"{d}/{t}/embeddings.npy").astype(np.float64)
    cos = (v * ref).sum(1) / np.linalg.norm(v, axis=1) / np.linalg.norm(ref, axis=1)
    print(f"  cosine {t} vs fp32 over {len(v)} texts: min {cos.min():.6f}, mean {cos.mean():.6f}")
PY
echo "load after: $(uptime | sed 's/.*load/load/')"
