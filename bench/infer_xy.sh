#!/usr/bin/env bash
# infer's x, y against umap-learn's transform (bench/infer_xy.py; figures in
# bench/infer.md, "Positions on the map"). Embeds the 5,000 descriptions of
# data/sample.jsonl.gz once with the default encoder, fits the first N_TRAIN,
# places the next N_NEW.
#   bench/infer_xy.sh [N_TRAIN] [N_NEW]     (default 4000 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
ntrain=${1:-4000} nnew=${2:-1000}
D=${BENCH_DIR:-/tmp/tc-bench-infer-xy}
mkdir -p "$D"
export NUMBA_CACHE_DIR=${NUMBA_CACHE_DIR:-/tmp/numba-cache} NUMBA_NUM_THREADS=2
echo "# $(date -u) $(lscpu | grep 'Model name' | sed 's/  */ /g') nproc $(nproc) load: $(uptime | sed 's/.*load average: //')"
[[ -s $D/E.npy ]] || nice build/textclust embed --input data/sample.jsonl.gz --input_content text \
    --output "$D/E.npy" --threads 2 --quiet
nice /usr/bin/python3 bench/infer_xy.py "$D/E.npy" "$ntrain" "$nnew" "$D"
echo "# done $(date -u) load: $(uptime | sed 's/.*load average: //')"
