#!/usr/bin/env bash
# Benchmarks the BERT encoder against PyTorch (Debian's python3-torch,
# bench/torch_bert.py) in one run, on a random-weight model with
# all-MiniLM-L6-v2's shape (bench/make_bert_model.py: hidden 384, 6 layers,
# 12 heads, ffn 1536, max length 256):
#   1. the first N Debian package descriptions, tokenised by our WordPiece
#      (the ids go to both sides, so both run the same tokens);
#   2. ours on those ids, 2 threads: texts/s, tokens/s, GFLOP/s of the weight
#      products vs OpenBLAS sgemm alone at the same shapes;
#   3. PyTorch on the same ids and weights, 2 threads, length-sorted padded
#      batches of 32 as SentenceTransformer.encode makes them, with its own
#      best setting: OpenBLAS as detected and with OPENBLAS_CORETYPE=SkylakeX
#      (DESIGN.md, "Matrix speed"), the faster counted;
#   4. agreement of the two sides' vectors, and the ratio;
#   5. peak RSS of `textclust embed` over 100,000 WordNet glosses.
# The command runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset; ours
# then sets OPENBLAS_CORETYPE itself when OpenBLAS falls back to Prescott.
# Usage: bench/bert.sh [N_TEXTS] [N_RSS]      (make bench first)
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
N=${1:-10000}
NRSS=${2:-100000}
THREADS=2
CORPORA=${TEXTCLUST_CORPORA:-../shared/corpora}
B=${BUILD:-build}
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
echo "load before: $(uptime | sed 's/.*load/load/')"

$PY bench/make_bert_model.py "$tmp/minilm" >/dev/null
echo "== ours: tokenise $N debian-packages texts, then the forward pass on their ids"
"$B/bench/bench_wordpiece" "$tmp/minilm" "$CORPORA/debian-packages.jsonl.gz" "$N" "$tmp/ids.jsonl"
"$B/bench/bench_bert" "$tmp/minilm" "$tmp/ids.jsonl" $THREADS --out "$tmp/ours.npy" | tee "$tmp/ours.txt"

best=0 best_cfg=
for cfg in default SkylakeX; do
    echo "== PyTorch, OpenBLAS $cfg, $THREADS threads, batches of 32"
    if [[ $cfg == default ]]; then
        $PY bench/torch_bert.py "$tmp/minilm" "$tmp/ids.jsonl" $THREADS 32 --out "$tmp/torch.npy" | tee "$tmp/t_$cfg.txt"
    else
        OPENBLAS_CORETYPE=$cfg $PY bench/torch_bert.py "$tmp/minilm" "$tmp/ids.jsonl" $THREADS 32 | tee "$tmp/t_$cfg.txt"
    fi
    r=$(awk '/^texts_per_s/ {print $2}' "$tmp/t_$cfg.txt")
    if awk -v a="$r" -v b="$best" 'BEGIN {exit !(a > b)}'; then best=$r best_cfg=$cfg; fi
done

echo "== agreement of the vectors"
$PY - "$tmp/ours.npy" "$tmp/torch.npy" <<'PY'
import sys
import numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
print(f"min cosine {cos.min():.7f}, max |diff| {np.abs(a - b).max():.2e} over {len(a)} texts")
PY

echo "== ours: peak memory of textclust embed over $NRSS wordnet glosses"
zcat "$CORPORA/wordnet-glosses.jsonl.gz" | head -n "$NRSS" >"$tmp/glosses.jsonl"
/usr/bin/time -f "peak_rss_kib %M wall_s %e" "$B/textclust" embed --embed_model "$tmp/minilm" \
    --input "$tmp/glosses.jsonl" --input_content text --output "$tmp/glosses.npy" --threads $THREADS 2>&1 | tail -2

ours=$(awk '/^texts_per_s/ {print $2}' "$tmp/ours.txt")
echo "== summary"
echo "ours: $ours texts/s, $(awk '/^tokens_per_s/ {print $2}' "$tmp/ours.txt") tokens/s on $N texts"
echo "PyTorch (best: OpenBLAS $best_cfg): $best texts/s, $(awk '/^tokens_per_s/ {print $2}' "$tmp/t_$best_cfg.txt") tokens/s"
awk -v a="$ours" -v b="$best" 'BEGIN {printf "ratio (ours / PyTorch): %.2fx\n", a / b}'
echo "load after: $(uptime | sed 's/.*load/load/')"
