#!/usr/bin/env bash
# Runs every libFuzzer target (make fuzz first) for SECONDS each (default
# 600), at most FUZZ_JOBS (2) at a time, at the lowest CPU priority. Each
# target grows build-fuzz/corpus/<name> from tests/fuzz/seeds/<name> and
# tests/fuzz/regress/<name>, logs to build-fuzz/logs/<name>.log and leaves
# what it finds in build-fuzz/crashes/<name>/. Prints per target: executions,
# exec/s, the final cov/ft, corpus size and findings.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
#   tests/fuzz/run.sh report [TARGET...]   the table again, from the logs
set -u
cd "$(dirname "$0")/../.."
secs=${1:-600}
shift $(($# > 0 ? 1 : 0))
jobs=${FUZZ_JOBS:-2}
B=build-fuzz
targets=("$@")
if ((${#targets[@]} == 0)); then
    for f in $B/fuzz/fuzz_*; do [[ -x $f ]] && targets+=("${f##*/fuzz_}"); done
fi
((${#targets[@]})) || { echo "no targets in $B/fuzz/; run make fuzz" >&2; exit 1; }

# longest input worth trying, per format
max_len() {
    case $1 in
        llm_answer|sp_encode|hub_http) echo 2048 ;;
        tfjs|sp_vocab|load|st_config) echo 16384 ;;
        *) echo 8192 ;;
    esac
}

# the dictionary of a target's format
dict_of() {
    case $1 in
        jsonl|tfjs|sp_vocab|llm_http|load|tokenizer|hub_api|hub_upload|hub_listing|safetensors|st_config) echo tests/fuzz/json.dict ;;
        npy|faiss) echo "tests/fuzz/$1.dict" ;;
    esac
}

run_one() {
    local t=$1 dict=() dirs=()
    mkdir -p "$B/corpus/$t" "$B/crashes/$t" "$B/logs"
    [[ -n $(dict_of "$t") ]] && dict=(-dict="$(dict_of "$t")")
    for d in tests/fuzz/seeds/$t tests/fuzz/regress/$t; do [[ -d $d ]] && dirs+=("$d"); done
    nice -n 19 "$B/fuzz/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 \
        -max_len="$(max_len "$t")" -timeout=30 -artifact_prefix="$B/crashes/$t/" "${dict[@]}" \
        "$B/corpus/$t" "${dirs[@]}" >"$B/logs/$t.log" 2>&1
    echo "$?" >"$B/logs/$t.rc"
}

summary() {
    local t=$1 log=$B/logs/$t.log
    local execs rate final cov ft corp found took
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    final=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$final")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$final")
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    corp=$(find "$B/corpus/$t" -type f | wc -l)
    found=$(find "$B/crashes/$t" -type f 2>/dev/null | wc -l)
    printf '%-12s %12s %8s %7s %7s %7s %7s %6s %3s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
        "${ft:-?}" "$corp" "$found" "${took:-?}" "$(cat "$B/logs/$t.rc" 2>/dev/null)"
}

header() { printf '%-12s %12s %8s %7s %7s %7s %7s %6s %3s\n' target execs exec/s cov ft corpus found secs rc; }
if [[ $secs == report ]]; then
    header
    for t in "${targets[@]}"; do summary "$t"; done
    exit 0
fi

for t in "${targets[@]}"; do
    [[ -x $B/fuzz/fuzz_$t ]] || { echo "no $B/fuzz/fuzz_$t; run make fuzz" >&2; exit 1; }
    while (($(jobs -rp | wc -l) >= jobs)); do wait -n; done
    echo "$(date -u +%H:%M:%S) start $t (${secs}s)"
    run_one "$t" &
done
wait
header
for t in "${targets[@]}"; do summary "$t"; done
