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
#      batches of 32 as SentenceTransformer.encode makes them, with its best
#      setting, OPENBLAS_CORETYPE=SkylakeX (and as detected on 1,000 texts);
#   4. agreement of the two sides' vectors, and the ratio;
#   5. peak RSS of `textclust run` over 100,000 WordNet glosses.
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
"$B/bench/bench_bert" "$tmp/minilm" "$tmp/ids.jsonl" $THREADS --rounds ${ROUNDS:-1} --out "$tmp/ours.npy" | tee "$tmp/ours.txt"

# PyTorch's best setting here is OpenBLAS's SkylakeX kernel (as detected,
# OpenBLAS falls back to Prescott: DESIGN.md, "Matrix speed"); the detected
# one is timed on the first 1,000 texts only, to show the difference.
echo "== PyTorch, OPENBLAS_CORETYPE=SkylakeX, $THREADS threads, batches of 32"
OPENBLAS_CORETYPE=SkylakeX $PY bench/torch_bert.py "$tmp/minilm" "$tmp/ids.jsonl" $THREADS 32 --out "$tmp/torch.npy" \
    | tee "$tmp/torch.txt"
head -n 1000 "$tmp/ids.jsonl" >"$tmp/ids1k.jsonl"
echo "== PyTorch, OpenBLAS as detected ($($PY -c 'import ctypes.util; print(ctypes.util.find_library("openblas") or "?")')), first 1,000 texts"
$PY bench/torch_bert.py "$tmp/minilm" "$tmp/ids1k.jsonl" $THREADS 32 | tee "$tmp/torch_default.txt"
echo "== ours on the same first 1,000 texts"
"$B/bench/bench_bert" "$tmp/minilm" "$tmp/ids1k.jsonl" $THREADS --rounds 1 --no-gemm | grep -E '^(texts_per_s|tokens_per_s)'

echo "== agreement of the vectors"
$PY - "$tmp/ours.npy" "$tmp/torch.npy" <<'PY'
import sys
import numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
print(f"min cosine {cos.min():.7f}, max |diff| {np.abs(a - b).max():.2e} over {len(a)} texts")
PY

echo "== ours: peak memory of textclust run over $NRSS wordnet glosses (embed, UMAP, DBSCAN, save, plots)"
$PY -c 'import gzip, itertools, sys
with gzip.open(sys.argv[1], "rt") as f, open(sys.argv[3], "w") as g:
    g.writelines(itertools.islice(f, int(sys.argv[2])))' "$CORPORA/wordnet-glosses.jsonl.gz" "$NRSS" "$tmp/glosses.jsonl"
/usr/bin/time -f "peak_rss_kib %M wall_s %e" "$B/textclust" run --embed_model "$tmp/minilm" --input "$tmp/glosses.jsonl" \
    --input_content text --save_load_path "$tmp/glosses" --threads $THREADS --quiet 2>&1 | tail -1 | tee "$tmp/rss.txt"

ours=$(awk '/^texts_per_s/ {print $2}' "$tmp/ours.txt")
torch=$(awk '/^texts_per_s/ {print $2}' "$tmp/torch.txt")
echo "== summary"
echo "ours: $ours texts/s, $(awk '/^tokens_per_s/ {print $2}' "$tmp/ours.txt") tokens/s on $N texts"
echo "PyTorch (OpenBLAS SkylakeX): $torch texts/s, $(awk '/^tokens_per_s/ {print $2}' "$tmp/torch.txt") tokens/s"
awk -v a="$ours" -v b="$torch" 'BEGIN {printf "ratio (ours / PyTorch): %.2fx\n", a / b}'
echo "peak RSS of run, $NRSS glosses: $(awk '{printf "%.0f MiB, %s s", $2 / 1024, $4}' "$tmp/rss.txt")"
# PyTorch's useful GFLOP/s: the same weight products per real token (its
# padding to the longest text of a batch is work it does on top)
gf=$(awk '/^encoder_gflops/ {print $2}' "$tmp/ours.txt")
tg=$(awk -v g="$gf" -v a="$(awk '/^tokens_per_s/ {print $2}' "$tmp/torch.txt")" \
    -v b="$(awk '/^tokens_per_s/ {print $2}' "$tmp/ours.txt")" 'BEGIN {printf "%.1f", g * a / b}')
echo "matrix work: ours $gf GFLOP/s, PyTorch $tg GFLOP/s, OpenBLAS sgemm alone $(awk '/^sgemm_gflops/ {print $2}' "$tmp/ours.txt") at the same shapes"
echo "load after: $(uptime | sed 's/.*load/load/')"
