#!/usr/bin/env bash
# --embed_dtype end to end with the default encoder (use-lite+tfidf; the dtype
# is use-lite's): the fit records the dtype it ran in textclust.json (auto:
# int8 where the CPU has VNNI or AMX, else fp32), infer embeds in the recorded
# one, so training texts come back at distance exactly 0 and with their stored
# vectors bit for bit, whatever the thread count and batch size; TEXTCLUST_CPU
# below the dtype's level falls back to fp32 with a warning; a bad value is
# refused naming the flag.
set -euo pipefail
cd "$(dirname "$0")/.."
TC=${TC_BIN:-build/textclust}
PY=${PYTHON:-/usr/bin/python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/tc-dtype.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

zcat data/sample.jsonl.gz | sed -n '1,240p' > "$T/in.jsonl"
ARGS=(--input "$T/in.jsonl" --input_content text --dbscan_eps 0.5 --dbscan_min_samples 5 --quiet)
level=$($TC --version | sed -n 's/^cpu level: \([a-z0-9]*\).*/\1/p')
case $level in avx512bf16|amx) auto=int8 ;; *) auto=fp32 ;; esac

check() {   # save folder, infer output, infer's .npy: distance 0 and the stored rows
    $PY - "$@" <<'PY'
import json, sys
import numpy as np
save, out, npy = sys.argv[1:4]
rows = [json.loads(l) for l in open(out)]
texts = json.load(open(save + "/texts.json"))
src = [json.loads(l)["text"] for l in open(save + "/../in.jsonl")]
E, F = np.load(save + "/embeddings.npy"), np.load(npy)
where = {t: i for i, t in enumerate(texts)}
assert len(rows) == len(src) == len(F), (len(rows), len(src), len(F))
bad = [r for r in rows if r["distance"] != 0]
assert not bad, "%d of %d training texts at distance > 0, e.g. %r" % (len(bad), len(rows), bad[0])
same = sum(np.array_equal(F[i], E[where[t]]) for i, t in enumerate(src))
assert same == len(src), "%d of %d vectors differ from the stored ones" % (len(src) - same, len(src))
PY
}

for d in auto fp32 bf16; do
    flag=(); [[ $d == auto ]] || flag=(--embed_dtype "$d")
    $TC run "${ARGS[@]}" "${flag[@]}" --threads 2 --save_load_path "$T/$d" > /dev/null
    want=$d; [[ $d == auto ]] && want=$auto
    [[ $d == bf16 && $level != avx512bf16 && $level != amx ]] && want=fp32
    grep -qE "\"embed_dtype\":[[:space:]]*\"$want\"" "$T/$d/textclust.json" ||
        fail "$d: textclust.json does not record $want: $(grep embed_dtype "$T/$d/textclust.json")"
    # infer: 1 thread, batches of 7 (the fit: 2 threads, default batches)
    $TC infer --save_load_path "$T/$d" --input "$T/in.jsonl" --input_content text --threads 1 --batch_size 7 \
        --embed_batch_size 7 --quiet --output "$T/$d.jsonl" --output_embeddings "$T/$d.npy"
    check "$T/$d" "$T/$d.jsonl" "$T/$d.npy" || fail "$d: infer on the training texts"
done

if [[ $auto == int8 ]]; then   # the save says int8; a CPU level without VNNI runs fp32, and says so
    TEXTCLUST_CPU=avx512 $TC infer --save_load_path "$T/auto" --input "$T/in.jsonl" --input_content text \
        --quiet --start 0 --end 20 --output "$T/low.jsonl" 2> "$T/low.err"
    grep -q "made in int8.*runs fp32" "$T/low.err" || fail "no warning for the fall-back: $(cat "$T/low.err")"
    $PY -c 'import json,sys; d=[json.loads(l)["distance"] for l in open(sys.argv[1])]; assert 0 < len(d) and max(d) < 0.05, max(d)' \
        "$T/low.jsonl" || fail "fp32 fall-back vectors far from the int8 ones"
fi

if $TC run "${ARGS[@]}" --embed_dtype fp16 --save_load_path "$T/bad" 2> "$T/bad.err"; then fail "fp16 accepted"; fi
grep -q -- "--embed_dtype: 'fp16'" "$T/bad.err" || fail "bad dtype message: $(cat "$T/bad.err")"
echo "embed_dtype_test: ok ($level, auto = $auto)"
