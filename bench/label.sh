#!/usr/bin/env bash
# Keyword labels (c-TF-IDF) against scikit-learn on every shared corpus, not
# the best one: bench/label_ctfidf.py per corpus (both sides one thread,
# medians of 3 runs each, the same categories as clusters).
#   bench/label.sh            (make build/bench/bench_label first)
set -euo pipefail
cd "$(dirname "$0")/.."
CORPORA=${TEXTCLUST_CORPORA:-../shared/corpora}
export BUILD=${BUILD:-build}
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
echo "load before: $(uptime | sed 's/.*load/load/')"
for c in debian-packages wordnet-glosses fortunes; do
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/label_ctfidf.py "$CORPORA/$c.jsonl.gz"
done
echo "load after: $(uptime | sed 's/.*load/load/')"
