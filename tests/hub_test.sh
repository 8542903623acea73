#!/usr/bin/env bash
# textclust download-model against a stand-in hub (tests/hub_server.py on
# 127.0.0.1, serving tests/data/bert/bert-mean-norm/model): the cache layout
# huggingface_hub writes (refs, blobs named by ETag, relative snapshot
# links), the sha256 of the LFS file, a 500 retried, a cut download resumed
# with Range (in the same run and from a previous run's .incomplete), no
# request at all once the snapshot is complete, HF_HUB_OFFLINE, the token
# (sent as a Bearer header to the hub, not to the CDN host, never printed),
# a corrupt download refused, and the messages for unsupported and gated
# repositories.
set -euo pipefail
cd "$(dirname "$0")/.."
TC=$(realpath "${TC_BIN:-build/textclust}")
PY=${PYTHON:-/usr/bin/python3}
MODEL=$PWD/tests/data/bert/bert-mean-norm/model
T=$(mktemp -d "${TMPDIR:-/tmp}/tc-hub.XXXXXX")
SERVER=
cleanup() { [[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

TOKEN=hf_TestTokenNeverPrinted0123456789
"$PY" tests/hub_server.py --model "$MODEL" --log "$T/log" --port-file "$T/port" \
    --faults api500,cut --token "$TOKEN" &
SERVER=$!
for _ in $(seq 100); do [[ -s $T/port ]] && break; sleep 0.1; done
[[ -s $T/port ]] || fail "the stand-in hub did not start"
PORT=$(cat "$T/port")
touch "$T/log"
requests() { wc -l < "$T/log"; }

# Each run gets a clean environment: no user cache or token leaks in.
hub() {
    env -u HF_TOKEN -u HUGGING_FACE_HUB_TOKEN -u HF_HOME -u HF_HUB_CACHE -u HUGGINGFACE_HUB_CACHE \
        -u HF_HUB_OFFLINE -u TRANSFORMERS_OFFLINE -u XDG_CACHE_HOME -u HF_TOKEN_PATH \
        HOME="$T/nohome" HF_ENDPOINT="http://127.0.0.1:$PORT" "$@"
}

# The facts the layout is checked against come from the served files, not
# from our code: git blob sha1 of each small file, sha256 of the LFS file.
check_layout() {  # cache repo-folder commit
    "$PY" - "$1/$2" "$3" "$MODEL" <<'EOF'
import hashlib, os, sys
repo, sha, model = sys.argv[1:]
def git_sha1(b): return hashlib.sha1(b"blob %d\0" % len(b) + b).hexdigest()
want = ["config.json", "modules.json", "sentence_bert_config.json", "tokenizer.json",
        "tokenizer_config.json", "1_Pooling/config.json", "2_Normalize/config.json", "model.safetensors"]
ref = open(os.path.join(repo, "refs", "main")).read()
assert ref == sha, f"refs/main holds {ref!r}, not {sha!r}"
snap = os.path.join(repo, "snapshots", sha)
got = sorted(os.path.relpath(os.path.join(d, f), snap) for d, _, fs in os.walk(snap) for f in fs)
assert got == sorted(want), f"snapshot holds {got}"
blobs = os.path.join(repo, "blobs")
for f in want:
    p = os.path.join(snap, f)
    assert os.path.islink(p), f"{f} is not a symlink"
    target = os.readlink(p)
    assert not os.path.isabs(target), f"{f} -> {target} is not relative"
    real = os.path.realpath(p)
    assert os.path.dirname(real) == os.path.realpath(blobs), f"{f} -> {real} is not in blobs/"
    data = open(os.path.join(model, f), "rb").read()
    etag = hashlib.sha256(data).hexdigest() if f.endswith(".safetensors") else git_sha1(data)
    assert os.path.basename(real) == etag, f"{f}: blob {os.path.basename(real)}, ETag {etag}"
    assert open(real, "rb").read() == data, f"{f}: the blob differs from the served file"
left = sorted(os.listdir(blobs))
assert len(left) == len(want), f"blobs/ holds {left}"
print("layout ok")
EOF
}

# ---- 1. a first download: 500 retried, cut transfer resumed, token to the hub only
C1=$T/c1
SHA=$("$PY" -c 'import hashlib; print(hashlib.sha1(b"commit of bert").hexdigest())')
hub HF_HUB_CACHE="$C1" HF_TOKEN="$TOKEN" "$TC" download-model tc-test/bert > "$T/out" 2> "$T/err" \
    || fail "download: $(cat "$T/err")"
[[ $(cat "$T/out") == "$C1/models--tc-test--bert/snapshots/$SHA" ]] || fail "printed $(cat "$T/out")"
check_layout "$C1" models--tc-test--bert "$SHA" || fail "cache layout"
[[ $(head -n 1 "$C1/CACHEDIR.TAG") == "Signature: 8a477f597d28d172789f06886806bc55" ]] || fail "no CACHEDIR.TAG"
grep -qF "$TOKEN" "$T/out" "$T/err" && fail "the token was printed"
"$PY" - "$T/log" "$TOKEN" "$PORT" "$MODEL/model.safetensors" <<'EOF' || fail "the requests"
import json, os, sys
log, token, port, lfs = sys.argv[1:]
reqs = [json.loads(l) for l in open(log)]
api = [r for r in reqs if r["path"].startswith("/api/models/tc-test/bert/revision/main")]
assert len(api) == 2, f"{len(api)} model info requests (the 500 should be retried once)"
cdn = [r for r in reqs if r["path"].startswith("/cdn/") and r["path"].endswith("&hop=1")]
assert len(cdn) == 2, f"{len(cdn)} CDN requests (the cut one, then the resumed one)"
cached = [r for r in reqs if r["path"].startswith("/api/resolve-cache/models/tc-test/bert/")]
assert [r["method"] for r in cached] == ["HEAD", "GET"], f"relative redirect: {cached}"
size = os.path.getsize(lfs)
assert cdn[0]["range"] is None and cdn[1]["range"] == f"bytes={size // 2}-", f"ranges {cdn[0]['range']}, {cdn[1]['range']}"
for r in reqs:
    if r["host"] == f"127.0.0.1:{port}":
        assert r["authorization"] == f"Bearer {token}", f"{r['path']}: authorization {r['authorization']!r}"
    else:
        assert r["host"] == f"localhost:{port}" and r["authorization"] is None, f"{r['path']}: token sent to {r['host']}"
print("requests ok")
EOF

# ---- 2. a complete snapshot: no request, online, offline, by commit
n=$(requests)
hub HF_HUB_CACHE="$C1" "$TC" download-model tc-test/bert > "$T/out2" 2> "$T/err" || fail "second run: $(cat "$T/err")"
hub HF_HUB_CACHE="$C1" HF_HUB_OFFLINE=1 "$TC" download-model tc-test/bert >> "$T/out2" 2> "$T/err" ||
    fail "offline run: $(cat "$T/err")"
hub HF_HUB_CACHE="$C1" "$TC" download-model "tc-test/bert@$SHA" >> "$T/out2" 2> "$T/err" || fail "by commit: $(cat "$T/err")"
[[ $(requests) == "$n" ]] || fail "a complete snapshot still sent $(($(requests) - n)) requests"
[[ $(sort -u "$T/out2") == "$C1/models--tc-test--bert/snapshots/$SHA" ]] || fail "second runs printed $(cat "$T/out2")"

# ---- 3. offline with an empty cache: a clear failure, no request
if hub HF_HUB_CACHE="$T/empty" HF_HUB_OFFLINE=1 "$TC" download-model tc-test/bert > /dev/null 2> "$T/err"; then
    fail "offline with an empty cache succeeded"
fi
grep -q "not in the Hugging Face cache" "$T/err" && grep -q "HF_HUB_OFFLINE" "$T/err" &&
    grep -q "$T/empty/models--tc-test--bert/refs/main" "$T/err" && grep -q "download-model tc-test/bert" "$T/err" ||
    fail "offline message: $(cat "$T/err")"
[[ $(requests) == "$n" ]] || fail "offline sent a request"

# ---- 4. a corrupt LFS download is refused and not kept
LFS=$("$PY" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$MODEL/model.safetensors")
if hub HF_HUB_CACHE="$T/c4" "$TC" download-model tc-test/corrupt > /dev/null 2> "$T/err"; then
    fail "a corrupt download was accepted"
fi
grep -q "sha256" "$T/err" || fail "corrupt message: $(cat "$T/err")"
B4=$T/c4/models--tc-test--corrupt/blobs
[[ -d $B4 ]] || fail "no blobs/ after the small files"
ls "$B4" | grep -q "$LFS" && fail "the corrupt bytes stayed in blobs/: $(ls "$B4")"
[[ -e $T/c4/models--tc-test--corrupt/snapshots/$("$PY" -c 'import hashlib; print(hashlib.sha1(b"commit of corrupt").hexdigest())')/model.safetensors ]] &&
    fail "a snapshot link to the corrupt file"

# ---- 5. resume from a previous run's .incomplete
B5=$T/c5/models--tc-test--bert/blobs
mkdir -p "$B5"
head -c 1000 "$MODEL/model.safetensors" > "$B5/$LFS.incomplete"
hub HF_HUB_CACHE="$T/c5" "$TC" download-model tc-test/bert > /dev/null 2> "$T/err" || fail "resume: $(cat "$T/err")"
check_layout "$T/c5" models--tc-test--bert "$SHA" || fail "cache layout after a resume"
tail -n 1 "$T/log" | grep -q 'hop=1.*"range": "bytes=1000-"' || fail "no Range from the partial blob: $(tail -n 1 "$T/log")"

# ---- 5b. a partial blob that is not a prefix of the file: refused by its sha256, fetched anew
B5=$T/c5b/models--tc-test--bert/blobs
mkdir -p "$B5"
head -c 1000 /dev/zero > "$B5/$LFS.incomplete"
n=$(requests)
hub HF_HUB_CACHE="$T/c5b" "$TC" download-model tc-test/bert > /dev/null 2> "$T/err" || fail "wrong partial: $(cat "$T/err")"
check_layout "$T/c5b" models--tc-test--bert "$SHA" || fail "cache layout after a wrong partial"
tail -n +$((n + 1)) "$T/log" | grep '"/cdn/.*hop=1' | sed 's/.*"range": //' | tr '\n' ' ' | grep -qx '"bytes=1000-"} null} ' ||
    fail "a wrong partial: $(tail -n +$((n + 1)) "$T/log" | grep '"/cdn/')"

# ---- 5c. two processes at once on one cache: one downloads each blob, both succeed
pids=()
for i in 1 2; do
    hub HF_HUB_CACHE="$T/c5c" "$TC" download-model tc-test/bert > "$T/out$i" 2> "$T/err$i" &
    pids+=($!)
done
wait "${pids[0]}" || fail "concurrent run 1: $(cat "$T/err1")"
wait "${pids[1]}" || fail "concurrent run 2: $(cat "$T/err2")"
cmp -s "$T/out1" "$T/out2" || fail "concurrent runs printed different folders"
check_layout "$T/c5c" models--tc-test--bert "$SHA" || fail "cache layout after concurrent runs"

# ---- 6. only safetensors BERT models
if hub HF_HUB_CACHE="$T/c6" "$TC" download-model tc-test/pytorch-only > /dev/null 2> "$T/err"; then
    fail "a pytorch_model.bin repository was accepted"
fi
grep -q "only safetensors BERT models are supported" "$T/err" && grep -q "pytorch_model.bin" "$T/err" ||
    fail "unsupported message: $(cat "$T/err")"

# ---- 7. gated: refused without a token, fetched with the token file under HF_HOME
if hub HF_HUB_CACHE="$T/c7" "$TC" download-model tc-test/gated > /dev/null 2> "$T/err"; then
    fail "a gated repository without a token succeeded"
fi
grep -q "HTTP 401" "$T/err" && grep -q "HF_TOKEN" "$T/err" || fail "gated message: $(cat "$T/err")"
mkdir -p "$T/home"
printf '%s\n' "$TOKEN" > "$T/home/token"
hub HF_HOME="$T/home" "$TC" download-model tc-test/gated > "$T/out" 2> "$T/err" || fail "gated with a token file: $(cat "$T/err")"
[[ $(cat "$T/out") == "$T/home/hub/models--tc-test--gated/snapshots/"* ]] || fail "HF_HOME cache: $(cat "$T/out")"
grep -qF "$TOKEN" "$T/out" "$T/err" && fail "the token file's token was printed"

# ---- 8. an unknown revision and a name that is no id
if hub HF_HUB_CACHE="$T/c8" "$TC" download-model tc-test/bert@v9 > /dev/null 2> "$T/err"; then
    fail "an unknown revision succeeded"
fi
grep -q "HTTP 404" "$T/err" || fail "unknown revision: $(cat "$T/err")"
[[ -e $T/c8/models--tc-test--bert/refs/v9 ]] && fail "a ref for a revision the hub does not have"
hub "$TC" download-model ../etc > /dev/null 2> "$T/err" && fail "../etc taken for an id"
grep -q "not a Hugging Face model id" "$T/err" || fail "bad id message: $(cat "$T/err")"
echo "hub_test: ok"
