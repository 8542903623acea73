#!/usr/bin/env bash
# dispatch.sh - the portable build (x86-64-v3 with run-time kernel variants)
# against -march=native builds on this machine: CPU seconds of USE-lite
# embedding, the BERT forward pass (all-MiniLM-L6-v2's shape, random
# weights), UMAP and exact kNN search, OPENBLAS_CORETYPE=SkylakeX. The
# configurations run interleaved (a round runs each once per benchmark), and
# the script prints the median over rounds and, in brackets, the best round,
# because the machine is shared.
#
#   bench/dispatch.sh CONFIG...      CONFIG = BUILD_DIR or BUILD_DIR:LEVEL
#   e.g. bench/dispatch.sh build build:baseline build-native /tmp/old/build
# LEVEL sets TEXTCLUST_CPU. A build dir needs textclust and bench/ (make
# bench); copy them elsewhere first if you rebuild meanwhile. env: THREADS
# (1), ROUNDS (5), NE (2000 texts; bench_embed keeps the best of 3 runs), NB
# (500 texts for BERT), NU (20000 points), EMB (an (n, 512) float32 .npy of
# text embeddings for UMAP, e.g. from textclust embed), KNN_N / KNN_M (63440
# base rows, 2000 queries, k 10; the median of 3 searches), BENCHES ("embed
# bert umap knn"), WORK (/tmp/dispatch-bench: generated model, ids, vectors).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5} NE=${NE:-2000} NB=${NB:-500} NU=${NU:-20000} THREADS=${THREADS:-1}
KNN_N=${KNN_N:-63440} KNN_M=${KNN_M:-2000}
CORPORA=${TEXTCLUST_CORPORA:-../shared/corpora}
EMB=${EMB:?EMB must name an (n, 512) float32 .npy of text embeddings}
PY=/usr/bin/python3
export OPENBLAS_CORETYPE=SkylakeX
W=${WORK:-/tmp/dispatch-bench}
mkdir -p "$W"
configs=("$@")
first=${configs[0]%%:*}

echo "CPU seconds, $THREADS thread(s): median over $ROUNDS interleaved rounds (best round)"
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(uptime | sed 's/.*load/load/')"
[[ -s $W/minilm/config.json ]] || $PY bench/make_bert_model.py "$W/minilm" >/dev/null
[[ -s $W/ids.jsonl ]] || "$first/bench/bench_wordpiece" "$W/minilm" "$CORPORA/debian-packages.jsonl.gz" 1000 \
    "$W/ids.jsonl" >/dev/null
mkdir -p "$W/knn"
[[ -s $W/knn/base.npy ]] || "$first/bench/bench_index" gen "$W/knn" --n "$KNN_N" --m "$KNN_M" --d 512 --seed 42 \
    >/dev/null

# One measurement: CPU seconds of the timed part, on THREADS threads (1 by
# default: then CPU time is the work done, and other processes on the
# machine stretch only the wall-clock time).
measure() {
    local b=$1 what=$2
    case $what in
    embed) "$b/bench/bench_embed" "$CORPORA/debian-packages.jsonl.gz" "$NE" "$THREADS" --no-gemm |
           awk '$1 == "cpu_seconds" {print $2}' ;;
    bert) "$b/bench/bench_bert" "$W/minilm" "$W/ids.jsonl" "$THREADS" --n "$NB" --rounds 1 --no-gemm |
          awk '$1 == "cpu_seconds_per_round" {print $2}' ;;
    umap) /usr/bin/time -f "cpu %U %S" "$b/bench/bench_umap" "$EMB" --n "$NU" --threads "$THREADS" 2>&1 >/dev/null |
          awk '$1 == "cpu" {print $2 + $3}' ;;
    knn) "$b/bench/bench_index" run "$W/knn/base.npy" "$W/knn/query.npy" --k 10 --threads "$THREADS" --repeat 3 \
             2>/dev/null | sed -n 's/.* cpu_s=\([0-9.]*\).*/\1/p' ;;
    esac
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# the best round (least disturbed by the load)
best() { sort -g | head -1; }

benches=${BENCHES:-"embed bert umap knn"}
rm -f "$W"/res.*
for r in $(seq "$ROUNDS"); do
    for what in $benches; do
        for i in "${!configs[@]}"; do
            c=${configs[$i]} b=${c%%:*} lv=
            [[ $c == *:* ]] && lv=${c#*:}
            v=$(TEXTCLUST_CPU=$lv measure "$b" "$what" 2>/dev/null)
            echo "$v" >>"$W/res.$what.$i"
            echo "round $r $what $c: $v ($(uptime | sed 's/.*average: //'))"
        done
    done
done
echo
declare -A head=([embed]="embed use-lite, $NE texts" [bert]="BERT MiniLM forward, $NB texts"
                 [umap]="UMAP, $NU points" [knn]="kNN search, $KNN_M queries over $KNN_N, k 10")
row="| config | level |" sep="|---|---|"
for what in $benches; do row="$row ${head[$what]} |" sep="$sep---|"; done
echo "$row"; echo "$sep"
for i in "${!configs[@]}"; do
    c=${configs[$i]} b=${c%%:*} lv=
    [[ $c == *:* ]] && lv=${c#*:}
    level=$(TEXTCLUST_CPU=$lv "$b/textclust" --version 2>/dev/null | sed -n 's/^cpu level: \([a-z0-9]*\).*/\1/p' || true)
    row="| $c | ${level:-(no --version)} |"
    for what in $benches; do
        row="$row $(median <"$W/res.$what.$i") ($(best "$what" <"$W/res.$what.$i")) |"
    done
    echo "$row"
done
