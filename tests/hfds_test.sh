#!/usr/bin/env bash
# --build_hf_ds: the Parquet files textclust writes, read back by DuckDB
# (tests/hfds_duckdb.js) and checked against the save folder and Python's
# own textwrap (tests/hfds_check.py): the writer's files of every type and
# codec (test_parquet_write --emit), run and load in both topic modes, the
# save folder's manifest (stale datasets pruned only where we wrote them),
# and infer's per-cluster dataset to a file and from stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
TC=$(realpath "${TC_BIN:-build/textclust}")
BUILD=${BUILD:-build}
PY=${PYTHON:-/usr/bin/python3}
export NODE_PATH=$PWD/tests/node/node_modules
T=$(mktemp -d "${TMPDIR:-/tmp}/tc-hfds.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -d $NODE_PATH/@duckdb/node-api ]] || fail "DuckDB is not installed: TEST=1 bash scripts/setup.d/50-node.sh"
DUMP() { node tests/hfds_duckdb.js dump "$1" "$2" || fail "DuckDB could not read $1"; }

# The writer: every type, nulls, empty and null lists, many row groups, each codec, a streamed row.
mkdir "$T/w"
"$BUILD/tests/test_parquet_write" --emit "$T/w" || fail "test_parquet_write --emit"
node tests/hfds_duckdb.js writer "$T/w" || fail "DuckDB read other values than the writer wrote"

# 500 texts of the sample and the cases textwrap is particular about.
$PY - "$T/in.jsonl" "$T/in2.jsonl" <<'PYEOF'
import gzip, json, sys
rows = [json.loads(l) for l in gzip.open("data/sample.jsonl.gz", "rt", encoding="utf-8")]
hard = [
    "col1\tcol2\t\tend\nnext line\r\nthird\x0bfourth\x0cfifth",
    "x" * 200 + " short " + "y" * 63 + " " + "z" * 64 + " " + "w" * 65,
    "well-known state-of-the-art e-mail --option a--b word--word ---x -- --y " * 6,
    "hyphen-" + "a" * 70 + "-b " + "-" * 80 + " a-" * 40,
    "a\u00a0b \u3000 c\u2003d \u00a0 " * 20 + "\u0085 \x1c tail",
    "\u00e9" * 1500,
    "\u65e5\u672c\u8a9e" * 150,
    "e\u0301-e\u0301x combining-marks\u0301-ab " * 10,
    "   \t  ",
    "",
    " leading spaces then " + "word " * 30,
    ("a" * 63 + " ") + "b" * 70,
]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for r in rows[:500]:
        f.write(json.dumps({"text": r["text"]}) + "\n")
    for h in hard:
        f.write(json.dumps({"text": h}) + "\n")
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for r in rows[500:800]:
        f.write(json.dumps({"text": r["text"]}) + "\n")
    for h in hard[:4]:
        f.write(json.dumps({"text": h}) + "\n")
PYEOF
RUN=(--input_content text --embed_model hashing --dbscan_eps 0.3 --dbscan_min_samples 5 --threads 2 --no_plots)

# run --build_hf_ds: both files in the save, named in the output, in the manifest.
$TC run "${RUN[@]}" --input "$T/in.jsonl" --save_load_path "$T/a" --build_hf_ds > /dev/null 2> "$T/err" \
    || { cat "$T/err"; fail "run --build_hf_ds"; }
grep -q "$T/a/hf_texts.parquet" "$T/err" && grep -q "$T/a/hf_clusters.parquet" "$T/err" \
    || fail "run did not say where the datasets are: $(cat "$T/err")"
grep -q -- "--username" "$T/err" || fail "run did not say how to push the datasets"
grep -qx hf_texts.parquet "$T/a/.textclust-files" && grep -qx hf_clusters.parquet "$T/a/.textclust-files" \
    || fail "the manifest does not list the datasets"
DUMP "$T/a/hf_texts.parquet" "$T/a.texts"
DUMP "$T/a/hf_clusters.parquet" "$T/a.clusters"
$PY tests/hfds_check.py save "$T/a" "$T/a.texts" "$T/a.clusters" || fail "run: the datasets disagree with the save"

# load --build_hf_ds in a folder as the reference writes it (no textclust.json,
# no manifest), its cluster ids renumbered so that they first appear out of
# ascending order: rows follow the first appearance, as label2docs does.
mkdir "$T/r"
for f in embeddings.npy projections.npy cluster_labels.npy texts.json cluster_summaries.json faiss.index; do
    cp "$T/a/$f" "$T/r/"
done
$PY - "$T/r" <<'PYEOF' || fail "renumbering the reference-style folder"
import json, sys
import numpy as np
d = sys.argv[1]
lab = np.load(d + "/cluster_labels.npy")
ids = sorted(set(lab.tolist()) - {-1})
assert len(ids) >= 3, ids
new = {old: ids[len(ids) - 1 - k] for k, old in enumerate(ids)}
new[-1] = -1
np.save(d + "/cluster_labels.npy", np.array([new[x] for x in lab.tolist()], dtype=np.int64))
s = json.load(open(d + "/cluster_summaries.json"))
json.dump({str(new[int(k)]): v for k, v in s.items()}, open(d + "/cluster_summaries.json", "w"))
PYEOF
$TC load --save_load_path "$T/r" --build_hf_ds --no_plots --quiet > /dev/null || fail "load --build_hf_ds of a reference folder"
DUMP "$T/r/hf_texts.parquet" "$T/r.texts"
DUMP "$T/r/hf_clusters.parquet" "$T/r.clusters"
$PY tests/hfds_check.py save "$T/r" "$T/r.texts" "$T/r.clusters" || fail "reference folder: the datasets disagree with it"
$PY -c 'import json,sys; ids=[int(json.loads(l)[0]) for l in list(open(sys.argv[1]))[1:]]; assert ids != sorted(ids), ids' \
    "$T/r.clusters" || fail "the renumbered clusters still appear in ascending order: the test checks nothing"
[[ $(sort "$T/r/.textclust-files" | tr '\n' ' ') == "hf_clusters.parquet hf_texts.parquet " ]] \
    || fail "manifest of the reference folder: $(cat "$T/r/.textclust-files")"

# single_topic: category and educational_score as extract_res splits them.
$TC run "${RUN[@]}" --input "$T/in.jsonl" --save_load_path "$T/s" --topic_mode single_topic --build_hf_ds --quiet \
    > /dev/null || fail "run --topic_mode single_topic --build_hf_ds"
DUMP "$T/s/hf_clusters.parquet" "$T/s.clusters"
DUMP "$T/s/hf_texts.parquet" "$T/s.texts"
$PY tests/hfds_check.py save "$T/s" "$T/s.texts" "$T/s.clusters" single || fail "single_topic datasets"

# load --build_hf_ds on summaries the LLM could have written, one without the
# score marker (the reference crashes there: here a null score): the folder
# gains the datasets and keeps every other file as it was.
$PY - "$T/s/cluster_summaries.json" <<'PYEOF'
import json, sys
p = sys.argv[1]
s = json.load(open(p))
cases = ["Astronomy (stars and planets)", "  Linear Algebra. Educational score:  7 \u00a0",
         "Cooking. Educational score: 3. Educational score: 9", "None. Educational score: None"]
for i, k in enumerate(k for k in s if k != "-1"):
    s[k] = cases[i % len(cases)]
json.dump(s, open(p, "w"))
PYEOF
rm "$T/s/hf_clusters.parquet"
cp -a "$T/s" "$T/s.before"
$TC load --save_load_path "$T/s" --build_hf_ds --no_plots > /dev/null 2> "$T/err" || { cat "$T/err"; fail "load --build_hf_ds"; }
grep -q "$T/s/hf_clusters.parquet" "$T/err" || fail "load did not say where the datasets are"
for f in embeddings.npy projections.npy cluster_labels.npy texts.json cluster_summaries.json faiss.index textclust.json; do
    cmp -s "$T/s/$f" "$T/s.before/$f" || fail "load --build_hf_ds changed $f"
done
ls -a "$T/s" | grep -q '^\.textclust-save-' && fail "load --build_hf_ds left a staging folder"
for f in embeddings.npy textclust.json hf_texts.parquet hf_clusters.parquet; do
    grep -qx "$f" "$T/s/.textclust-files" || fail "after load --build_hf_ds the manifest lacks $f"
done
DUMP "$T/s/hf_clusters.parquet" "$T/s2.clusters"
DUMP "$T/s/hf_texts.parquet" "$T/s2.texts"
$PY tests/hfds_check.py save "$T/s" "$T/s2.texts" "$T/s2.clusters" single || fail "load --build_hf_ds datasets"
$PY - "$T/s2.clusters" <<'PYEOF' || fail "the summary without a marker did not give a null score"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])][1:]
assert rows[0][1] == "Astronomy (stars and planets)" and rows[0][4] == rows[0][1] and rows[0][5] is None, rows[0][1:]
if len(rows) > 1:
    assert rows[1][4:] == ["Linear Algebra", "7"], rows[1][4:]
PYEOF
# load without the flag writes nothing
touch -d '2001-01-01' "$T/s/hf_texts.parquet"
$TC load --save_load_path "$T/s" --no_plots --quiet > /dev/null || fail "load"
[[ $(stat -c %Y "$T/s/hf_texts.parquet") == $(date -d 2001-01-01 +%s) ]] || fail "load without --build_hf_ds rewrote a dataset"
$TC load --save_load_path "$T/missing" --build_hf_ds 2> "$T/err" > /dev/null && fail "load --build_hf_ds of a missing folder"
[[ -e $T/missing ]] && fail "load --build_hf_ds created the folder it was to load"

# A save that builds no datasets removes the ones the previous save wrote...
$TC run "${RUN[@]}" --input "$T/in.jsonl" --save_load_path "$T/a" --quiet > /dev/null || fail "second run"
[[ -e $T/a/hf_texts.parquet || -e $T/a/hf_clusters.parquet ]] && fail "stale datasets kept after a save without --build_hf_ds"
# ...but never a file of that name the user put there.
mkdir "$T/u"
echo mine > "$T/u/hf_texts.parquet"
$TC run "${RUN[@]}" --input "$T/in.jsonl" --save_load_path "$T/u" --overwrite --quiet > /dev/null || fail "run --overwrite"
$TC run "${RUN[@]}" --input "$T/in.jsonl" --save_load_path "$T/u" --quiet > /dev/null || fail "run again"
[[ $(cat "$T/u/hf_texts.parquet") == mine ]] || fail "a save removed the user's own hf_texts.parquet"

# infer --build_hf_ds: the inferred texts per training cluster, beside --output...
$TC run "${RUN[@]}" --input "$T/in.jsonl" --save_load_path "$T/m" --quiet > /dev/null || fail "run for infer"
$TC infer --save_load_path "$T/m" --input "$T/in2.jsonl" --input_content text --output "$T/inf.jsonl" \
    --build_hf_ds --batch_size 64 2> "$T/err" || { cat "$T/err"; fail "infer --build_hf_ds"; }
grep -q "$T/inf.jsonl.clusters.parquet" "$T/err" || fail "infer did not say where the dataset is: $(cat "$T/err")"
DUMP "$T/inf.jsonl.clusters.parquet" "$T/inf.clusters"
$PY tests/hfds_check.py infer "$T/m" "$T/in2.jsonl" "$T/inf.jsonl" "$T/inf.clusters" || fail "infer dataset"
ls -a "$T" | grep -q 'textclust-spill' && fail "infer left its spill file"
# ...or in the current folder when the results go to stdout.
mkdir "$T/cwd"
(cd "$T/cwd" && "$TC" infer --save_load_path "$T/m" --input "$T/in2.jsonl" --input_content text \
    --build_hf_ds --quiet > "$T/inf2.jsonl") || fail "infer --build_hf_ds to stdout"
cmp -s "$T/inf.jsonl" "$T/inf2.jsonl" || fail "infer results differ between --output and stdout"
DUMP "$T/cwd/infer_clusters.parquet" "$T/inf2.clusters"
cmp -s "$T/inf.clusters" "$T/inf2.clusters" || fail "infer_clusters.parquet differs from the --output one"
echo "hfds_test: ok"
