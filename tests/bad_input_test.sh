#!/usr/bin/env bash
# Bad input gets a clear message (file, line, field) and a non-zero exit,
# and never costs an earlier save.
set -uo pipefail
cd "$(dirname "$0")/.."
TC=${TC_BIN:-build/textclust}
PY=${PYTHON:-/usr/bin/python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/tc-bad.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
# expect_fail DESCRIPTION PATTERN CMD...: non-zero exit and PATTERN in stderr
expect_fail() {
    local what=$1 pat=$2; shift 2
    "$@" > "$T/out" 2> "$T/err"
    local rc=$?
    if [[ $rc -eq 0 ]]; then echo "FAIL: $what: exit 0"; fails=$((fails + 1)); return; fi
    if ! grep -qE -- "$pat" "$T/err"; then
        echo "FAIL: $what: stderr lacks /$pat/:"; sed 's/^/    /' "$T/err"; fails=$((fails + 1)); return
    fi
    echo "ok: $what ($(head -n 1 "$T/err"))"
}
RUN=(run --input_content text --embed_model hashing --dbscan_eps 0.5 --dbscan_min_samples 10 --threads 2 --quiet --no_plots)
zcat data/sample.jsonl.gz | sed -n '1,400p' > "$T/good.jsonl"

# inputs
{ head -n 5 "$T/good.jsonl"; echo '{"id": "x", "text": "unterminated'; } > "$T/broken.jsonl"
expect_fail "malformed JSONL" 'broken.jsonl:6' $TC "${RUN[@]}" --input "$T/broken.jsonl" --save_load_path "$T/o1"
expect_fail "missing field lists fields" 'content.*(id|text|label)' $TC run --input "$T/good.jsonl" --save_load_path "$T/o2" --quiet
printf 'id,text\n1,"ok"\n2,"never closed\n3,x\n' > "$T/bad.csv"
expect_fail "unterminated CSV quote" 'bad.csv:3' $TC "${RUN[@]}" --input "$T/bad.csv" --save_load_path "$T/o3"
: > "$T/empty.jsonl"
expect_fail "empty file" 'empty.jsonl.*no texts' $TC "${RUN[@]}" --input "$T/empty.jsonl" --save_load_path "$T/o4"
expect_fail "missing path" 'nope.jsonl.*No such file' $TC "${RUN[@]}" --input "$T/nope.jsonl" --save_load_path "$T/o5"
mkdir -p "$T/locked"; echo '{"text": "a"}' > "$T/locked/x.jsonl"; chmod 000 "$T/locked/x.jsonl"
if [[ $(id -u) -ne 0 ]]; then
    expect_fail "unreadable file" 'x.jsonl.*Permission denied' $TC "${RUN[@]}" --input "$T/locked/x.jsonl" --save_load_path "$T/o6"
fi
expect_fail "hub dataset id" 'not available yet' $TC "${RUN[@]}" --input_dataset "HuggingFaceFW/fineweb-edu" --save_load_path "$T/o7"
expect_fail "--build_hf_ds" 'not available yet' $TC "${RUN[@]}" --input "$T/good.jsonl" --build_hf_ds --save_load_path "$T/o8"
expect_fail "unknown flag" "unknown flag '--bogus'" $TC run --bogus 1
expect_fail "bad number" "dbscan_eps: 'abc' is not a number" $TC run --dbscan_eps abc
expect_fail "bad topic mode" 'topic_mode' $TC run --topic_mode three

# invalid UTF-8 is repaired and counted, not fatal
printf '{"text": "caf\xe9 au lait"}\n{"text": "ok \xff\xfe"}\n' > "$T/utf8.jsonl"
head -n 100 "$T/good.jsonl" >> "$T/utf8.jsonl"
$TC run --input "$T/utf8.jsonl" --input_content text --embed_model hashing --dbscan_eps 0.5 --dbscan_min_samples 5 --threads 2 \
    --no_plots --save_load_path "$T/u" > /dev/null 2> "$T/err" || { echo "FAIL: invalid UTF-8 was fatal"; cat "$T/err"; fails=$((fails + 1)); }
grep -q '2 texts.*UTF-8' "$T/err" || grep -q 'UTF-8.*2' "$T/err" || { echo "FAIL: no UTF-8 repair count"; cat "$T/err"; fails=$((fails + 1)); }
$PY -c "
import json,sys; t=json.load(open(sys.argv[1])); assert any('caf\ufffd au lait' == x for x in t), 'no U+FFFD'" "$T/u/texts.json" \
    || { echo "FAIL: U+FFFD not in texts.json"; fails=$((fails + 1)); }

# a good save to break in copies
$TC "${RUN[@]}" --input "$T/good.jsonl" --save_load_path "$T/good" > /dev/null || { echo "FAIL: good run"; exit 1; }
LOAD=(load --no_plots --quiet)
cp -r "$T/good" "$T/trunc"; head -c 1000 "$T/good/embeddings.npy" > "$T/trunc/embeddings.npy"
expect_fail "truncated .npy" 'embeddings.npy' $TC "${LOAD[@]}" --save_load_path "$T/trunc"
cp -r "$T/good" "$T/mism"
$PY -c "import numpy as np,sys; p=np.load(sys.argv[1]); np.save(sys.argv[1], p[:-1])" "$T/mism/projections.npy"
expect_fail "mismatched projections" 'projections.npy.*399' $TC "${LOAD[@]}" --save_load_path "$T/mism"
cp -r "$T/good" "$T/mism2"
$PY -c "import json,sys; t=json.load(open(sys.argv[1])); json.dump(t[:10], open(sys.argv[1],'w'))" "$T/mism2/texts.json"
expect_fail "mismatched texts.json" 'texts.json has 10 texts' $TC "${LOAD[@]}" --save_load_path "$T/mism2"
cp -r "$T/good" "$T/mism3"; rm "$T/mism3/cluster_labels.npy"
expect_fail "missing labels file" 'cluster_labels.npy' $TC "${LOAD[@]}" --save_load_path "$T/mism3"
expect_fail "load a missing folder" 'nowhere' $TC "${LOAD[@]}" --save_load_path "$T/nowhere"

# save into a path where a file stands: refused, file untouched
echo "precious" > "$T/file"
expect_fail "save over a file" 'not a folder' $TC "${RUN[@]}" --input "$T/good.jsonl" --save_load_path "$T/file"
[[ $(cat "$T/file") == precious ]] || { echo "FAIL: the file was changed"; fails=$((fails + 1)); }

# a run killed at any moment leaves the earlier save loadable and unchanged
sum() { (cd "$1" && sha256sum embeddings.npy projections.npy cluster_labels.npy texts.json faiss.index); }
before=$(sum "$T/good")
zcat data/sample.jsonl.gz | sed -n '1,3000p' > "$T/big.jsonl"
for delay in 0.05 0.2 0.4 0.6 0.8 1.0 1.5; do
    $TC "${RUN[@]}" --input "$T/big.jsonl" --save_load_path "$T/good" > /dev/null 2>&1 &
    pid=$!
    sleep $delay
    kill -9 $pid 2> /dev/null
    wait $pid 2> /dev/null
    now=$(sum "$T/good" 2> /dev/null)
    # either the old save or a complete new one, never a mix
    if [[ $now != "$before" ]]; then
        $TC "${LOAD[@]}" --save_load_path "$T/good" > /dev/null 2>&1 || { echo "FAIL: killed after ${delay}s: folder broken"; fails=$((fails + 1)); }
        before=$now
    fi
done
$TC "${LOAD[@]}" --save_load_path "$T/good" > /dev/null || { echo "FAIL: save folder broken after kills"; fails=$((fails + 1)); }
echo "bad input: $fails failures"
[[ $fails -eq 0 ]]
