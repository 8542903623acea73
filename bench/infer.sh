#!/usr/bin/env bash
# Benchmarks `textclust infer` at scale (issue 14): N new texts (the shared
# corpora repeated and shuffled, seed 1, written once to a JSONL) against a
# 100,000-text save folder fitted with the default encoder (use-lite), 2
# threads: texts/s, peak RSS (/usr/bin/time -v), and the share of each stage,
# measured by running the stages separately on the same texts:
#   read       textclust embed --embed_model hashing (read + a hash per word:
#              an upper bound of reading and parsing the JSONL)
#   tokenise   bench_embed's SentencePiece-only pass over the same texts
#   encode     textclust embed (use-lite) minus read and tokenise
#   search     bench_index: the same exact k-NN (k = 5, the least infer
#              searches for x/y) of those embeddings over the save's 100k x 512
#   write      textclust infer minus textclust embed minus search (labels,
#              x/y, the JSONL and its checkpoints; loading the save folder)
# Usage: bench/infer.sh [N_INFER] [N_FIT]    (default 20000 100000; the
# issue's full figure is bench/infer.sh 1000000, about 25 min at 1,300 texts/s with int8 on AMX)
# The save folder and the texts are kept in $BENCH_DIR (default
# /tmp/tc-bench-infer) and reused by the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
N=${1:-20000}
NFIT=${2:-100000}
THREADS=2
CORPORA=${TEXTCLUST_CORPORA:-../shared/corpora}
B=${BUILD:-build}
TC=${TC_BIN:-$B/textclust}
D=${BENCH_DIR:-/tmp/tc-bench-infer}
PY=/usr/bin/python3
mkdir -p "$D"

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
echo "load before: $(uptime | sed 's/.*load/load/')"
echo "OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE, threads $THREADS, N_INFER=$N, N_FIT=$NFIT"

# texts: train = the first NFIT of one shuffle of the corpora; infer = the
# corpora repeated until N, shuffled with another seed (so most inferred
# texts also occur in the fit, as at the reference's scale)
texts() {  # texts OUT N SEED
    [[ -s $1 ]] && return 0
    $PY - "$CORPORA" "$2" "$3" "$1" <<'PY'
import glob, gzip, json, random, sys
corpora, n, seed, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
lines = []
for f in sorted(glob.glob(corpora + "/*.jsonl.gz")):
    with gzip.open(f, "rt", encoding="utf-8") as fh:
        lines += [json.loads(l)["text"] for l in fh if l.strip()]
if not lines:
    sys.exit("no texts in %s/*.jsonl.gz (set TEXTCLUST_CORPORA)" % corpora)
rng = random.Random(seed)
order = []
while len(order) < n:
    p = list(range(len(lines))); rng.shuffle(p); order += p
with open(out + ".tmp", "w", encoding="utf-8") as fh:
    for k, i in enumerate(order[:n]):
        fh.write(json.dumps({"id": "t%d" % k, "text": lines[i]}, ensure_ascii=False) + "\n")
import os; os.rename(out + ".tmp", out)
PY
}
texts "$D/fit.jsonl" "$NFIT" 42
texts "$D/infer-$N.jsonl" "$N" 1
S=$D/save-$NFIT
if [[ ! -s $S/textclust.json ]]; then
    echo "== fit: textclust run over $NFIT texts (use-lite; once, kept in $S)"
    /usr/bin/time -f "   fit: %e s wall, %M KiB peak" "$TC" run --input "$D/fit.jsonl" --input_content text \
        --n_samples "$NFIT" --save_load_path "$S" --threads $THREADS --quiet > "$D/fit.out"
fi
grep -o '"model":[^,]*' "$S/textclust.json"
echo "input: $(du -h "$D/infer-$N.jsonl" | cut -f1), $N texts"

secs() { /usr/bin/time -v "$@" 2> "$D/time.txt" > /dev/null || { cat "$D/time.txt" >&2; exit 1; }
         wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$D/time.txt" | awk -F: '{s=0; for(i=1;i<=NF;i++) s=s*60+$i; print s}')
         rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$D/time.txt"); }
echo "== infer (the whole command)"
rm -f "$D"/out.jsonl*
secs "$TC" infer --save_load_path "$S" --input "$D/infer-$N.jsonl" --input_content text --n_samples "$N" --output "$D/out.jsonl" \
    --threads $THREADS --quiet
t_inf=$wall; rss_inf=$rss
echo "   $t_inf s, $(awk -v n=$N -v t=$t_inf 'BEGIN{printf "%.1f", n/t}') texts/s, peak RSS $((rss_inf / 1024)) MiB"
[[ $(wc -l < "$D/out.jsonl") == "$N" ]] || { echo "infer wrote $(wc -l < "$D/out.jsonl") lines, not $N" >&2; exit 1; }
echo "== embed only (read, tokenise, encode, .npy)"
secs "$TC" embed --input "$D/infer-$N.jsonl" --input_content text --n_samples "$N" --output "$D/emb.npy" --threads $THREADS --quiet
t_emb=$wall
echo "   $t_emb s, peak RSS $((rss / 1024)) MiB"
echo "== read only (hashing encoder)"
secs "$TC" embed --embed_model hashing --input "$D/infer-$N.jsonl" --input_content text --n_samples "$N" --output "$D/hash.npy" --threads $THREADS --quiet
t_read=$wall
echo "   $t_read s"
echo "== search only (bench_index, k = 5, over the save's embeddings)"
qps=$("$B/bench/bench_index" run "$S/embeddings.npy" "$D/emb.npy" --k 5 --threads $THREADS --repeat 1 2>/dev/null | sed -n "s/^ours .*queries\/s=\([0-9.]*\).*/\1/p")
t_search=$(awk -v n=$N -v q=$qps 'BEGIN{printf "%.2f", n / q}')
echo "   $qps queries/s: $t_search s"
rm -f "$D/emb.npy" "$D/hash.npy"
echo "== tokenise only (bench_embed, SentencePiece)"
t_tok=$("$B/bench/bench_embed" "$D/infer-$N.jsonl" "$N" $THREADS --tokenise-only 2>/dev/null | sed -n 's/^tokenise_s //p' || true)
[[ -n $t_tok ]] && echo "   $t_tok s" || { echo "   (bench_embed has no tokenise-only pass: counted in encode)"; t_tok=0; }
awk -v t=$t_inf -v e=$t_emb -v r=$t_read -v k=$t_tok -v s=$t_search 'BEGIN{
  enc = e - r - k; w = t - e - s; if (enc < 0) enc = 0; if (w < 0) w = 0
  printf "shares of the %.1f s infer run: read %.1f%%, tokenise %.1f%%, encode %.1f%%, search %.1f%%, write and the rest %.1f%%\n",
         t, 100*r/t, 100*k/t, 100*enc/t, 100*s/t, 100*w/t }'
awk -v n=$N -v t=$t_inf 'BEGIN{ r = n / t; h = 15e6 / r / 3600
  printf "at %.1f texts/s per 2-core task: 1M texts %.2f h; 15M texts %.1f task-hours (%.0f core-hours):\n", r, 1e6 / r / 3600, h, 2 * h
  printf "  Slurm array of 8 tasks: %.2f h each; 32 tasks: %.2f h; 100 tasks: %.2f h (plus loading the save, about 1 s a task)\n", h / 8, h / 32, h / 100 }'
echo "load after: $(uptime | sed 's/.*load/load/')"
