#!/usr/bin/env bash
# Fitting the tfidf encoder (TF-IDF + truncated SVD to 256, rows normalised)
# against scikit-learn's TfidfVectorizer + TruncatedSVD(256) on the same
# texts in the same run, same thread count, OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE unset for both (DESIGN.md, "Matrix speed"): time, peak
# memory, and k-means NMI of both sets of vectors (bench/tfidf.md).
#   bench/tfidf.sh [CORPUS [N [THREADS]]]   default: all 117,659 WordNet glosses, 2 threads
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${1:-../shared/corpora/wordnet-glosses.jsonl.gz}
N=${2:-100000000}
T=${3:-2}
OUT=${OUT:-build/bench-tfidf}
mkdir -p "$OUT"
make -s build/bench/bench_tfidf
lscpu | grep 'Model name'
uptime
run() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=$T OPENBLAS_NUM_THREADS=$T "$@"; }
run build/bench/bench_tfidf "$CORPUS" "$N" 256 "$T" "$OUT/ours.f32"
run /usr/bin/python3 bench/tfidf_peer.py "$CORPUS" "$N" 256 "$OUT/ours.f32"
uptime
