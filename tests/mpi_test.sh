#!/usr/bin/env bash
# textclust built with MPI (make MPI=1: the CLI compiled with Open MPI's
# mpicc into $BUILD-mpi/, linked with $BUILD/libtextclust.a) under a real
# mpirun with 2 ranks: each rank runs its shard of infer and rank 0 merges;
# the merged output and embeddings are byte-identical to one process's.
# A rank killed mid-shard, run again, continues from its checkpoint. A rank
# whose part holds a malformed line (--on_error stop) fails the job: mpirun
# exits non-zero, rank 0 names that rank and its message, nothing is merged.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
TC=${TC_BIN:-$BUILD/textclust}
T=$(mktemp -d "${TMPDIR:-/tmp}/tc-mpi.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

command -v mpicc > /dev/null && command -v mpirun > /dev/null ||
    fail "mpicc or mpirun is missing: scripts/setup.sh --test installs Open MPI (openmpi-bin, libopenmpi-dev)"
MB=$BUILD-mpi
# only the CLI objects and the binary; the library is the one the suite built
make -s -j2 MPI=1 BUILD="$MB" TC_LIB="$BUILD/libtextclust.a" "$MB/textclust" > "$T/make.log" 2>&1 ||
    fail "make MPI=1: $(tail -n 20 "$T/make.log")"
grep -q libmpi <(ldd "$MB/textclust") || fail "$MB/textclust is not linked with MPI"
grep -q libmpi <(ldd "$TC") && fail "$TC (the plain build) is linked with MPI"
MPI=(mpirun --allow-run-as-root --oversubscribe --bind-to none)
# under make asan: full allocation stacks, so tests/lsan.supp can name what
# Open MPI's own libraries keep past MPI_Finalize (no frame pointers there)
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0

zcat data/sample.jsonl.gz | sed -n '1,600p' > "$T/train.jsonl"
$TC run --input "$T/train.jsonl" --input_content text --embed_model hashing --dbscan_eps 0.5 \
    --dbscan_min_samples 10 --threads 2 --quiet --no_plots --save_load_path "$T/a" > /dev/null
zcat data/sample.jsonl.gz | sed -n '1201,2400p' > "$T/new.jsonl"
INF=(infer --save_load_path "$T/a" --input_content text --n_samples 0 --batch_size 16 --threads 1)
$TC "${INF[@]}" --quiet --input "$T/new.jsonl" --output "$T/one.jsonl" --output_embeddings "$T/one.npy"

"${MPI[@]}" -np 2 "$MB/textclust" "${INF[@]}" --input "$T/new.jsonl" --output "$T/m.jsonl" \
    --output_embeddings "$T/m.npy" > "$T/out" 2> "$T/err" || fail "2 ranks: $(cat "$T/err")"
cmp -s "$T/m.jsonl" "$T/one.jsonl" || fail "2 ranks: the merged output differs from one process's"
cmp -s "$T/m.npy" "$T/one.npy" || fail "2 ranks: the merged embeddings differ from one process's"
for i in 0 1; do
    [[ -s $T/m.shard-0000$i-of-00002.jsonl && -e $T/m.shard-0000$i-of-00002.jsonl.done ]] ||
        fail "2 ranks: rank $i wrote no complete shard"
done
[[ $(grep -c 'textclust: inferred' "$T/err") -eq 2 ]] || fail "2 ranks: not two inferring ranks: $(cat "$T/err")"
grep -q 'merged 2 shards into .*m.jsonl: 1200 texts, 0 malformed' "$T/out" && grep -q 'median' "$T/out" ||
    fail "2 ranks: rank 0 printed no merge table: $(cat "$T/out")"
[[ $(grep -c 'merged 2 shards' "$T/out") -eq 1 ]] || fail "2 ranks: merged more than once"
echo "ok: mpirun -np 2 infer: one shard per rank, merged by rank 0, equal to one process"

# rank 1 killed right after its first checkpoint; the same command continues it
rm -f "$T"/m.*
if "${MPI[@]}" -np 1 "$MB/textclust" "${INF[@]}" --input "$T/new.jsonl" --output "$T/m.jsonl" : \
    -np 1 -x TEXTCLUST_TEST_INFER_KILL=c1 "$MB/textclust" "${INF[@]}" --input "$T/new.jsonl" --output "$T/m.jsonl" \
    > /dev/null 2>&1; then fail "a killed rank: mpirun exited 0"; fi
[[ -e $T/m.shard-00001-of-00002.jsonl.ckpt && ! -e $T/m.jsonl ]] || fail "a killed rank left no checkpoint, or merged"
"${MPI[@]}" -np 2 "$MB/textclust" "${INF[@]}" --input "$T/new.jsonl" --output "$T/m.jsonl" > /dev/null 2> "$T/err" ||
    fail "a killed rank, resumed: $(cat "$T/err")"
grep -q 'm.shard-00001-of-00002.jsonl: continuing from its checkpoint' "$T/err" || fail "rank 1 did not resume: $(cat "$T/err")"
cmp -s "$T/m.jsonl" "$T/one.jsonl" || fail "a killed rank, resumed: merged output differs"
"${MPI[@]}" -np 2 "$MB/textclust" "${INF[@]}" --input "$T/new.jsonl" --output "$T/m.jsonl" > /dev/null 2> "$T/err" ||
    fail "run again after completion: $(cat "$T/err")"
[[ $(grep -c 'is complete already' "$T/err") -eq 2 ]] || fail "complete shards redone: $(cat "$T/err")"
cmp -s "$T/m.jsonl" "$T/one.jsonl" || fail "run again after completion: merged output differs"
echo "ok: a rank killed mid-shard continues from its checkpoint; complete shards are not redone"

# a malformed line in rank 1's half of the bytes
sed '1000s/.*/{"text": broken/' "$T/new.jsonl" > "$T/bad.jsonl"
if "${MPI[@]}" -np 2 "$MB/textclust" "${INF[@]}" --input "$T/bad.jsonl" --output "$T/b.jsonl" > "$T/out" 2> "$T/err"; then
    fail "a failing rank: mpirun exited 0"
fi
grep -q 'error: rank 1 of 2 (shard 1) failed: .*bad.jsonl:1000: malformed JSON' "$T/err" ||
    fail "a failing rank: rank 0 does not name rank 1 and its message: $(cat "$T/err")"
grep -q 'rank 0 of 2' "$T/err" && fail "a failing rank: rank 0 reported failed: $(cat "$T/err")"
grep -q '1 of 2 ranks failed, nothing merged' "$T/err" || fail "a failing rank: $(cat "$T/err")"
[[ ! -e $T/b.jsonl && -e $T/b.shard-00000-of-00002.jsonl.done ]] || fail "a failing rank: merged, or rank 0 did not finish"
echo "ok: a failing rank fails the job; rank 0 names it: $(grep -o 'rank 1 of 2.*' "$T/err" | head -c 160)"

if "${MPI[@]}" -np 2 "$MB/textclust" cluster --input "$T/one.npy" --output "$T/c.npy" > /dev/null 2> "$T/err"; then
    fail "cluster under mpirun with 2 ranks: accepted"
fi
grep -q 'cluster under mpirun with 2 ranks: only infer runs across ranks' "$T/err" || fail "cluster under mpirun: $(cat "$T/err")"
echo "mpi ok"
