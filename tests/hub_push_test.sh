#!/usr/bin/env bash
# textclust push against a stand-in hub (tests/hub_server.py on 127.0.0.1,
# its LFS storage on a second port): the repositories it creates (names,
# private by default, --public), the preupload, LFS batch, PUT (basic and
# multipart), verify and NDJSON commit requests it sends, their sha256 and
# sizes against sha256sum of the files, the token only on the hub's own
# port, a 429 waited out for its Retry-After, a second push of unchanged
# files that uploads and commits nothing, an object the hub has already,
# a regular (non-LFS) file inside the commit, the messages without a
# token and with a read-only one, and run/infer pushing what they wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
TC=$(realpath "${TC_BIN:-build/textclust}")
PY=${PYTHON:-/usr/bin/python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/tc-push.XXXXXX")
SERVER=
cleanup() { [[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null; [[ -n ${KEEP:-} ]] || rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

TOKEN=hf_PushTokenNeverPrinted0123456789
READ=hf_ReadOnlyTokenNeverPrinted98765
"$PY" tests/hub_server.py --model tests/data/bert/bert-mean-norm/model --log "$T/log" \
    --port-file "$T/port" --faults push429,put500 --token "$TOKEN" --read-token "$READ" --lfs-chunk 50000 &
SERVER=$!
for _ in $(seq 100); do [[ -s $T/port ]] && break; sleep 0.1; done
[[ -s $T/port ]] || fail "the stand-in hub did not start"
PORT=$(cat "$T/port") SPORT=$(cat "$T/port.storage")
touch "$T/log"

# A save folder as --build_hf_ds leaves it: any two valid Parquet files.
# hf_texts is over --lfs-chunk (a multipart upload), hf_clusters is not.
SAVE=$T/save/cc_test
mkdir -p "$SAVE"
cp tests/data/parquet/uncompressed.parquet "$SAVE/hf_texts.parquet"
cp tests/data/parquet/intid.parquet "$SAVE/hf_clusters.parquet"

hub() {
    env -u HF_TOKEN -u HUGGING_FACE_HUB_TOKEN -u HF_HOME -u HF_TOKEN_PATH -u XDG_CACHE_HOME \
        -u HF_HUB_DISABLE_IMPLICIT_TOKEN HOME="$T/nohome" HF_ENDPOINT="http://127.0.0.1:$PORT" "$@"
}
requests() { wc -l < "$T/log"; }
no_token_printed() { ! grep -qF -e "$TOKEN" -e "$READ" "$@" || fail "a token was printed"; }

# ---- 1. no token: nothing sent, the message says how to set one and how to push later
if hub "$TC" push --save_load_path "$SAVE" --username tc-user > "$T/out" 2> "$T/err"; then
    fail "a push without a token succeeded"
fi
grep -q "HF_TOKEN" "$T/err" && grep -qF "textclust push --save_load_path $SAVE --username tc-user" "$T/err" ||
    fail "no-token message: $(cat "$T/err")"
[[ $(requests) == 0 ]] || fail "a push without a token sent requests"
if hub HF_TOKEN="$TOKEN" "$TC" push --save_load_path "$SAVE" > /dev/null 2> "$T/err"; then
    fail "a push without --username succeeded"
fi
grep -q -- "--username" "$T/err" || fail "no-username message: $(cat "$T/err")"
if hub HF_TOKEN="$TOKEN" HF_HUB_OFFLINE=1 "$TC" push --repo tc-user/x "$SAVE/hf_texts.parquet" > /dev/null 2> "$T/err"; then
    fail "a push under HF_HUB_OFFLINE=1 succeeded"
fi
grep -q "HF_HUB_OFFLINE" "$T/err" || fail "offline message: $(cat "$T/err")"
[[ $(requests) == 0 ]] || fail "a push without a token, a username or the network sent requests"

# ---- 2. the save folder: two private repositories, basic and multipart uploads, a 429
hub HF_TOKEN="$TOKEN" "$TC" push --save_load_path "$SAVE/" --username tc-user > "$T/out" 2> "$T/err" ||
    fail "push: $(cat "$T/err")"
no_token_printed "$T/out" "$T/err"
grep -qF "http://127.0.0.1:$PORT/datasets/tc-user/cc_test " "$T/err" &&
    grep -qF "http://127.0.0.1:$PORT/datasets/tc-user/cc_test_clusters " "$T/err" || fail "push output: $(cat "$T/err")"
read -r TSHA _ < <(sha256sum "$SAVE/hf_texts.parquet")
read -r CSHA _ < <(sha256sum "$SAVE/hf_clusters.parquet")
TSIZE=$(stat -c %s "$SAVE/hf_texts.parquet") CSIZE=$(stat -c %s "$SAVE/hf_clusters.parquet")
"$PY" - "$T/log" "$TOKEN" "$PORT" "$SPORT" "$TSHA" "$TSIZE" "$CSHA" "$CSIZE" "$SAVE" <<'EOF' || fail "the requests of a push"
import base64, json, sys
log, token, port, sport, tsha, tsize, csha, csize, save = sys.argv[1:]
tsize, csize = int(tsize), int(csize)
reqs = [json.loads(l) for l in open(log)]
path = "data/train-00000-of-00001.parquet"
# the reference's naming: the per-cluster file to NAME, the per-text file to NAME_clusters
want = {"tc-user/cc_test": (csha, csize, "hf_clusters.parquet"), "tc-user/cc_test_clusters": (tsha, tsize, "hf_texts.parquet")}
creates = [r["body"] for r in reqs if r["path"] == "/api/repos/create"]
assert creates == [{"name": "cc_test", "organization": "tc-user", "private": True, "type": "dataset"},
                   {"name": "cc_test_clusters", "organization": "tc-user", "private": True, "type": "dataset"}], creates
for repo, (sha, size, name) in want.items():
    data = open(f"{save}/{name}", "rb").read()
    pre = [r["body"] for r in reqs if r["path"] == f"/api/datasets/{repo}/preupload/main"]
    assert pre == [{"files": [{"path": path, "sample": base64.b64encode(data[:512]).decode(), "size": size}]}], pre
    batch = [r for r in reqs if r["path"] == f"/datasets/{repo}.git/info/lfs/objects/batch"]
    for b in batch:
        assert b["body"]["objects"] == [{"oid": sha, "size": size}], b["body"]
        assert b["body"]["transfers"] == ["basic", "multipart"] and b["body"]["ref"] == {"name": "main"}, b["body"]
        assert b["headers"]["Accept"] == "application/vnd.git-lfs+json", b["headers"]
    commit = [r["ndjson"] for r in reqs if r["path"] == f"/api/datasets/{repo}/commit/main"]
    assert len(commit) == 1, commit
    assert commit[0][0] == {"key": "header", "value": {"summary": "Upload dataset", "description": ""}}, commit[0][0]
    assert commit[0][1:] == [{"key": "lfsFile", "value": {"path": path, "algo": "sha256", "oid": sha, "size": size}}], commit[0]
    verify = [r for r in reqs if r["path"] == f"/lfs-verify/{sha}"]
    assert len(verify) == 1 and verify[0]["body"] == {"oid": sha, "size": size}, verify
    assert verify[0]["headers"].get("X-Tc-Verify") == "v1", verify[0]["headers"]
# the 429: once, on the first batch, asked again after its Retry-After (1 s)
batches = [r for r in reqs if r["path"].endswith(".git/info/lfs/objects/batch")]
assert len(batches) == 3, [b["path"] for b in batches]
assert batches[0]["path"] == batches[1]["path"] and batches[1]["time"] - batches[0]["time"] >= 0.95, \
    (batches[0]["time"], batches[1]["time"])
# basic: a PUT of the whole file with the header the batch named; the storage's 500 to the
# first one is retried with the whole file again
put = [r for r in reqs if r["method"] == "PUT" and r["path"].startswith(f"/lfs-put/{csha}?")]
assert len(put) == 2 and all(p["body_sha256"] == csha and p["body_size"] == csize for p in put), put
assert all(p["headers"].get("X-Tc-Storage") == "storage-ticket-1" for p in put), put[0]["headers"]
# multipart: three parts of 50000 bytes at most, in order, that make up the file
parts = [r for r in reqs if r["method"] == "PUT" and r["path"].startswith(f"/lfs-part/{tsha}/")]
assert [r["path"].split("?")[0] for r in parts] == [f"/lfs-part/{tsha}/{i}" for i in (1, 2, 3)], parts
assert [r["body_size"] for r in parts] == [50000, 50000, tsize - 100000], [r["body_size"] for r in parts]
import hashlib
data = open(f"{save}/hf_texts.parquet", "rb").read()
assert [r["body_sha256"] for r in parts] == [hashlib.sha256(data[i:i + 50000]).hexdigest() for i in (0, 50000, 100000)]
done = [r for r in reqs if r["path"] == f"/lfs-complete/{tsha}"]
assert len(done) == 1 and done[0]["body"]["oid"] == tsha and [p["partNumber"] for p in done[0]["body"]["parts"]] == [1, 2, 3], done
# the token: on every request to the hub's port, on none to the storage's
for r in reqs:
    if r["port"] == int(port):
        assert r["host"] == f"127.0.0.1:{port}" and r["authorization"] == f"Bearer {token}", (r["path"], r["authorization"])
    else:
        assert r["port"] == int(sport) and r["authorization"] is None, (r["path"], r["authorization"])
assert any(r["port"] == int(sport) for r in reqs)
print("push requests ok")
EOF

# ---- 3. the same push again: the repositories exist (409) and hold these bytes: no upload, no commit
n=$(requests)
hub HF_TOKEN="$TOKEN" "$TC" push --save_load_path "$SAVE" --username tc-user > /dev/null 2> "$T/err" ||
    fail "second push: $(cat "$T/err")"
grep -q "unchanged" "$T/err" || fail "second push output: $(cat "$T/err")"
tail -n +$((n + 1)) "$T/log" | "$PY" -c '
import json, sys
paths = [json.loads(l)["path"] for l in sys.stdin]
assert all("/preupload/" in p or p == "/api/repos/create" for p in paths), paths
assert len(paths) == 4, paths' || fail "an unchanged push sent uploads or commits"

# ---- 4. --public, one file, an object the hub has already: created public, nothing PUT, committed
n=$(requests)
hub HF_TOKEN="$TOKEN" "$TC" push --repo tc-user/infer-out --public "$SAVE/hf_clusters.parquet" > /dev/null 2> "$T/err" ||
    fail "push --repo: $(cat "$T/err")"
hub HF_TOKEN="$TOKEN" "$TC" push --repo infer-bare --username tc-user "$SAVE/hf_clusters.parquet" > /dev/null 2> "$T/err" ||
    fail "push --repo NAME --username: $(cat "$T/err")"
tail -n +$((n + 1)) "$T/log" | "$PY" -c '
import json, sys
csha = sys.argv[1]
reqs = [json.loads(l) for l in sys.stdin]
creates = [r["body"] for r in reqs if r["path"] == "/api/repos/create"]
assert creates == [{"name": "infer-out", "organization": "tc-user", "private": False, "type": "dataset"},
                   {"name": "infer-bare", "organization": "tc-user", "private": True, "type": "dataset"}], creates
assert not [r for r in reqs if r["method"] == "PUT" or "/lfs-verify/" in r["path"]], "the hub had the object"
commits = [r for r in reqs if r["path"].endswith("/commit/main")]
assert [c["path"] for c in commits] == ["/api/datasets/tc-user/infer-out/commit/main", "/api/datasets/tc-user/infer-bare/commit/main"]
assert commits[0]["ndjson"][1]["value"]["oid"] == csha, commits[0]["ndjson"]' "$CSHA" || fail "push --public of a present object"

# ---- 5. a repository that takes the file as a regular one: base64 inside the commit
n=$(requests)
hub HF_TOKEN="$TOKEN" "$TC" push --repo tc-user/tiny-regular "$SAVE/hf_clusters.parquet" > /dev/null 2> "$T/err" ||
    fail "regular push: $(cat "$T/err")"
tail -n +$((n + 1)) "$T/log" | "$PY" -c '
import base64, json, sys
data = open(sys.argv[1], "rb").read()
reqs = [json.loads(l) for l in sys.stdin]
assert not [r for r in reqs if "lfs" in r["path"]], "a regular file went through LFS"
(c,) = [r["ndjson"] for r in reqs if r["path"].endswith("/commit/main")]
v = c[1]["value"]
assert c[1]["key"] == "file" and v["encoding"] == "base64" and v["path"] == "data/train-00000-of-00001.parquet", c[1]
assert base64.b64decode(v["content"]) == data, "the commit holds other bytes"' "$SAVE/hf_clusters.parquet" ||
    fail "regular push requests"

# ---- 6. a read-only token: 403, said so, with the repository and the status
if hub HF_TOKEN="$READ" "$TC" push --repo tc-user/other "$SAVE/hf_clusters.parquet" > "$T/out" 2> "$T/err"; then
    fail "a read-only token pushed"
fi
grep -q "HTTP 403" "$T/err" && grep -q "lacks write access" "$T/err" && grep -q "tc-user/other" "$T/err" ||
    fail "403 message: $(cat "$T/err")"
no_token_printed "$T/out" "$T/err"

# ---- 6b. a commit that fails with a 5xx is not sent twice (it may have been made)
n=$(requests)
if hub HF_TOKEN="$TOKEN" "$TC" push --repo tc-user/fail-commit "$SAVE/hf_clusters.parquet" > /dev/null 2> "$T/err"; then
    fail "a failed commit succeeded"
fi
grep -q "HTTP 503" "$T/err" && grep -q "tc-user/fail-commit" "$T/err" && grep -q "commit" "$T/err" ||
    fail "503 message: $(cat "$T/err")"
[[ $(tail -n +$((n + 1)) "$T/log" | grep -c '/commit/main"') == 1 ]] || fail "a 503 commit was sent again"

# ---- 7. the token file works as HF_TOKEN does; a missing file is named before any request
mkdir -p "$T/home"
printf '%s\n' "$TOKEN" > "$T/home/token"
hub HF_HOME="$T/home" "$TC" push --repo tc-user/from-file "$SAVE/hf_texts.parquet" > /dev/null 2> "$T/err" ||
    fail "push with the token file: $(cat "$T/err")"
n=$(requests)
if hub HF_TOKEN="$TOKEN" "$TC" push --save_load_path "$T/save/empty" --username tc-user > /dev/null 2> "$T/err"; then
    fail "a folder without hf_*.parquet pushed"
fi
grep -q "hf_clusters.parquet: no such file" "$T/err" && grep -q -- "--build_hf_ds" "$T/err" || fail "missing file: $(cat "$T/err")"
[[ $(requests) == "$n" ]] || fail "a missing file still sent requests"

# ---- 8. run --build_hf_ds --username pushes the files the save wrote; infer --inference_repo_name
# pushes the inferred texts' dataset (the reference's run and infer modes)
zcat data/sample.jsonl.gz | sed -n 1,300p > "$T/in.jsonl"
RUN=(--input_content text --embed_model hashing --dbscan_eps 0.3 --dbscan_min_samples 5 --threads 2 --no_plots --n_samples 300)
n=$(requests)
hub HF_TOKEN="$TOKEN" "$TC" run "${RUN[@]}" --input "$T/in.jsonl" --save_load_path "$T/save/fit_1" \
    --build_hf_ds --username tc-user > /dev/null 2> "$T/err" || fail "run --build_hf_ds --username: $(cat "$T/err")"
hub HF_TOKEN="$TOKEN" "$TC" infer --input "$T/in.jsonl" --save_load_path "$T/save/fit_1" --n_samples 40 --input_content text \
    --output "$T/inf.jsonl" --inference_repo_name tc-user/fit_1_infer > /dev/null 2> "$T/err" ||
    fail "infer --inference_repo_name: $(cat "$T/err")"
[[ -s $T/inf.jsonl.clusters.parquet ]] || fail "infer wrote no dataset"
tail -n +$((n + 1)) "$T/log" | "$PY" -c '
import hashlib, json, sys
save, inf = sys.argv[1:]
reqs = [json.loads(l) for l in sys.stdin]
sha = lambda f: hashlib.sha256(open(f, "rb").read()).hexdigest()
want = {"tc-user/fit_1": sha(save + "/hf_clusters.parquet"), "tc-user/fit_1_clusters": sha(save + "/hf_texts.parquet"),
        "tc-user/fit_1_infer": sha(inf)}
creates = [r["body"]["organization"] + "/" + r["body"]["name"] for r in reqs if r["path"] == "/api/repos/create"]
assert creates == list(want), creates
for repo, oid in want.items():
    (c,) = [r["ndjson"] for r in reqs if r["path"] == f"/api/datasets/{repo}/commit/main"]
    assert c[1]["value"]["oid"] == oid, (repo, c[1])' "$T/save/fit_1" "$T/inf.jsonl.clusters.parquet" ||
    fail "the pushes of run and infer"
echo "hub_push_test: ok"
