#!/usr/bin/env bash
# End to end on real text: run -> save -> load -> infer, determinism of the
# save folder, the reference's selection flags, and the stage commands.
set -euo pipefail
cd "$(dirname "$0")/.."
TC=${TC_BIN:-build/textclust}
PY=${PYTHON:-/usr/bin/python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/tc-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1,200 Debian package descriptions from the built-in sample
zcat data/sample.jsonl.gz | sed -n '1,1200p' > "$T/in.jsonl"
ARGS=(--input "$T/in.jsonl" --input_content text --embed_model hashing --dbscan_eps 0.5 --dbscan_min_samples 10 --threads 2 --quiet)

$TC run "${ARGS[@]}" --save_load_path "$T/a" > "$T/run.out"
for f in embeddings.npy projections.npy cluster_labels.npy texts.json cluster_summaries.json faiss.index textclust.json; do
    [[ -s $T/a/$f ]] || fail "missing $f"
done
grep -q '^0: ' "$T/run.out" || fail "run printed no cluster summaries"

# Same seed and threads: byte-identical save folder. Another seed: different.
$TC --mode run "${ARGS[@]}" --save_load_path "$T/b" > /dev/null
diff -r "$T/a" "$T/b" > /dev/null || fail "same seed gave different folders: $(diff -rq "$T/a" "$T/b")"
$TC run "${ARGS[@]}" --seed 7 --save_load_path "$T/c" > /dev/null
cmp -s "$T/a/projections.npy" "$T/c/projections.npy" && fail "seed 7 gave the same projection as seed 42"

# Dashed spellings are the same flags.
$TC run --input "$T/in.jsonl" --input-content text --embed-model hashing --dbscan-eps 0.5 --dbscan-min-samples=10 --threads 2 --quiet \
    --save-load-path "$T/d" > /dev/null
cmp -s "$T/a/cluster_labels.npy" "$T/d/cluster_labels.npy" || fail "dashed flags changed the result"

# --n_samples and --start/--end select as the reference does.
$TC run "${ARGS[@]}" --n_samples 300 --save_load_path "$T/n" > /dev/null
n=$($PY -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$T/n/texts.json")
[[ $n == 300 ]] || fail "--n_samples 300 kept $n texts"
$TC run "${ARGS[@]}" --start 100 --end 500 --save_load_path "$T/s" > /dev/null
n=$($PY -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$T/s/texts.json")
[[ $n == 400 ]] || fail "--start 100 --end 500 kept $n texts"

# load checks the folder and prints the clusters.
$TC load --save_load_path "$T/a" --no_plots --quiet > "$T/load.out"
cmp -s <(head -n 10 "$T/run.out") <(head -n 10 "$T/load.out") || fail "load printed other summaries than run"

# infer: the training texts themselves get their own labels (distance ~0).
$TC infer --save_load_path "$T/a" --input "$T/in.jsonl" --input_content text --quiet --output "$T/inf.jsonl" \
    --output_embeddings "$T/inf.npy"
[[ $(wc -l < "$T/inf.jsonl") == 1200 ]] || fail "infer wrote $(wc -l < "$T/inf.jsonl") lines for 1200 texts"
$PY - "$T" <<'PY'
import json, sys, struct
t = sys.argv[1]
rows = [json.loads(l) for l in open(t + "/inf.jsonl")]
assert all(set(r) == {"id", "label", "summary", "distance", "x", "y"} for r in rows), rows[0]
# the save folder's texts are a shuffle of the input: match them by text
texts = json.load(open(t + "/a/texts.json"))
src = [json.loads(l) for l in open(t + "/in.jsonl")]
def npy_i64(path):
    b = open(path, "rb").read()
    hl = struct.unpack("<H", b[8:10])[0]
    return list(struct.unpack("<%dq" % ((len(b) - 10 - hl) // 8), b[10 + hl:]))
labels = npy_i64(t + "/a/cluster_labels.npy")
by_text = {}
for tx, l in zip(texts, labels):
    by_text.setdefault(tx, set()).add(l)
same = sum(r["label"] in by_text[s["text"]] for r, s in zip(rows, src))
assert same >= 0.99 * len(rows), (same, len(rows))
assert max(r["distance"] for r in rows) < 1e-3, max(r["distance"] for r in rows)
assert rows[0]["id"] == src[0]["id"]
PY
# range(start, end) in input order, no shuffle
$TC infer --save_load_path "$T/a" --input "$T/in.jsonl" --input_content text --quiet --start 10 --end 25 > "$T/r.jsonl"
[[ $(wc -l < "$T/r.jsonl") == 15 ]] || fail "infer --start 10 --end 25 wrote $(wc -l < "$T/r.jsonl") lines"
[[ $(head -n 1 "$T/r.jsonl" | $PY -c "import json,sys; print(json.loads(sys.stdin.readline())['id'])") == \
   $(sed -n 11p "$T/in.jsonl" | $PY -c "import json,sys; print(json.loads(sys.stdin.readline())['id'])") ]] \
    || fail "infer --start 10 did not start at the 11th text"

# Stage commands reproduce run on the same texts: embed -> project -> cluster.
$TC embed --input "$T/in.jsonl" --input_content text --embed_model hashing --output "$T/E.npy" --quiet
$TC project --input "$T/E.npy" --output "$T/P.npy" --threads 2 --quiet
$TC cluster --input "$T/P.npy" --output "$T/L.npy" --dbscan_eps 0.5 --dbscan_min_samples 10 --quiet
$PY - "$T" <<'PY'
import numpy as np, sys
t = sys.argv[1]
E, P, L = (np.load(t + f) for f in ("/E.npy", "/P.npy", "/L.npy"))
assert E.dtype == np.float32 and E.shape[0] == 1200 and np.allclose(np.linalg.norm(E, axis=1), 1, atol=1e-4)
assert P.dtype == np.float32 and P.shape == (1200, 2) and np.isfinite(P).all()
assert L.dtype == np.int64 and L.shape == (1200,) and L.max() >= 1, L.max()
PY
$TC run "${ARGS[@]}" --embeddings "$T/E.npy" --save_load_path "$T/e" > /dev/null
cmp -s "$T/a/embeddings.npy" "$T/e/embeddings.npy" || fail "run --embeddings changed the embeddings"
cmp -s "$T/a/cluster_labels.npy" "$T/e/cluster_labels.npy" || fail "run --embeddings changed the labels"
# --embed_model (in ARGS) names the encoder of the vectors: it is checked and recorded, so infer works
grep -qE '"model":[[:space:]]*"hashing-512"' "$T/e/textclust.json" || fail "textclust.json does not name --embed_model's encoder"
ARGS_NO_MODEL=()
for ((i = 0; i < ${#ARGS[@]}; i++)); do
    [[ ${ARGS[i]} == --embed_model ]] && { i=$((i + 1)); continue; }
    ARGS_NO_MODEL+=("${ARGS[i]}")
done
$TC run "${ARGS_NO_MODEL[@]}" --embeddings "$T/E.npy" --save_load_path "$T/e2" > /dev/null
grep -qE '"model":[[:space:]]*"precomputed"' "$T/e2/textclust.json" || fail "textclust.json does not say precomputed"
# The default encoder (use-lite+tfidf, fitted on the run's texts) end to end on a few texts;
# textclust embed, which has no texts to fit on, uses use-lite, the hybrid's first half.
sed -n '1,200p' "$T/in.jsonl" > "$T/small.jsonl"
$TC run --input "$T/small.jsonl" --input_content text --dbscan_eps 0.5 --dbscan_min_samples 5 --threads 2 --quiet \
    --save_load_path "$T/u" > /dev/null
grep -qE '"model":[[:space:]]*"use-lite\+tfidf"' "$T/u/textclust.json" || fail "the default encoder is not use-lite+tfidf"
[[ -s $T/u/tfidf.bin ]] || fail "the default encoder saved no tfidf.bin"
$TC embed --input "$T/small.jsonl" --input_content text --quiet --output "$T/u_embed.npy"
$TC infer --save_load_path "$T/u" --input "$T/small.jsonl" --input_content text --quiet --end 20 --start 0 > "$T/u.jsonl"
$PY - "$T" <<'PY'
import json, sys
import numpy as np
t = sys.argv[1]
E = np.load(t + "/u/embeddings.npy")
U = np.load(t + "/u_embed.npy")
assert U.shape == (200, 512), U.shape
# run keeps its texts in sampled order (texts.json); embed keeps the input's
row = {json.loads(l)["text"]: i for i, l in enumerate(open(t + "/small.jsonl"))}
U = U[[row[x] for x in json.load(open(t + "/u/texts.json"))]]
assert E.shape[0] == 200 and 512 < E.shape[1] <= 512 + 256, E.shape
assert np.allclose(np.linalg.norm(E, axis=1), 1, atol=1e-4)
# the halves are unit vectors weighted 1 and 0.75 (the default), then renormalised
s = 1 / np.sqrt(1 + 0.75 ** 2)
assert np.allclose(E[:, :512], s * U, atol=1e-5), abs(E[:, :512] - s * U).max()
assert np.allclose(np.linalg.norm(E[:, 512:], axis=1), 0.75 * s, atol=1e-4)
rows = [json.loads(l) for l in open(t + "/u.jsonl")]
assert len(rows) == 20 and max(r["distance"] for r in rows) < 1e-3, rows[:2]
PY
echo "e2e ok"
