#!/usr/bin/env bash
# Quality of the whole default pipeline against known categories: runs
# textclust on whole corpora and prints NMI / ARI (bench/quality.py).
#   bench/quality.sh [extra textclust flags]    e.g. --cluster hdbscan
# With EMB=1 it embeds each corpus once into $OUT/<corpus>.E.npy (textclust
# embed) and fits on those vectors, so that runs with other flags skip the
# encoder.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPORA=${CORPORA:-../shared/corpora}
OUT=${OUT:-build/quality}
mkdir -p "$OUT"
for c in debian-packages fortunes; do
    emb=()
    if [[ ${EMB:-0} == 1 ]]; then
        [[ -s $OUT/$c.E.npy ]] || build/textclust embed --input "$CORPORA/$c.jsonl.gz" --input_content text \
            --output "$OUT/$c.E.npy" --quiet
        emb=(--embeddings "$OUT/$c.E.npy")
    fi
    /usr/bin/time -f "  %e s wall, %M KiB peak" build/textclust run --input "$CORPORA/$c.jsonl.gz" \
        --input_content text --n_samples 1000000 --save_load_path "$OUT/$c" --no_plots --quiet "${emb[@]}" "$@" > /dev/null
    /usr/bin/python3 bench/quality.py "$CORPORA/$c.jsonl.gz" "$OUT/$c"
done
