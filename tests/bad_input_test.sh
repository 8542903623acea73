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
expect_fail "hub dataset id, offline and not cached" 'HuggingFaceFW/fineweb-edu \(config default, split train\) is not in the Hugging Face cache' \
    env HF_HUB_OFFLINE=1 HF_HOME="$T/no-cache" HF_HUB_CACHE="$T/no-cache/hub" $TC "${RUN[@]}" --input_dataset "HuggingFaceFW/fineweb-edu" --save_load_path "$T/o7"
mkdir -p "$T/o8"; echo notes > "$T/o8/notes.txt"
expect_fail "load --build_hf_ds without a save" 'o8: holds no save' $TC load --save_load_path "$T/o8" --build_hf_ds
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

# expect_ok DESCRIPTION CMD...: exit 0 (stderr kept in $T/err)
expect_ok() {
    local what=$1; shift
    "$@" > "$T/out" 2> "$T/err"
    local rc=$?
    if [[ $rc -eq 0 ]]; then echo "ok: $what"; return 0; fi
    echo "FAIL: $what: exit $rc:"; sed 's/^/    /' "$T/err"; fails=$((fails + 1)); return 1
}
# check DESCRIPTION PYTHON-EXPR ARGS...: the expression (over sys.argv) holds
check() {
    local what=$1 expr=$2; shift 2
    if $PY -c "import json,sys,numpy as np; assert $expr" "$@" 2> "$T/pyerr"; then echo "ok: $what"
    else echo "FAIL: $what"; sed 's/^/    /' "$T/pyerr"; fails=$((fails + 1)); fi
}
EMBED=(embed --embed_model hashing --input_content text --quiet)

# NUL in JSONL (escape) and CSV (raw byte): dropped, the rest kept, one warning
{ printf '{"text": "a\\u0000b keeps the rest"}\n'; head -n 100 "$T/good.jsonl"; } > "$T/nul.jsonl"
expect_ok "NUL escape in JSONL" $TC "${RUN[@]}" --input "$T/nul.jsonl" --save_load_path "$T/nul"
grep -q 'nul.jsonl:1: 1 NUL character dropped' "$T/err" || { echo "FAIL: no NUL warning"; cat "$T/err"; fails=$((fails + 1)); }
check "NUL dropped, text kept" "'ab keeps the rest' in json.load(open(sys.argv[1]))" "$T/nul/texts.json"
printf 'text\n"x\0y"\n' > "$T/nul.csv"
expect_ok "raw NUL in CSV" $TC "${EMBED[@]}" --input "$T/nul.csv" --output "$T/nul.npy"
grep -q 'nul.csv:2: 1 NUL character dropped' "$T/err" || { echo "FAIL: no CSV NUL warning"; cat "$T/err"; fails=$((fails + 1)); }

# a lone surrogate escape is U+FFFD with a warning, not an abort
{ printf '{"text": "lone \\ud800 here"}\n'; head -n 100 "$T/good.jsonl"; } > "$T/sur.jsonl"
expect_ok "lone \\ud800 in JSONL" $TC "${RUN[@]}" --input "$T/sur.jsonl" --save_load_path "$T/sur"
grep -q 'sur.jsonl:1: 1 unpaired UTF-16 surrogate' "$T/err" || { echo "FAIL: no surrogate warning"; cat "$T/err"; fails=$((fails + 1)); }
check "surrogate became U+FFFD" "'lone \ufffd here' in json.load(open(sys.argv[1]))" "$T/sur/texts.json"

# blank lines of a .txt are skipped; a .txt of blank lines has no texts
printf '\n\n   \n\t\n' > "$T/blank.txt"
expect_fail "text file of blank lines" 'no texts' $TC "${EMBED[@]}" --input "$T/blank.txt" --output "$T/b.npy"
{ for i in $(seq 1 60); do echo "line number $i about topic $((i % 3))"; echo; echo "   "; done; } > "$T/gaps.txt"
expect_ok "text file with blank lines" $TC "${RUN[@]}" --input "$T/gaps.txt" --save_load_path "$T/gaps"
check "no empty texts from blank lines" "len(json.load(open(sys.argv[1]))) == 60 and all(t.strip() for t in json.load(open(sys.argv[1])))" "$T/gaps/texts.json"
# empty JSONL/CSV text fields are kept, as the reference keeps them, and embed (default encoder)
{ echo '{"text": ""}'; echo '{"text": "not empty"}'; echo '{"text": ""}'; } > "$T/empty_text.jsonl"
expect_ok "empty text fields embed" $TC embed --input "$T/empty_text.jsonl" --input_content text --quiet --output "$T/et.npy"
check "empty texts kept (3 rows)" "np.load(sys.argv[1]).shape[0] == 3 and np.isfinite(np.load(sys.argv[1])).all()" "$T/et.npy"

# pipes: /dev/stdin reads as a stream, plain or gzip, format given or sniffed
expect_ok "JSONL on stdin" $TC "${EMBED[@]}" --input /dev/stdin --input_format jsonl --output "$T/stdin.npy" < <(cat "$T/good.jsonl")
check "400 rows from stdin" "np.load(sys.argv[1]).shape[0] == 400" "$T/stdin.npy"
expect_ok "gzip JSONL on stdin, format sniffed" $TC "${EMBED[@]}" --input /dev/stdin --output "$T/stdin2.npy" < <(gzip -c "$T/good.jsonl")
check "same rows sniffed through gzip" "(np.load(sys.argv[1]) == np.load(sys.argv[2])).all()" "$T/stdin.npy" "$T/stdin2.npy"

# binary files are recognised, not embedded as lines
printf 'PAR1\x15\x04\x15\x10\x15\x14L\x15\x02\x15\x00\x12\x00\x00' > "$T/data.parquet"
expect_fail "a truncated Parquet file" 'data.parquet: not a Parquet file \(no PAR1 magic at the end\)' \
    $TC "${EMBED[@]}" --input "$T/data.parquet" --output "$T/x.npy"
expect_fail ".npy as input" 'this is a NumPy .npy file, not text' $TC "${EMBED[@]}" --input "$T/nul.npy" --input_format text --output "$T/x.npy"
$PY -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1],'w').writestr('a.txt','hello')" "$T/a.zip"
expect_fail "zip as input" 'a.zip: this is a zip archive, not text' $TC "${EMBED[@]}" --input "$T/a.zip" --output "$T/x.npy"
expect_fail "/dev/zero stops at once" 'dev/zero: this is binary data' timeout 10 $TC "${EMBED[@]}" --input /dev/zero --input_format text --output "$T/x.npy"

# limits: long texts are cut with a warning; a 1 GiB line in a 1 MB .gz is refused early, in bounded memory
{ printf '{"text": "%s"}\n' "$(head -c 5000 /dev/zero | tr '\0' 'y')"; head -n 100 "$T/good.jsonl"; } > "$T/long.jsonl"
expect_ok "long text cut" $TC "${RUN[@]}" --max_text_bytes 1000 --input "$T/long.jsonl" --save_load_path "$T/long"
grep -qE 'long.jsonl:1: [0-9]+ texts? longer than 1000 bytes cut' "$T/err" || { echo "FAIL: no cut warning"; cat "$T/err"; fails=$((fails + 1)); }
check "text cut to 1000 bytes" "'y' * 1000 in json.load(open(sys.argv[1])) and max(len(t.encode()) for t in json.load(open(sys.argv[1]))) <= 1000" "$T/long/texts.json"
expect_fail "--max_text_bytes 0" 'max_text_bytes' $TC "${EMBED[@]}" --max_text_bytes 0 --input "$T/good.jsonl" --output "$T/x.npy"
head -c 1073741824 /dev/zero | tr '\0' 'z' | gzip -1 > "$T/bomb.txt.gz"
expect_fail "1 GiB line in a .gz" 'bomb.txt.gz:1: line longer than 16777216 bytes' \
    /usr/bin/time -f 'maxrss_kb %M' -o "$T/rss" $TC "${EMBED[@]}" --input "$T/bomb.txt.gz" --output "$T/x.npy"
rss=$(awk '/maxrss_kb/ {print $2}' "$T/rss")
if [[ -n $rss && $rss -lt 204800 ]]; then echo "ok: gzip bomb peak RSS ${rss} KiB"
else echo "FAIL: gzip bomb peak RSS ${rss:-?} KiB (limit 200 MiB)"; fails=$((fails + 1)); fi

# save folders read under any locale, byte for byte as json.dump writes them
for f in texts.json cluster_summaries.json; do
    check "$f as json.dump writes it" "open(sys.argv[1],'rb').read() == json.dumps(json.load(open(sys.argv[1], encoding='utf-8'))).encode('ascii')" "$T/sur/$f"
    LC_ALL=C PYTHONUTF8=0 $PY -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/sur/$f" 2> "$T/pyerr" \
        && echo "ok: $f loads under LC_ALL=C" || { echo "FAIL: $f under LC_ALL=C"; cat "$T/pyerr"; fails=$((fails + 1)); }
done

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
# a NaN in a folder's arrays, or in the points given to cluster
nan_at() { $PY -c "import struct,sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); h=10+struct.unpack('<H',b[8:10])[0]; b[h+4*int(sys.argv[2]):h+4*int(sys.argv[2])+4]=struct.pack('<f',float(sys.argv[3])); open(p,'wb').write(b)" "$@"; }
for f in embeddings.npy projections.npy; do
    cp -r "$T/good" "$T/nan"; nan_at "$T/nan/$f" 3 nan
    expect_fail "NaN in $f" "$f: row [0-9]+, column [0-9]+ .* is NaN" $TC "${LOAD[@]}" --save_load_path "$T/nan"
    rm -rf "$T/nan"
done
cp "$T/good/projections.npy" "$T/pts.npy"; nan_at "$T/pts.npy" 5 inf
for m in dbscan hdbscan; do
    expect_fail "infinite point to cluster --cluster $m" 'pts.npy: row 2, column 1 .* is infinite' \
        $TC cluster --input "$T/pts.npy" --output "$T/l.npy" --cluster $m --quiet
done
# ten million "" in texts.json are refused by their count, not after a 1.2 GB parse
cp -r "$T/good" "$T/many"
$PY -c "import sys; open(sys.argv[1], 'w').write('[' + ', '.join(['\"\"'] * 10000000) + ']')" "$T/many/texts.json"
# (peak RSS, not ulimit -v, which the AddressSanitizer build cannot run under)
expect_fail "texts.json of 10 million items" 'texts.json has 10000000 texts but embeddings.npy has 400' \
    /usr/bin/time -f 'maxrss_kb %M' -o "$T/rss" $TC "${LOAD[@]}" --save_load_path "$T/many"
rss=$(awk '/maxrss_kb/ {print $2}' "$T/rss")
if [[ -n $rss && $rss -lt 512000 ]]; then echo "ok: 10 million texts refused in ${rss} KiB"
else echo "FAIL: 10 million texts: peak RSS ${rss:-?} KiB (limit 500 MiB)"; fails=$((fails + 1)); fi
rm -rf "$T/many"
# a FIFO would block the open for ever and /dev/zero would fill memory
for f in texts.json cluster_summaries.json textclust.json embeddings.npy faiss.index; do
    rm -rf "$T/dev"; cp -r "$T/good" "$T/dev"; rm "$T/dev/$f"; mkfifo "$T/dev/$f"
    expect_fail "$f is a FIFO" "$f: not a regular file" timeout 20 $TC "${LOAD[@]}" --save_load_path "$T/dev"
    rm "$T/dev/$f"; ln -s /dev/zero "$T/dev/$f"
    expect_fail "$f is /dev/zero" "$f: not a regular file" timeout 20 $TC "${LOAD[@]}" --save_load_path "$T/dev"
done

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
