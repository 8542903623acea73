#!/usr/bin/env bash
# --input_dataset ORG/NAME against a stand-in hub (tests/hub_server.py on
# 127.0.0.1 serving the DuckDB-written files of tests/data/parquet as
# dataset repositories): the Parquet listing (a 429 with Retry-After obeyed)
# and the refs/convert/parquet files, a cut download resumed with Range,
# infer fetching only the first file of a two-file split, the cache layout
# huggingface_hub writes (refs/refs/convert/parquet, blobs named by sha256
# or git sha1, relative snapshot links), no download request once cached,
# HF_HUB_OFFLINE from the cache and without it, the repository-files
# fallback (Parquet shards, JSONL), the token to the hub's host only, and
# the messages for gated, unknown, split-less and unreadable datasets. The
# texts read are checked against run on tests/data/parquet/expected.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
TC=$(realpath "${TC_BIN:-build/textclust}")
PY=${PYTHON:-/usr/bin/python3}
D=$PWD/tests/data/parquet
T=$(mktemp -d "${TMPDIR:-/tmp}/tc-hubds.XXXXXX")
SERVER=
cleanup() { [[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

TOKEN=hf_DatasetTokenNeverPrinted42
"$PY" tests/hub_server.py --model "$PWD/tests/data/bert/bert-mean-norm/model" --datasets "$D" \
    --log "$T/log" --port-file "$T/port" --faults ds429,dscut --token "$TOKEN" &
SERVER=$!
for _ in $(seq 100); do [[ -s $T/port ]] && break; sleep 0.1; done
[[ -s $T/port ]] || fail "the stand-in hub did not start"
PORT=$(cat "$T/port")
touch "$T/log"
mark() { wc -l < "$T/log"; }
since() { tail -n +$(($1 + 1)) "$T/log"; }

hub() {
    env -u HF_TOKEN -u HUGGING_FACE_HUB_TOKEN -u HF_HOME -u HF_HUB_CACHE -u HUGGINGFACE_HUB_CACHE \
        -u HF_HUB_OFFLINE -u TRANSFORMERS_OFFLINE -u XDG_CACHE_HOME -u HF_TOKEN_PATH \
        HOME="$T/nohome" HF_ENDPOINT="http://127.0.0.1:$PORT" "$@"
}
RUN=(run --input_content text --embed_model hashing --dbscan_eps 0.5 --dbscan_min_samples 5 --threads 2
     --quiet --no_plots)
sha1_of() { "$PY" -c 'import hashlib,sys; print(hashlib.sha1(sys.argv[1].encode()).hexdigest())' "$1"; }
CONV_SHA=$(sha1_of "dataset ds-convert at refs/convert/parquet")
FILES_SHA=$(sha1_of "dataset ds-files at main")

# The references: the same texts from the JSONL the fixtures came from,
# once (one file) and twice (a two-file split).
cat "$D/expected.jsonl" "$D/expected.jsonl" > "$T/twice.jsonl"
"$TC" "${RUN[@]}" --input "$D/expected.jsonl" --save_load_path "$T/once" > /dev/null || fail "run on the JSONL"
"$TC" "${RUN[@]}" --input "$T/twice.jsonl" --save_load_path "$T/twice" > /dev/null || fail "run on the JSONL twice"

# The cache as huggingface_hub lays it out: repo ref sha files... where
# each file is NAME=FIXTURE (the bytes served) and the blob is named by
# the sha256 (Parquet, LFS) or the git blob sha1 (other files).
check_cache() {
    "$PY" - "$@" <<'EOF'
import hashlib, os, sys
repo, ref, sha, *files = sys.argv[1:]
got = open(os.path.join(repo, "refs", ref)).read()
assert got == sha, f"refs/{ref} holds {got!r}, not {sha}"
snap = os.path.join(repo, "snapshots", sha)
have = sorted(os.path.relpath(os.path.join(d, f), snap) for d, _, fs in os.walk(snap) for f in fs)
want = sorted(f.split("=")[0] for f in files)
assert have == want, f"snapshot holds {have}, expected {want}"
blobs = os.path.realpath(os.path.join(repo, "blobs"))
for f in files:
    name, fixture = f.split("=")
    p = os.path.join(snap, name)
    assert os.path.islink(p) and not os.path.isabs(os.readlink(p)), f"{name}: not a relative symlink"
    real = os.path.realpath(p)
    data = open(fixture, "rb").read()
    etag = hashlib.sha256(data).hexdigest() if name.endswith(".parquet") else \
        hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    assert os.path.dirname(real) == blobs and os.path.basename(real) == etag, f"{name} -> {real}, ETag {etag}"
    assert open(real, "rb").read() == data, f"{name}: the blob differs from the served file"
left = sorted(os.listdir(blobs))
assert len(left) == len(files), f"blobs/ holds {left}"
EOF
}

# ---- 1. infer --n_samples 10 on a two-file split: only the first file, a 429 waited out, a cut resumed
H=$T/h1
n=$(mark)
hub HF_HOME="$H" "$TC" infer --save_load_path "$T/once" --input_dataset tc-test/ds-convert --split train \
    --n_samples 10 --input_content text --output "$T/infer.jsonl" 2> "$T/err" || fail "infer: $(cat "$T/err")"
grep -q 'default/train/0000.parquet.*100%' "$T/err" || fail "no progress bar: $(cat "$T/err")"
"$PY" - "$T/infer.jsonl" "$D/expected.jsonl" <<'EOF' || fail "infer ids"
import json, sys
got = [json.loads(l).get("id") for l in open(sys.argv[1])]
want = [json.loads(l).get("id") for l in open(sys.argv[2])][:10]
assert got == want, (got, want)
EOF
since "$n" > "$T/req1"
"$PY" - "$T/req1" "$CONV_SHA" "$D/zstd.parquet" <<'EOF' || fail "the requests of infer"
import hashlib, json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
sha, second = sys.argv[2], hashlib.sha256(open(sys.argv[3], "rb").read()).hexdigest()
paths = [(r["method"], r["path"].split("?")[0]) for r in log]
listing = [r for r in log if r["path"] == "/api/datasets/tc-test/ds-convert/parquet/default/train"]
assert len(listing) == 2 and listing[1]["t"] - listing[0]["t"] >= 0.9, "the 429's Retry-After: 1 was not waited"
assert ("GET", "/api/datasets/tc-test/ds-convert/revision/refs%2Fconvert%2Fparquet") in paths, paths
assert ("HEAD", f"/datasets/tc-test/ds-convert/resolve/{sha}/default/train/0000.parquet") in paths, paths
cdn = [r for r in log if r["path"].startswith("/ds-cdn/")]
assert len(cdn) == 2 and cdn[0]["range"] is None and cdn[1]["range"].startswith("bytes="), cdn
assert int(cdn[1]["range"][6:-1]) > 0, "the resume did not start after the bytes already there"
assert not any("0001" in p or second in p for _, p in paths), "the second file was fetched"
assert all(r["authorization"] is None for r in log), "a token was sent though none was set"
EOF
check_cache "$H/hub/datasets--tc-test--ds-convert" refs/convert/parquet "$CONV_SHA" \
    "default/train/0000.parquet=$D/snappy.parquet" || fail "the cache after infer"
[[ -z $(find "$H" -name '*.incomplete') ]] || fail "an .incomplete was left"

# ---- 2. run needs the whole split: the second file only; the texts are the JSONL's twice
n=$(mark)
hub HF_HOME="$H" "$TC" "${RUN[@]}" --input_dataset tc-test/ds-convert --split train --save_load_path "$T/r1" \
    > /dev/null 2> "$T/err" || fail "run: $(cat "$T/err")"
cmp -s "$T/r1/texts.json" "$T/twice/texts.json" || fail "run read other texts than the JSONL's twice"
cmp -s "$T/r1/embeddings.npy" "$T/twice/embeddings.npy" || fail "the embeddings differ from the JSONL run's"
since "$n" | grep -q "HEAD.*0000.parquet" && fail "the cached first file was asked for again"
since "$n" | grep "HEAD.*/$CONV_SHA/default/train/0001.parquet" > /dev/null || fail "the second file was not fetched"
check_cache "$H/hub/datasets--tc-test--ds-convert" refs/convert/parquet "$CONV_SHA" \
    "default/train/0000.parquet=$D/snappy.parquet" "default/train/0001.parquet=$D/zstd.parquet" \
    || fail "the cache after run"

# ---- 3. a second run sends no download request; 4. offline from the cache sends nothing
n=$(mark)
hub HF_HOME="$H" "$TC" "${RUN[@]}" --input_dataset tc-test/ds-convert --save_load_path "$T/r2" > /dev/null \
    2> "$T/err" || fail "second run: $(cat "$T/err")"
since "$n" | grep -v '"path": "/api/' && fail "the second run sent a download request"
cmp -s "$T/r2/texts.json" "$T/twice/texts.json" || fail "second run texts"
n=$(mark)
hub HF_HOME="$H" HF_HUB_OFFLINE=1 "$TC" "${RUN[@]}" --input_dataset tc-test/ds-convert --save_load_path "$T/r3" \
    > /dev/null 2> "$T/err" || fail "offline run: $(cat "$T/err")"
[[ $(mark) == "$n" ]] || fail "the offline run sent requests"
cmp -s "$T/r3/texts.json" "$T/twice/texts.json" || fail "offline run texts"
if hub HF_HOME="$T/empty" HF_HUB_OFFLINE=1 "$TC" "${RUN[@]}" --input_dataset tc-test/ds-convert \
    --save_load_path "$T/r4" > /dev/null 2> "$T/err"; then fail "offline with an empty cache succeeded"; fi
grep -q "dataset tc-test/ds-convert (config default, split train) is not in the Hugging Face cache.*HF_HUB_OFFLINE" \
    "$T/err" || fail "offline message: $(cat "$T/err")"
[[ $(mark) == "$n" ]] || fail "the offline runs sent requests"

# ---- 5. no conversion: the repository's files by the datasets patterns (data/train-*)
n=$(mark)
hub HF_HOME="$H" "$TC" "${RUN[@]}" --input_dataset tc-test/ds-files --save_load_path "$T/f1" > /dev/null \
    2> "$T/err" || fail "fallback run: $(cat "$T/err")"
cmp -s "$T/f1/texts.json" "$T/twice/texts.json" || fail "fallback texts"
since "$n" | grep -q '"GET", "path": "/api/datasets/tc-test/ds-files/revision/main"' || fail "no file list asked"
since "$n" | grep -q 'data/test-' && fail "the test split was fetched"
check_cache "$H/hub/datasets--tc-test--ds-files" main "$FILES_SHA" \
    "data/train-00000-of-00002.parquet=$D/snappy.parquet" "data/train-00001-of-00002.parquet=$D/zstd.parquet" \
    || fail "the cache of the fallback"
hub HF_HOME="$H" "$TC" "${RUN[@]}" --input_dataset tc-test/ds-jsonl --save_load_path "$T/j1" > /dev/null \
    2> "$T/err" || fail "JSONL dataset: $(cat "$T/err")"
cmp -s "$T/j1/texts.json" "$T/once/texts.json" || fail "JSONL dataset texts"
check_cache "$H/hub/datasets--tc-test--ds-jsonl" main "$(sha1_of "dataset ds-jsonl at main")" \
    "train.jsonl=$D/expected.jsonl" || fail "the cache of the JSONL dataset"

# ---- 6. gated: the message says HF_TOKEN; with it, the token goes to the hub's host only
if hub HF_HOME="$T/h2" "$TC" "${RUN[@]}" --input_dataset tc-test/ds-gated --save_load_path "$T/g0" \
    > /dev/null 2> "$T/err"; then fail "a gated dataset without a token"; fi
grep -q "tc-test/ds-gated.*HTTP 401.*set HF_TOKEN" "$T/err" || fail "gated message: $(cat "$T/err")"
n=$(mark)
hub HF_HOME="$T/h2" HF_TOKEN="$TOKEN" "$TC" "${RUN[@]}" --input_dataset tc-test/ds-gated \
    --save_load_path "$T/g1" > "$T/out" 2> "$T/err" || fail "gated with a token: $(cat "$T/err")"
grep -qF "$TOKEN" "$T/out" "$T/err" && fail "the token was printed"
since "$n" > "$T/req6"
"$PY" - "$T/req6" "$TOKEN" "$PORT" <<'EOF' || fail "where the token went"
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
tok, port = sys.argv[2], sys.argv[3]
assert log and any(r["host"] == f"localhost:{port}" for r in log), "no CDN request"
for r in log:
    want = f"Bearer {tok}" if r["host"] == f"127.0.0.1:{port}" else None
    assert r["authorization"] == want, r
EOF
cmp -s "$T/g1/texts.json" "$T/twice/texts.json" || fail "gated texts"

# ---- 7. what is not there, said with the dataset and the split
expect_error() {  # pattern args...
    local pat=$1
    shift
    if hub HF_HOME="$H" "$TC" "${RUN[@]}" --save_load_path "$T/e" "$@" > /dev/null 2> "$T/err"; then
        fail "$* succeeded"
    fi
    grep -q -- "$pat" "$T/err" || fail "$*: $(cat "$T/err")"
}
expect_error "dataset tc-test/nope (config default, split train).*HTTP 401.*does not exist" --input_dataset tc-test/nope
expect_error "tc-test/ds-files (config default, split validation): no files for the split.*splits: test, train" \
    --input_dataset tc-test/ds-files --split validation
expect_error "tc-test/ds-convert (config other, split train).*conversion has (config/split): default/test, default/train" \
    --input_dataset tc-test/ds-convert --data_subset other
expect_error "ds-arrow.*train/data-00000-of-00001.arrow.*only Parquet, JSONL, CSV, TSV" --input_dataset tc-test/ds-arrow
expect_error "no-such-file.jsonl: no such local file or folder, nor a Hugging Face dataset id" \
    --input_dataset no-such-file.jsonl
# a local path stays local
hub HF_HOME="$H" "$TC" "${RUN[@]}" --input_dataset "$D/zstd.parquet" --save_load_path "$T/l1" > /dev/null \
    2> /dev/null || fail "--input_dataset with a local file"
cmp -s "$T/l1/texts.json" "$T/once/texts.json" || fail "local --input_dataset texts"
echo "hub_dataset_test: ok"
