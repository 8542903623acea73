#!/usr/bin/env bash
# Parquet through the CLI: `run` on a DuckDB-written file gives the same
# save as on the JSONL it came from (texts, embeddings, clusters), `embed`
# reads a folder of Parquet files, and `infer` keeps the Parquet ids.
set -euo pipefail
cd "$(dirname "$0")/.."
TC=${TC_BIN:-build/textclust}
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/tc-parquet.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
D=tests/data/parquet
RUN=(run --input_content text --embed_model hashing --dbscan_eps 0.5 --dbscan_min_samples 5 --threads 2 --quiet --no_plots)

$TC "${RUN[@]}" --input $D/zstd.parquet --save_load_path "$T/pq" > /dev/null 2> "$T/err" || { cat "$T/err"; fail "run on Parquet"; }
grep -q 'zstd.parquet: 2 rows with a null "text" skipped' "$T/err" || fail "no warning about the null texts: $(cat "$T/err")"
$TC "${RUN[@]}" --input $D/expected.jsonl --save_load_path "$T/js" > /dev/null 2>&1 || fail "run on JSONL"
for f in texts.json embeddings.npy cluster_labels.npy; do
    cmp -s "$T/pq/$f" "$T/js/$f" || fail "$f differs between the Parquet and the JSONL run"
done

mkdir "$T/dir"
cp $D/snappy.parquet "$T/dir/a.parquet"
cp $D/v2_zstd.parquet "$T/dir/b.parquet"
$TC embed --embed_model hashing --input_content text --quiet --input "$T/dir" --output "$T/dir.npy" 2> /dev/null \
    || fail "embed on a folder of Parquet files"
$PY - "$T/dir.npy" "$T/js/embeddings.npy" <<'PYEOF' || fail "folder embeddings are not the JSONL's twice"
import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
assert a.shape[0] == 2 * b.shape[0], (a.shape, b.shape)
PYEOF

$TC infer --save_load_path "$T/js" --input $D/gzip.parquet --input_content text --id_field id \
    --output "$T/infer.jsonl" --quiet 2> /dev/null || fail "infer on Parquet"
$PY - "$T/infer.jsonl" $D/expected.jsonl <<'PYEOF' || fail "infer ids differ from the JSONL's"
import sys, json
got = [json.loads(l).get("id") for l in open(sys.argv[1])]
want = [json.loads(l).get("id") for l in open(sys.argv[2])]
assert got == want, (got[:5], want[:5])
PYEOF
# a name without .parquet: by its PAR1 magic, and by --input_format parquet
cp $D/zstd.parquet "$T/noext"
for fmt in auto parquet; do
    $TC embed --input "$T/noext" --input_format $fmt --input_content text --embed_model hashing \
        --output "$T/noext_$fmt.npy" --quiet 2> /dev/null || fail "--input_format $fmt on a Parquet file without .parquet"
done
cmp -s "$T/noext_auto.npy" "$T/noext_parquet.npy" || fail "--input_format parquet and auto differ"
echo "parquet_test: ok"
