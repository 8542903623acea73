#!/usr/bin/env bash
# infer --num_shards N --shard_index I, then textclust merge: the merged
# output and embeddings are byte-identical to one process's, for JSONL
# (byte ranges), gzip, CSV with quoted newlines, a folder (whole files) and
# Parquet (row groups); --start/--end/--n_samples select from the whole
# input first. merge refuses an incomplete, missing, foreign or altered
# shard and prints per-cluster statistics (checked here against numpy on
# the merged file). Also --on_error skip|stop and --max_distance.
set -euo pipefail
cd "$(dirname "$0")/.."
TC=${TC_BIN:-build/textclust}
PY=${PYTHON:-/usr/bin/python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/tc-shard.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

. tests/infer_inputs.sh

INF=(infer --save_load_path "$T/a" --input_content text --batch_size 16 --threads 1 --quiet)
# shards N [infer flags]: runs the N shards of $T/s.jsonl (and s.npy), then merges into $T/m.jsonl
shards() {
    local n=$1; shift
    rm -f "$T"/s.* "$T"/m.*
    for ((i = 0; i < n; i++)); do
        $TC "${INF[@]}" "$@" --output "$T/s.jsonl" --output_embeddings "$T/s.npy" --num_shards "$n" --shard_index $i \
            || fail "shard $i of $n ($*)"
    done
    $TC merge --output "$T/m.jsonl" --output_embeddings "$T/m.npy" "$T"/s.shard-*-of-*.jsonl > "$T/merge.out" \
        || fail "merge of $n shards ($*)"
}
same() {  # merged == single process
    cmp -s "$T/m.jsonl" "$T/one.jsonl" || fail "$1: merged output differs from one process's"
    cmp -s "$T/m.npy" "$T/one.npy" || fail "$1: merged embeddings differ from one process's"
}

for in in "$T/new.jsonl" "$T/new.jsonl.gz" "$T/new.csv" "$T/dir" "$T/new.parquet"; do
    $TC "${INF[@]}" --n_samples 0 --input "$in" --output "$T/one.jsonl" --output_embeddings "$T/one.npy"
    for n in 3 5; do
        shards $n --n_samples 0 --input "$in"
        same "$in, $n shards"
        # whole files for a folder (sizes 180, 70 (gzip) and 180 KB: two shards hold them)
        full=$(find "$T" -maxdepth 1 -name 's.shard-*.jsonl' -size +0 | wc -l)
        [[ $n -eq 5 || $full -eq 3 || ($in == */dir && $full -eq 2) ]] || fail "$in, 3 shards: only $full hold texts"
    done
    echo "ok: $(basename "$in"): 3 and 5 shards merged equal one process"
done

# a folder of three files of one size: the shard bounds fall on file starts exactly
mkdir "$T/eq"
sed -n '1,400p' "$T/new.jsonl" > "$T/eq/1.jsonl"
sed -n '401,800p' "$T/new.jsonl" > "$T/eq/2.jsonl"
sed -n '801,$p' "$T/new.jsonl" > "$T/eq/3.jsonl"
big=$(stat -c %s "$T"/eq/*.jsonl | sort -n | tail -n 1)
for f in "$T"/eq/*.jsonl; do  # padded with blank lines, which the reader skips
    head -c $((big - $(stat -c %s "$f"))) /dev/zero | tr '\0' '\n' >> "$f"
done
$TC "${INF[@]}" --n_samples 0 --input "$T/eq" --output "$T/one.jsonl" --output_embeddings "$T/one.npy" 2> /dev/null
shards 3 --n_samples 0 --input "$T/eq" 2> /dev/null
same "three files of one size"
for i in 0 1 2; do
    [[ $(wc -l < "$T/s.shard-0000$i-of-00003.jsonl") -eq $(grep -c '[^[:space:]]' "$T/eq/$((i + 1)).jsonl") ]] \
        || fail "three files of one size: shard $i does not hold file $((i + 1))"
done
echo "ok: a folder's shards are its files when the bounds fall on file starts"

# --start/--end and --n_samples select from the whole input, then split by count
$TC "${INF[@]}" --input "$T/new.jsonl" --start 100 --end 1100 --output "$T/one.jsonl" --output_embeddings "$T/one.npy"
shards 3 --input "$T/new.jsonl" --start 100 --end 1100
same "--start 100 --end 1100"
[[ $(wc -l < "$T/m.jsonl") -eq 1000 ]] || fail "--start 100 --end 1100: $(wc -l < "$T/m.jsonl") texts"
$TC "${INF[@]}" --input "$T/new.parquet" --n_samples 500 --output "$T/one.jsonl" --output_embeddings "$T/one.npy"
shards 3 --input "$T/new.parquet" --n_samples 500
same "--n_samples 500"
echo "ok: --start/--end and --n_samples with shards select as one process does"

# merge's statistics, recomputed with numpy from the merged file
$TC "${INF[@]}" --n_samples 0 --input "$T/new.jsonl" --output "$T/one.jsonl" --output_embeddings "$T/one.npy"
shards 3 --n_samples 0 --input "$T/new.jsonl"
$PY - "$T/m.jsonl" "$T/merge.out" <<'PY' || fail "merge statistics: $(cat "$T/merge.out")"
import json, sys, numpy as np
rows = [json.loads(l) for l in open(sys.argv[1])]
out = open(sys.argv[2]).read().splitlines()
assert out[0].endswith("1200 texts, 0 malformed records skipped"), out[0]
table = {int(l.split()[0]): l.split() for l in out[2:]}
labels = sorted({r["label"] for r in rows})
assert sorted(table) == labels, (sorted(table), labels)
for lab in labels:
    d = np.sort(np.array([r["distance"] for r in rows if r["label"] == lab], dtype=np.float32))
    n = len(d)
    want = [n, d[0], np.median(d), d[int(np.ceil(0.9 * n)) - 1], d[-1]]
    got = table[lab]
    assert int(got[1]) == n, (lab, got, n)
    for w, g in zip(want[1:], got[3:7]):
        assert abs(float(g) - w) <= 1e-3 * max(1, abs(w)), (lab, got, want)
PY
echo "ok: merge prints per-cluster counts and min/median/p90/max distances"

# ---------------------------------------------------------------- merge refuses
S=(--n_samples 0 --input "$T/new.jsonl" --output "$T/s.jsonl" --num_shards 3)
expect_merge_fail() {
    local what=$1 pattern=$2; shift 2
    if $TC merge --output "$T/bad.jsonl" "$@" > /dev/null 2> "$T/err"; then fail "merge with $what: not refused"; fi
    grep -qE -- "$pattern" "$T/err" || fail "merge with $what: $(cat "$T/err")"
    [[ ! -e $T/bad.jsonl ]] || fail "merge with $what wrote its output"
    echo "ok: merge refuses $what ($(head -c 150 "$T/err"))"
}
rm -f "$T"/s.*
$TC "${INF[@]}" "${S[@]}" --shard_index 0
$TC "${INF[@]}" "${S[@]}" --shard_index 2
{ TEXTCLUST_TEST_INFER_KILL=c2 $TC "${INF[@]}" "${S[@]}" --shard_index 1 & wait $!; } 2> /dev/null || true
[[ -e $T/s.shard-00001-of-00003.jsonl.ckpt ]] || fail "the killed shard left no checkpoint"
expect_merge_fail "an interrupted shard" 's.shard-00001-of-00003.jsonl: not complete' "$T"/s.shard-0000{0,1,2}-of-00003.jsonl
expect_merge_fail "a missing shard" 'shard 1 of 3 is missing' "$T"/s.shard-0000{0,2}-of-00003.jsonl
$TC "${INF[@]}" "${S[@]}" --shard_index 1 2> /dev/null  # continues from its checkpoint
expect_merge_fail "a shard given twice" 'shard 2 of 3 given twice' "$T"/s.shard-0000{0,1,2,2}-of-00003.jsonl
$TC "${INF[@]}" --top_k 3 "${S[@]/s.jsonl/o.jsonl}" --shard_index 2
expect_merge_fail "a shard of another job" 'not from the same job.*--top_k' "$T"/s.shard-0000{0,1}-of-00003.jsonl "$T/o.shard-00002-of-00003.jsonl"
$TC merge --output "$T/m.jsonl" "$T"/s.shard-*-of-00003.jsonl > /dev/null || fail "merge after the resumed shard"
cmp -s "$T/m.jsonl" "$T/one.jsonl" || fail "a killed and resumed shard: merged output differs"
echo "ok: a killed shard, resumed, merges to one process's output"
expect_merge_fail "--output_embeddings without shard embeddings" 'run without --output_embeddings' \
    --output_embeddings "$T/bad.npy" "$T"/s.shard-*-of-00003.jsonl
touch -d '2000-01-01' "$T/s.shard-00001-of-00003.jsonl"
$TC infer --save_load_path "$T/a" --input_content text --batch_size 16 --threads 1 "${S[@]}" --shard_index 1 2> "$T/err"
grep -q 'shard 1 of 3 is complete already' "$T/err" || fail "a complete shard run again: $(cat "$T/err")"
[[ $(stat -c %Y "$T/s.shard-00001-of-00003.jsonl") -lt 1000000000 ]] || fail "a complete shard was redone"
echo "ok: a complete shard run again does nothing"
truncate -s -10 "$T/s.shard-00001-of-00003.jsonl"
expect_merge_fail "a cut shard" 'replaced or cut' "$T"/s.shard-*-of-00003.jsonl
expect_merge_fail "no shards" 'merge needs the shards'

# ---------------------------------------------------------------- --on_error
# five malformed lines among the texts: bad JSON, null text, no text field, an array, trailing text
$PY - "$T/new.jsonl" "$T/bad.jsonl" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines(True)
bad = {150: 'not json\n', 420: '{"text": null}\n', 640: '{"other": 1}\n', 900: '["a"]\n', 1100: '{"text": "ok"} x\n'}
out = []
for i, l in enumerate(lines):
    if i in bad: out.append(bad[i])
    out.append(l)
open(sys.argv[2], "w").writelines(out)
PY
B=(--n_samples 0 --input "$T/bad.jsonl")
if $TC "${INF[@]}" "${B[@]}" --output "$T/e.jsonl" 2> "$T/err"; then fail "--on_error stop: a malformed line passed"; fi
grep -q 'bad.jsonl:151: malformed JSON' "$T/err" || fail "--on_error stop: $(cat "$T/err")"
[[ ! -e $T/e.jsonl ]] && grep -q 'e.jsonl.ckpt keeps the progress' "$T/err" || fail "--on_error stop: $(cat "$T/err")"
rm "$T"/e.jsonl.*
$TC infer --save_load_path "$T/a" --input_content text --batch_size 16 --threads 1 "${B[@]}" --on_error skip \
    --output "$T/e.jsonl" 2> "$T/err" || fail "--on_error skip: $(cat "$T/err")"
grep -q '5 malformed records skipped' "$T/err" || fail "--on_error skip summary: $(cat "$T/err")"
for l in '151: malformed JSON' '422: field "text" is null' '643: no field "text"' '904: expected a JSON object' \
    '1105: unexpected text after'; do
    grep -q "bad.jsonl:$l" "$T/err" || fail "--on_error skip did not report bad.jsonl:$l: $(cat "$T/err")"
done
cmp -s "$T/e.jsonl" "$T/one.jsonl" || fail "--on_error skip: the good lines' results differ"
echo "ok: --on_error stop names file:line; skip reports each line, counts 5, and keeps the rest"
# killed after the first bad lines, resumed: still 5, and a stop after a resume names the right line
{ TEXTCLUST_TEST_INFER_KILL=c4 $TC "${INF[@]}" "${B[@]}" --on_error skip --output "$T/e.jsonl" & wait $!; } 2> /dev/null || true
grep -q '"skipped":	2' "$T/e.jsonl.ckpt" || fail "checkpoint after two bad lines: $(grep skipped "$T/e.jsonl.ckpt")"
$TC infer --save_load_path "$T/a" --input_content text --batch_size 16 --threads 1 "${B[@]}" --on_error skip \
    --output "$T/e.jsonl" 2> "$T/err"
grep -q 'continuing from its checkpoint' "$T/err" && grep -q '5 malformed records skipped' "$T/err" \
    || fail "--on_error skip resumed: $(cat "$T/err")"
# killed twice: the second run's checkpoints carry the first run's count on
rm "$T"/e.jsonl
{ TEXTCLUST_TEST_INFER_KILL=c4 $TC "${INF[@]}" "${B[@]}" --on_error skip --output "$T/e.jsonl" & wait $!; } 2> /dev/null || true
{ TEXTCLUST_TEST_INFER_KILL=c3 $TC "${INF[@]}" "${B[@]}" --on_error skip --output "$T/e.jsonl" & wait $!; } 2> /dev/null || true
$TC infer --save_load_path "$T/a" --input_content text --batch_size 16 --threads 1 "${B[@]}" --on_error skip \
    --output "$T/e.jsonl" 2> "$T/err"
grep -q '5 malformed records skipped' "$T/err" || fail "--on_error skip resumed twice: $(cat "$T/err")"
cmp -s "$T/e.jsonl" "$T/one.jsonl" || fail "--on_error skip resumed twice: output differs"
gzip -c "$T/bad.jsonl" > "$T/bad.jsonl.gz"
sed -i '1,1000s/^not json$/{"text": "fixed"}/; 1,1000s/^{"text": null}$/{"text": "fixed"}/; 1,1000s/^{"other": 1}$/{"text": "fixed"}/; 1,1000s/^\["a"\]$/{"text": "fixed"}/' "$T/bad.jsonl"
for f in bad.jsonl; do
    { TEXTCLUST_TEST_INFER_KILL=c6 $TC "${INF[@]}" --n_samples 0 --input "$T/$f" --output "$T/r.jsonl" & wait $!; } 2> /dev/null || true
    [[ -e $T/r.jsonl.ckpt ]] || fail "$f: no checkpoint"
    if $TC "${INF[@]}" --n_samples 0 --input "$T/$f" --output "$T/r.jsonl" 2> "$T/err"; then fail "$f: the bad line passed"; fi
    grep -q "$f:1105: unexpected text" "$T/err" || fail "$f: stop after a resume: $(cat "$T/err")"
done
# a shard that starts inside the file counts lines from the file's start
if $TC "${INF[@]}" --n_samples 0 --input "$T/bad.jsonl.gz" --output "$T/g.jsonl" --num_shards 3 --shard_index 1 2> "$T/err"; then
    fail "shard 1 of bad.jsonl.gz passed"; fi
grep -q 'bad.jsonl.gz:422: field "text" is null' "$T/err" || fail "shard 1 of bad.jsonl.gz: $(cat "$T/err")"
gzip -dc "$T/bad.jsonl.gz" > "$T/bad2.jsonl"
rm -f "$T"/s.*
for i in 0 1 2; do
    $TC "${INF[@]}" --n_samples 0 --input "$T/bad2.jsonl" --on_error skip --output "$T/s.jsonl" --num_shards 3 --shard_index $i 2> /dev/null
done
$TC merge --output "$T/m.jsonl" "$T"/s.shard-*.jsonl > "$T/merge.out"
grep -q '1200 texts, 5 malformed records skipped' "$T/merge.out" || fail "merge of skipping shards: $(head -n 1 "$T/merge.out")"
cmp -s "$T/m.jsonl" "$T/one.jsonl" || fail "skipping shards: merged output differs"
echo "ok: skipped counts survive a resume and add up in merge; line numbers are the file's"

# ---------------------------------------------------------------- --max_distance
$TC "${INF[@]}" --n_samples 0 --input "$T/new.jsonl" --max_distance 1.5 --output "$T/md.jsonl"
$PY - "$T/one.jsonl" "$T/md.jsonl" <<'PY' || fail "--max_distance 1.5"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert len(a) == len(b) == 1200
far = 0
for x, y in zip(a, b):
    assert x["distance"] == y["distance"] and x["id"] == y["id"], (x, y)
    if x["distance"] > 1.5:
        far += 1
        assert y["label"] == -1 and y["summary"] == "None", (x, y)
    else:
        assert y["label"] == x["label"] and y["summary"] == x["summary"], (x, y)
assert 50 < far < 1150, far
PY
expect_fail_flag() { if $TC "${INF[@]}" --input "$T/new.jsonl" "$@" > /dev/null 2> "$T/err"; then fail "$*: accepted"; fi; }
expect_fail_flag --max_distance -1
grep -q "max_distance: '-1' is out of range" "$T/err" || fail "--max_distance -1: $(cat "$T/err")"
expect_fail_flag --on_error ignore
grep -q "on_error: 'ignore' is not stop or skip" "$T/err" || fail "--on_error ignore: $(cat "$T/err")"
expect_fail_flag --num_shards 3 --shard_index 3
grep -q 'shard_index 3: expected 0 to 2' "$T/err" || fail "--shard_index 3 of 3: $(cat "$T/err")"
expect_fail_flag --num_shards 3
grep -q 'needs --output FILE' "$T/err" || fail "shards to stdout: $(cat "$T/err")"
expect_fail_flag --num_shards 3 --shard_index 1 --output "$T/hf.jsonl" --build_hf_ds
grep -q 'built in one pass over the texts: not with --num_shards' "$T/err" || fail "--build_hf_ds with shards: $(cat "$T/err")"
[[ ! -e $T/hf.shard-00001-of-00003.jsonl ]] || fail "--build_hf_ds with shards wrote a shard"
echo "ok: --max_distance labels far texts -1 and keeps their distance; bad values refused"
echo "infer shard ok"
