#!/usr/bin/env bash
# Side-by-side UMAP benchmark: textclust's tc_umap_fit (build/bench/bench_umap)
# against umap-learn run from a source checkout, on the same embeddings,
# 2 threads each, OPENBLAS_CORETYPE=SkylakeX for both. Runs are interleaved
# (ours, peer, ours, peer, ...) and medians reported; then quality of the
# last projections of each (bench/umap_eval.py) and the kNN recall.
#
#   bench/umap.sh NAME SIZE [SIZE...]
#   env: DATA (folder with NAME.npy, NAME.labels.npy; bench/umap_embed.py
#        makes them), UMAP_SRC (umap-learn checkout, tag release-0.5.5),
#        REPS (3), OUT (folder for projections, /tmp/umap-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1; shift
DATA=${DATA:-/work/umap-data} UMAP_SRC=${UMAP_SRC:-/work/peers/umap}
REPS=${REPS:-3} OUT=${OUT:-/tmp/umap-bench}
PY=/usr/bin/python3
export OPENBLAS_CORETYPE=SkylakeX NUMBA_NUM_THREADS=2 OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2
export NUMBA_CACHE_DIR=${NUMBA_CACHE_DIR:-/tmp/numba-cache}
mkdir -p "$OUT"
make -s build/bench/bench_umap
x=$DATA/$name.npy
echo "# $(date -u) nproc $(nproc) load: $(uptime | sed 's/.*load average: //')"
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
for n in "$@"; do
    : > "$OUT/ours.$n.t"; : > "$OUT/peer.$n.t"
    for r in $(seq "$REPS"); do
        /usr/bin/time -f "rss_kb %M" build/bench/bench_umap "$x" --n "$n" --threads 2 \
            --out "$OUT/ours.$name.$n.npy" > "$OUT/ours.log" 2>&1
        grep umap_s "$OUT/ours.log" | awk '{print $2}' >> "$OUT/ours.$n.t"
        ours_rss=$(grep rss_kb "$OUT/ours.log" | awk '{print $2}')
        /usr/bin/time -f "rss_kb %M" $PY bench/umap_peer.py "$UMAP_SRC" "$x" "$n" \
            "$OUT/peer.$name.$n.npy" > "$OUT/peer.log" 2>&1
        grep umap_s "$OUT/peer.log" | awk '{print $2}' >> "$OUT/peer.$n.t"
        peer_rss=$(grep rss_kb "$OUT/peer.log" | awk '{print $2}')
        echo "n $n rep $r ours $(tail -1 "$OUT/ours.$n.t") s (rss ${ours_rss} KB)" \
             "peer $(tail -1 "$OUT/peer.$n.t") s (rss ${peer_rss} KB, warm-up excluded)" \
             "load $(uptime | sed 's/.*load average: //')"
    done
    o=$(median < "$OUT/ours.$n.t"); p=$(median < "$OUT/peer.$n.t")
    echo "n $n median ours $o s peer $p s ratio $(awk -v a="$p" -v b="$o" 'BEGIN {printf "%.1f", a / b}')x"
    build/bench/bench_umap "$x" --n "$n" --threads 2 --recall 1000 --no-fit 2>/dev/null \
        | grep -E "knn_approx_s|recall" | tr '\n' ' '; echo
    $PY bench/umap_eval.py "$x" "$DATA/$name.labels.npy" "$n" \
        "ours=$OUT/ours.$name.$n.npy" "umap-learn=$OUT/peer.$name.$n.npy"
done
