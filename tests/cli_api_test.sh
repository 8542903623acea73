#!/usr/bin/env bash
# The command stands on the public API alone: src/cli/*.c (not mpi.c)
# compiled with only include/ and src/ on the include path (for cli/*.h)
# and linked against libtextclust.so, no archive and no library object,
# gives a binary that takes its tc_* functions from the .so and writes
# byte for byte what the normal build/textclust writes.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
TC=${TC_BIN:-$BUILD/textclust}
T=$(mktemp -d "${TMPDIR:-/tmp}/tc-cliapi.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

srcs=()
for f in src/cli/*.c; do [[ $f == src/cli/mpi.c ]] || srcs+=("$f"); done
# a library built by make asan needs the sanitizer runtime linked first
san=(); ldd "$BUILD/libtextclust.so" | grep libasan > /dev/null && san=(-fsanitize=address,undefined)
cc "${san[@]}" -std=c11 -O1 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Isrc \
    $(pkg-config --cflags libcjson 2>/dev/null) -o "$T/textclust" "${srcs[@]}" \
    -L"$BUILD" -ltextclust -Wl,-rpath,"$PWD/$BUILD" \
    $(pkg-config --libs libcjson 2>/dev/null || echo -lcjson) -lm ||
    fail "src/cli does not build on include/textclust.h and libtextclust.so alone"
NEW=$T/textclust

# its library functions come from the .so
ldd "$NEW" | grep "libtextclust.so.0 => $PWD/$BUILD/libtextclust.so.0" > /dev/null || { ldd "$NEW"; fail "not linked to $BUILD/libtextclust.so"; }
nm -D --undefined-only "$NEW" | awk '{print $NF}' | grep '^tc_' | sort -u >"$T/imports"
[[ $(wc -l <"$T/imports") -ge 50 ]] || fail "only $(wc -l <"$T/imports") tc_ functions imported"
for f in tc_classifier_fit tc_reader_open_opts tc_shuffle_indices tc_system_info tc_atomic_file_open; do
    grep -qx "$f" "$T/imports" || fail "$f is not imported from libtextclust.so"
done
nm --defined-only "$NEW" | awk '{print $NF}' | grep -E '^tc_' && fail "the binary defines tc_ functions of its own"

# the same answers as the normal build
[[ $("$NEW" --version) == $("$TC" --version) ]] || fail "--version differs"
"$NEW" --help >"$T/help.new"; "$TC" --help >"$T/help.old"
cmp "$T/help.new" "$T/help.old" || fail "--help differs"
grep -q -- '--save_load_path' "$T/help.new" || fail "--help lacks --save_load_path"
set +e; "$NEW" nosuch >/dev/null 2>"$T/err"; rc=$?; set -e
[[ $rc -eq 2 ]] && grep -q "unknown command 'nosuch'" "$T/err" || fail "an unknown command: rc $rc"

zcat data/sample.jsonl.gz | sed -n '1,400p' >"$T/in.jsonl"
ARGS=(--input "$T/in.jsonl" --input_content text --embed_model hashing --dbscan_eps 0.5
      --dbscan_min_samples 10 --n_samples 300 --threads 2 --quiet --no_plots)
for b in new old; do
    bin=$NEW; [[ $b == old ]] && bin=$TC
    "$bin" run "${ARGS[@]}" --save_load_path "$T/$b" >"$T/run.$b" || fail "$b: run failed"
    "$bin" embed --input "$T/in.jsonl" --input_content text --embed_model hashing --threads 2 \
        --quiet --output "$T/E.$b.npy" || fail "$b: embed failed"
    "$bin" infer --save_load_path "$T/$b" --input "$T/in.jsonl" --input_content text \
        --threads 2 --quiet --output "$T/infer.$b.jsonl" || fail "$b: infer failed"
done
for f in embeddings.npy projections.npy cluster_labels.npy texts.json cluster_summaries.json faiss.index; do
    [[ -s $T/new/$f ]] || fail "run wrote no $f"
    cmp "$T/new/$f" "$T/old/$f" || fail "$f differs from build/textclust's"
done
[[ $(grep -c . "$T/new/texts.json" || true) -ge 1 ]] || fail "empty texts.json"
cmp "$T/run.new" "$T/run.old" || fail "run's output differs"
cmp "$T/E.new.npy" "$T/E.old.npy" || fail "embed's array differs"
cmp "$T/infer.new.jsonl" "$T/infer.old.jsonl" || fail "infer's output differs"
[[ $(wc -l <"$T/infer.new.jsonl") -eq 400 ]] || fail "infer labelled $(wc -l <"$T/infer.new.jsonl") of 400 texts"
echo "cli api: src/cli linked on libtextclust.so alone ($(wc -l <"$T/imports") tc_ imports); run, embed, infer equal build/textclust's"
