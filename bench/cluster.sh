#!/usr/bin/env bash
# Clustering benchmark: textclust's DBSCAN against scikit-learn's, and its
# HDBSCAN against fast_hdbscan, on the same 2-D points (bench/cluster_data.py:
# 60 clumps + 10% uniform noise, like a UMAP map), side by side, interleaved,
# REPS runs each, medians and ratios at the end.
#
#   bench/cluster.sh                      DBSCAN 100k 1M 10M, HDBSCAN 100k 1M
#   DBSCAN_SIZES="100000" HDBSCAN_SIZES="" bench/cluster.sh
#
# Environment: REPS (3), THREADS (2), SKLEARN_MAX (largest N given to
# scikit-learn, 1000000; it needs about 9 GB at 1M), SKLEARN_REPS_1M (1: one
# scikit-learn run at 1M takes minutes), EPS (0.08) and MIN_SAMPLES (50), the
# reference's DBSCAN defaults, MCS (50, HDBSCAN min_cluster_size),
# FAST_HDBSCAN_DIR: a checkout of github.com/TutteInstitute/fast_hdbscan at
# tag release-0.2.0 (run from source with Debian's python3-numba and
# python3-sklearn; without it the HDBSCAN peer is skipped).
# MAP (optional): a real map, N x 2 float32 .npy (a save folder's
# projections.npy); its N is then a size of its own for both methods, in
# place of the synthetic points of that N.
# Peak memory is /usr/bin/time's maximum resident set size.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
REPS=${REPS:-3} THREADS=${THREADS:-2} SKLEARN_MAX=${SKLEARN_MAX:-1000000}
SKLEARN_REPS_1M=${SKLEARN_REPS_1M:-1}
EPS=${EPS:-0.08} MIN_SAMPLES=${MIN_SAMPLES:-50} MCS=${MCS:-50}
DBSCAN_SIZES=${DBSCAN_SIZES-100000 1000000 10000000}
HDBSCAN_SIZES=${HDBSCAN_SIZES-100000 1000000}
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX} OMP_NUM_THREADS=$THREADS
export NUMBA_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS THREADS
make -s build/bench/bench_cluster >/dev/null
BIN=build/bench/bench_cluster
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
RES=$TMP/results.tsv
: >"$RES"

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# load at start: $(uptime | sed 's/.*load/load/')"
echo "# threads $THREADS, reps $REPS; timings on a shared machine are noisy: medians below"

# timed NAME N CMD...: runs CMD under /usr/bin/time, records the wall and
# process CPU seconds of the fit alone (the program's own figures) and the
# peak RSS of the whole process in MiB
timed() {
    local name=$1 n=$2
    shift 2
    local out
    out=$(/usr/bin/time -f "rss_kb=%M" "$@" 2>&1) || { echo "$out" >&2; return 1; }
    local s c kb
    s=$(grep -o 'seconds=[0-9.]*' <<<"$out" | cut -d= -f2)
    c=$(grep -o 'cpu=[0-9.]*' <<<"$out" | cut -d= -f2)
    kb=$(grep -o 'rss_kb=[0-9]*' <<<"$out" | cut -d= -f2)
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$n" "$s" "$c" "$((kb / 1024))" >>"$RES"
    printf '  %-17s n=%-9s %8.3f s wall %8.3f s cpu %6d MiB\n' "$name" "$n" "$s" "$c" "$((kb / 1024))"
}

ari() { # ari A.i64 B.i64 -> adjusted Rand index
    $PY -c "import sys,numpy as np; from sklearn.metrics import adjusted_rand_score as a; \
print('%.4f' % a(np.fromfile(sys.argv[1],'<i8'), np.fromfile(sys.argv[2],'<i8')))" "$1" "$2"
}

if [[ -n ${MAP:-} ]]; then
    nmap=$($PY - "$MAP" "$TMP" <<'EOF2'
import sys, numpy as np
x = np.load(sys.argv[1]).astype("<f4")
n = len(x)
with open(f"{sys.argv[2]}/p{n}.f32", "wb") as f:
    f.write(np.array([n, x.shape[1]], dtype="<i4").tobytes()); f.write(x.tobytes())
print(n)
EOF2
)
    echo "# the $nmap points are the map $MAP"
    DBSCAN_SIZES="$nmap $DBSCAN_SIZES" HDBSCAN_SIZES="$nmap $HDBSCAN_SIZES"
fi
for n in $(echo $DBSCAN_SIZES $HDBSCAN_SIZES | tr ' ' '\n' | sort -un); do
    [[ -s $TMP/p$n.f32 ]] || $PY bench/cluster_data.py "$n" "$TMP/p$n.f32"
done

for n in $DBSCAN_SIZES; do
    echo "DBSCAN eps=$EPS min_samples=$MIN_SAMPLES, n=$n (load $(cut -d' ' -f1 /proc/loadavg))"
    echo "  $($PY bench/cluster_peer.py density "$TMP/p$n.f32" "$EPS" 0 /dev/null)"
    sk_reps=$REPS
    ((n > SKLEARN_MAX)) && sk_reps=0
    ((n >= 1000000 && n <= SKLEARN_MAX)) && sk_reps=$SKLEARN_REPS_1M
    for ((r = 1; r <= REPS; r++)); do
        timed textclust-dbscan "$n" $BIN dbscan "$TMP/p$n.f32" "$EPS" "$MIN_SAMPLES" "$THREADS" "$TMP/d$n.i64"
        if ((r <= sk_reps)); then
            timed sklearn-dbscan "$n" $PY bench/cluster_peer.py sklearn-dbscan "$TMP/p$n.f32" "$EPS" "$MIN_SAMPLES" "$TMP/s$n.i64"
            if cmp -s "$TMP/d$n.i64" "$TMP/s$n.i64"; then echo "  labels identical to scikit-learn"
            else echo "  LABELS DIFFER from scikit-learn"; fi
        fi
    done
done

for n in $HDBSCAN_SIZES; do
    echo "HDBSCAN min_cluster_size=$MCS, n=$n (load $(cut -d' ' -f1 /proc/loadavg))"
    for ((r = 1; r <= REPS; r++)); do
        timed textclust-hdbscan "$n" $BIN hdbscan "$TMP/p$n.f32" "$MCS" 0 "$THREADS" "$TMP/h$n.i64"
        if [[ -n ${FAST_HDBSCAN_DIR:-} ]]; then
            timed fast-hdbscan "$n" env FAST_HDBSCAN_DIR="$FAST_HDBSCAN_DIR" \
                $PY bench/cluster_peer.py fast-hdbscan "$TMP/p$n.f32" "$MCS" 0 "$TMP/f$n.i64"
        fi
    done
    # fast_hdbscan 0.2.0 queries min_samples + 1 neighbours, the point itself
    # included; textclust (like scikit-learn) counts the point in min_samples,
    # so min_samples = MCS + 1 is the same model
    $BIN hdbscan "$TMP/p$n.f32" "$MCS" $((MCS + 1)) "$THREADS" "$TMP/h1$n.i64" >/dev/null
    if [[ -f $TMP/p$n.f32.truth.i64 ]]; then
        echo "  ARI textclust vs true clumps (noise as a class): $(ari "$TMP/h$n.i64" "$TMP/p$n.f32.truth.i64")"
    fi
    if [[ -n ${FAST_HDBSCAN_DIR:-} ]]; then
        echo "  ARI textclust vs fast_hdbscan: $(ari "$TMP/h$n.i64" "$TMP/f$n.i64")" \
             "(min_samples $((MCS + 1)), the same core distance: $(ari "$TMP/h1$n.i64" "$TMP/f$n.i64"))"
        if [[ -f $TMP/p$n.f32.truth.i64 ]]; then
            echo "  ARI fast_hdbscan vs true clumps: $(ari "$TMP/f$n.i64" "$TMP/p$n.f32.truth.i64")"
        fi
    fi
done

echo "# load at end: $(uptime | sed 's/.*load/load/')"
$PY - "$RES" <<'EOF'
import sys, collections, statistics as st
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, n, s, c, mb = line.split("\t")
    rows[(name, int(n))].append((float(s), float(c), int(mb)))
med = {k: (st.median(r[0] for r in v), st.median(r[1] for r in v), max(r[2] for r in v), len(v))
       for k, v in rows.items()}
print("\n| method | N | median wall s | median CPU s | runs | peak MiB | wall ratio | CPU ratio |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
peer = {"textclust-dbscan": "sklearn-dbscan", "textclust-hdbscan": "fast-hdbscan"}
for (name, n), (s, c, mb, k) in sorted(med.items(), key=lambda kv: (kv[0][0].split("-")[1], kv[0][1], kv[0][0])):
    rw = rc = ""
    if name in peer and (peer[name], n) in med:
        o = med[(peer[name], n)]
        rw, rc = "%.1fx" % (o[0] / s), "%.1fx" % (o[1] / c)
    print(f"| {name} | {n:,} | {s:.3f} | {c:.3f} | {k} | {mb} | {rw} | {rc} |")
EOF
