#!/usr/bin/env bash
# index.sh - exact top-k search throughput: textclust's tc_knn_search
# (build/bench/bench_index) against faiss IndexFlatL2 (Debian's python3-faiss,
# bench/index_faiss.py) on the same vectors, threads and k, side by side.
#
#   bench/index.sh            # 10,000 queries over 63,440 vectors of dim 512
#   N=20000 M=2000 ROUNDS=5 KS="1 10 100" THREADS=2 bench/index.sh
#
# Both sides run with OPENBLAS_CORETYPE=SkylakeX (kept if already set): faiss
# links libblas.so.3, which Debian points at the same OpenBLAS 0.3.21
# (openblas-pthread) that libtextclust uses. Rounds alternate ours / faiss;
# each run times 3 searches and reports the median; the script prints the
# medians over rounds and their ratio, the median of the per-round ratios
# (each pairs two neighbouring runs, so slow drifts in load cancel better) and
# CPU seconds. Timings on a shared machine are noisy.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
N=${N:-63440} M=${M:-10000} D=${D:-512}
THREADS=${THREADS:-2} ROUNDS=${ROUNDS:-3} KS=${KS:-"1 10"}
PY=${PYTHON:-/usr/bin/python3}
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
make -s "$BUILD/bench/bench_index" >/dev/null

DATA=${DATA:-$BUILD/bench/index-data-$N-$M-$D}
mkdir -p "$DATA"
if [[ ! -s $DATA/base.npy || ! -s $DATA/query.npy ]]; then
    "$BUILD/bench/bench_index" gen "$DATA" --n "$N" --m "$M" --d "$D" --seed 42
fi

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

echo "index bench: n=$N m=$M d=$D threads=$THREADS rounds=$ROUNDS nproc=$(nproc)"
echo "OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE; load: $(uptime | sed 's/.*load average: //')"
"$PY" - <<'PY'
import ctypes, faiss, numpy  # noqa: F401  (loads the BLAS faiss and numpy use)
maps = open("/proc/self/maps").read()
libs = sorted({l.split()[-1] for l in maps.splitlines() if "blas" in l and "/" in l})
ob = ctypes.CDLL("libopenblas.so.0")
ob.openblas_get_corename.restype = ctypes.c_char_p
print("faiss", faiss.__version__, "BLAS in process:", ", ".join(libs))
print("OpenBLAS core in the faiss process:", ob.openblas_get_corename().decode())
PY
for k in $KS; do
    ours=() theirs=() ocpu=() tcpu=() pair=()
    for r in $(seq "$ROUNDS"); do
        o=$("$BUILD/bench/bench_index" run "$DATA/base.npy" "$DATA/query.npy" --k "$k" \
            --threads "$THREADS" --repeat 3 --ids "$DATA/ids-$k.npy" 2>/dev/null)
        f=$("$PY" bench/index_faiss.py "$DATA/base.npy" "$DATA/query.npy" --k "$k" \
            --threads "$THREADS" --repeat 3 --ids "$DATA/ids-$k.npy" 2>/dev/null)
        echo "  round $r: $o"
        echo "  round $r: $f" | head -1
        same=$(echo "$f" | sed -n 2p)
        ours+=("$(echo "$o" | field seconds)") theirs+=("$(echo "$f" | head -1 | field seconds)")
        ocpu+=("$(echo "$o" | field cpu_s)") tcpu+=("$(echo "$f" | head -1 | field cpu_s)")
        pair+=("$(awk -v a="${theirs[-1]}" -v b="${ours[-1]}" 'BEGIN {print a / b}')")
    done
    so=$(printf '%s\n' "${ours[@]}" | median) sf=$(printf '%s\n' "${theirs[@]}" | median)
    co=$(printf '%s\n' "${ocpu[@]}" | median) cf=$(printf '%s\n' "${tcpu[@]}" | median)
    pr=$(printf '%s\n' "${pair[@]}" | median)
    awk -v k="$k" -v so="$so" -v sf="$sf" -v co="$co" -v cf="$cf" -v m="$M" -v n="$N" -v d="$D" \
        -v t="$THREADS" -v pr="$pr" 'BEGIN {
        g = 2 * m * n * d * 1e-9
        printf "k=%s threads=%s  ours %.0f queries/s (%.0f GFLOP/s)  faiss %.0f queries/s (%.0f GFLOP/s)  ratio %.2fx\n",
               k, t, m / so, g / so, m / sf, g / sf, sf / so
        printf "  median of per-round wall ratios %.2fx\n", pr
        printf "  CPU seconds: ours %.2f, faiss %.2f, ratio %.2fx\n", co, cf, cf / co }'
    echo "  $same"
done
echo "load after: $(uptime | sed 's/.*load average: //')"
