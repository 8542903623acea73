#!/usr/bin/env bash
# infer --output survives kill -9: killed at seeded random points (after a
# batch, after a checkpoint, while finishing, and by a real kill from
# outside), the same command continues, and the output and embeddings are
# byte-identical to an uninterrupted run's, for JSONL, gzip, CSV with quoted
# newlines, a folder and Parquet with several row groups. A changed input,
# save folder or flag is refused; --restart starts over. The first Ctrl-C
# stops with a checkpoint and exit 130, the second kills.
set -euo pipefail
cd "$(dirname "$0")/.."
TC=${TC_BIN:-build/textclust}
PY=${PYTHON:-/usr/bin/python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/tc-resume.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
RANDOM=${TEST_SEED:-14}

. tests/infer_inputs.sh

INF=(infer --save_load_path "$T/a" --input_content text --n_samples 0 --batch_size 16 --threads 1 --quiet)
resumed=0
# one kill at $2 (TEXTCLUST_TEST_INFER_KILL), then the same command to the end
kill_resume() {
    local in=$1 at=$2 out=$T/out.jsonl
    set +e  # (waited for in the background, so that bash does not print "Killed")
    { TEXTCLUST_TEST_INFER_KILL=$at $TC "${INF[@]}" --input "$in" --output "$out" --output_embeddings "$T/out.npy" & wait $!; } 2> /dev/null
    local rc=$?
    set -e
    [[ -e $out.ckpt ]] && resumed=$((resumed + 1))
    [[ $rc -eq 137 ]] || fail "$in: the kill at $at did not happen (exit $rc)"
    [[ -e $out ]] && fail "$in: $out exists after the kill at $at"
    $TC "${INF[@]}" --input "$in" --output "$out" --output_embeddings "$T/out.npy" 2> "$T/err" ||
        fail "$in: resume after the kill at $at: $(cat "$T/err")"
    cmp -s "$out" "$T/ref.jsonl" || fail "$in: killed at $at, resumed: the output differs from an uninterrupted run's"
    cmp -s "$T/out.npy" "$T/ref.npy" || fail "$in: killed at $at, resumed: the embeddings differ"
    [[ -z $(find "$T" -maxdepth 1 -name 'out.*.part' -o -maxdepth 1 -name 'out.*.ckpt') ]] || fail "$in: parts left"
    rm -f "$out" "$T/out.npy"
}

for in in "$T/new.jsonl" "$T/new.jsonl.gz" "$T/new.csv" "$T/dir" "$T/new.parquet"; do
    $TC "${INF[@]}" --input "$in" --output "$T/ref.jsonl" --output_embeddings "$T/ref.npy"
    [[ $(wc -l < "$T/ref.jsonl") -eq 1200 ]] || fail "$in: $(wc -l < "$T/ref.jsonl") results for 1200 texts"
    # the same texts and ids in every format but CSV (whose texts gained newlines)
    if [[ $in == *new.jsonl ]]; then cp "$T/ref.jsonl" "$T/ref-jsonl.jsonl"
    elif [[ $in != *.csv ]]; then cmp -s "$T/ref.jsonl" "$T/ref-jsonl.jsonl" || fail "$in: results differ from the JSONL's"; fi
    # 75 batches of 16, a checkpoint every 8 batches: 9, and the final one (10) before the renames
    kill_resume "$in" $((RANDOM % 75 + 1))
    kill_resume "$in" c$((RANDOM % 9 + 1))
    kill_resume "$in" c10
done
[[ $resumed -ge 12 ]] || fail "only $resumed of 15 kills left a checkpoint to continue from"
echo "ok: killed after a batch, after a checkpoint and while finishing, then resumed: identical output ($resumed resumes)"

# killed twice: the second run continues the first's checkpoint and is killed again
in=$T/new.jsonl
$TC "${INF[@]}" --input "$in" --output "$T/ref.jsonl" --output_embeddings "$T/ref.npy"
for at in 20 30; do
    { TEXTCLUST_TEST_INFER_KILL=$at $TC "${INF[@]}" --input "$in" --output "$T/out.jsonl" --output_embeddings "$T/out.npy" & wait $!; } 2> /dev/null || true
done
$TC "${INF[@]}" --input "$in" --output "$T/out.jsonl" --output_embeddings "$T/out.npy"
cmp -s "$T/out.jsonl" "$T/ref.jsonl" && cmp -s "$T/out.npy" "$T/ref.npy" || fail "killed twice: output differs"
echo "ok: killed twice, resumed: identical output"

# a selection: the checkpoint is past the texts before --start
R=(--input "$in" --start 100 --end 1100 --output "$T/sel.jsonl")
$TC "${INF[@]}" "${R[@]}"
mv "$T/sel.jsonl" "$T/sel-ref.jsonl"
{ TEXTCLUST_TEST_INFER_KILL=c4 $TC "${INF[@]}" "${R[@]}" & wait $!; } 2> /dev/null || true
[[ -e $T/sel.jsonl.ckpt ]] || fail "--start 100 --end 1100: no checkpoint after the kill"
$TC "${INF[@]}" "${R[@]}"
cmp -s "$T/sel.jsonl" "$T/sel-ref.jsonl" || fail "--start 100 --end 1100, killed and resumed: output differs"
[[ $(wc -l < "$T/sel.jsonl") -eq 1000 ]] || fail "--start 100 --end 1100: $(wc -l < "$T/sel.jsonl") results"
echo "ok: --start/--end killed and resumed: identical output"

# a real kill -9 from outside, at random times
for try in 1 2 3; do
    rm -f "$T"/out.*
    $TC "${INF[@]}" --input "$in" --output "$T/out.jsonl" --output_embeddings "$T/out.npy" 2> /dev/null &
    victim=$!
    sleep "0.$((RANDOM % 6 + 1))"
    { kill -9 $victim; wait $victim; } 2> /dev/null || true
    $TC "${INF[@]}" --input "$in" --output "$T/out.jsonl" --output_embeddings "$T/out.npy" 2> "$T/err" ||
        fail "kill -9 try $try: the resume failed: $(ls -a "$T"; cat "$T/err")"
    cmp -s "$T/out.jsonl" "$T/ref.jsonl" && cmp -s "$T/out.npy" "$T/ref.npy" || fail "kill -9 try $try: output differs"
done
echo "ok: kill -9 at random times, then resumed: identical output"

# ---------------------------------------------------------------- refusals
killed() { { TEXTCLUST_TEST_INFER_KILL=40 $TC "${INF[@]}" --input "$in" --output "$T/out.jsonl" "$@" & wait $!; } 2> /dev/null || true; }
expect_refused() {
    local what=$1 pattern=$2; shift 2
    if $TC "${INF[@]}" --input "$in" --output "$T/out.jsonl" "$@" 2> "$T/err"; then fail "$what: not refused"; fi
    grep -qE -- "$pattern" "$T/err" && grep -q -- '--restart' "$T/err" || fail "$what: $(cat "$T/err")"
    [[ -e $T/out.jsonl.ckpt && -e $T/out.jsonl.part ]] || fail "$what: the refusal lost the checkpoint"
    echo "ok: $what refused ($(head -c 160 "$T/err"))"
}
cp "$in" "$T/keep.jsonl"
killed
echo '{"text": "one more"}' >> "$in"
expect_refused "a grown input" 'input .*new.jsonl changed: size in bytes'
cp "$T/keep.jsonl" "$in"   # same bytes, another modification time
expect_refused "a rewritten input" 'input .*changed: modification time'
$TC "${INF[@]}" --input "$in" --output "$T/out.jsonl" --restart 2> /dev/null || fail "--restart"
cmp -s "$T/out.jsonl" "$T/ref.jsonl" || fail "--restart: output differs from an uninterrupted run's"
[[ ! -e $T/out.jsonl.ckpt ]] || fail "--restart left a checkpoint"
echo "ok: --restart starts over"
killed
expect_refused "another --top_k" "--top_k changed: '1', now '3'" --top_k 3
expect_refused "another --input_content" "--input_content changed" --input_content id
expect_refused "added --output_embeddings" 'embeddings' --output_embeddings "$T/out.npy"
touch "$T/a/cluster_summaries.json"
expect_refused "a changed save folder" 'save folder .* changed: modification time'
printf 'not a checkpoint' > "$T/out.jsonl.ckpt"
expect_refused "a damaged checkpoint" 'not a textclust infer checkpoint'
rm -f "$T"/out.*

# two runs of one output at once: the second stops, the first goes on
mkfifo "$T/slow.jsonl"
{ head -n 100 "$in"; exec sleep 30; } > "$T/slow.jsonl" &
feeder=$!
$TC "${INF[@]}" --input "$T/slow.jsonl" --input_format jsonl --output "$T/two.jsonl" 2> "$T/first.err" &
first=$!
# ready once the first holds the part locked (it exists a moment before the lock);
# read from /proc/locks, as taking the lock to test it could make the first fail
locked() { [[ -e $1 ]] && grep -q "FLOCK .*:$(stat -c %i "$1") " /proc/locks; }
for _ in $(seq 200); do
    locked "$T/two.jsonl.part" && break
    kill -0 $first 2> /dev/null || fail "the first run ended early: $(cat "$T/first.err")"
    sleep 0.1
done
locked "$T/two.jsonl.part" || fail "the first run did not lock its part in 20 s: $(cat "$T/first.err")"
if $TC "${INF[@]}" --input "$in" --output "$T/two.jsonl" 2> "$T/err"; then fail "a second run of one output was not stopped"; fi
grep -q 'another infer is writing this output' "$T/err" || fail "a second run of one output: $(cat "$T/err")"
kill -0 $first 2> /dev/null || fail "the first run died"
{ kill -9 $first; wait $first; kill $feeder; wait $feeder; } 2> /dev/null || true
echo "ok: a second run of the same output stops ($(head -c 120 "$T/err"))"

# Ctrl-C: the first stops at a batch's edge with a checkpoint there (exit
# 130 and one line saying so), the same command continues; a second kills
for _ in 1 2 3 4 5 6 7 8; do zcat data/sample.jsonl.gz; done > "$T/big.jsonl"
B=(--input "$T/big.jsonl" --output "$T/big.jsonl.out" --output_embeddings "$T/big.npy")
$TC "${INF[@]}" "${B[@]}"
mv "$T/big.jsonl.out" "$T/big-ref.jsonl"
mv "$T/big.npy" "$T/big-ref.npy"
# in the background until its first checkpoint (the batches have begun), then SIGINT
start_big() {
    $TC "${INF[@]}" "${B[@]}" 2> "$T/err" &
    victim=$!
    while kill -0 $victim 2> /dev/null && [[ ! -e $T/big.jsonl.out.ckpt ]]; do sleep 0.02; done
    [[ -e $T/big.jsonl.out.ckpt ]] || fail "Ctrl-C: infer ended before its first checkpoint: $(cat "$T/err")"
}
start_big
kill -INT $victim || fail "Ctrl-C: infer had finished before the SIGINT (make the input larger)"
rc=0; wait $victim || rc=$?
[[ $rc -eq 130 ]] || fail "Ctrl-C: exit $rc, not 130: $(cat "$T/err")"
grep -qE '^textclust: interrupted: .*big\.jsonl\.out\.ckpt keeps [0-9]+ texts done; the same command continues' "$T/err" &&
    [[ $(wc -l < "$T/err") -eq 1 ]] || fail "Ctrl-C: not one line saying so: $(cat "$T/err")"
[[ -e $T/big.jsonl.out.ckpt && -e $T/big.jsonl.out.part && ! -e $T/big.jsonl.out ]] ||
    fail "Ctrl-C: no checkpoint and part left, or the output already named"
# the checkpoint is at the cut: the part holds exactly what it counts
$PY - "$T" <<'PY' || fail "Ctrl-C: the checkpoint is not at the end of the part"
import json, os, sys
t = sys.argv[1] + "/big.jsonl.out"
c = json.load(open(t + ".ckpt"))
part = open(t + ".part", "rb").read()
assert c["output_bytes"] == len(part), (c["output_bytes"], len(part))
assert c["texts"] == part.count(b"\n") and 0 < c["texts"] < 40000, c["texts"]
assert c["embedding_rows"] == c["texts"], c
PY
said=$(grep -oE 'keeps [0-9]+' "$T/err")
$TC "${INF[@]}" "${B[@]}" 2> "$T/err" || fail "Ctrl-C, then the same command: $(cat "$T/err")"
cmp -s "$T/big.jsonl.out" "$T/big-ref.jsonl" || fail "Ctrl-C, continued: the output differs from an uninterrupted run's"
cmp -s "$T/big.npy" "$T/big-ref.npy" || fail "Ctrl-C, continued: the embeddings differ"
[[ -z $(find "$T" -maxdepth 1 -name 'big.*.part' -o -maxdepth 1 -name 'big.*.ckpt') ]] || fail "Ctrl-C, continued: parts left"
echo "ok: Ctrl-C stops with exit 130 and a checkpoint (${said#keeps } texts), the same command continues: identical output"
rm -f "$T/big.jsonl.out" "$T/big.npy"
start_big
kill -INT $victim; kill -INT $victim
for _ in $(seq 600); do kill -0 $victim 2> /dev/null || break; sleep 0.05; done
kill -0 $victim 2> /dev/null && { kill -9 $victim; fail "Ctrl-C twice: infer is still running"; }
rc=0; wait $victim || rc=$?
[[ $rc -ne 0 ]] || fail "Ctrl-C twice: exit 0"
$TC "${INF[@]}" "${B[@]}" 2> "$T/err" || fail "Ctrl-C twice, then the same command: $(cat "$T/err")"
cmp -s "$T/big.jsonl.out" "$T/big-ref.jsonl" && cmp -s "$T/big.npy" "$T/big-ref.npy" ||
    fail "Ctrl-C twice, continued: output differs"
echo "ok: Ctrl-C twice ends infer (exit $rc), the same command continues: identical output"

# standard output is written as it comes: no part, no checkpoint
$TC "${INF[@]}" --input "$in" > "$T/stdout.jsonl"
cmp -s "$T/stdout.jsonl" "$T/ref.jsonl" || fail "stdout output differs"
[[ -z $(find "$T" -maxdepth 1 -name '*.ckpt') ]] || fail "stdout output left a checkpoint"
echo "ok: standard output is not checkpointed"
echo "infer resume ok"
