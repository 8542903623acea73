#!/usr/bin/env bash
# tests/mutate.sh - does the test suite catch plausible bugs? Plants each
# one-line bug of tests/mutations.txt, one at a time, in a scratch copy of
# this working tree (/tmp/tc-mutate.*, build/ and .git left out), rebuilds,
# runs the tests that entry names (TESTS patterns of tests/run.sh, in order,
# stopping at the first that fails) and reports each bug as caught or
# survived. Not part of make test or CI: the 21 entries took 2,978 s on a
# shared 2-core machine (load average 12-22): a full build, a run of every
# named test on the unchanged tree to check they pass there (about 14
# minutes), then an incremental build and a few tests per bug.
#
#   tests/mutate.sh [ID...]    only the named entries (default: all)
#   KEEP=1 tests/mutate.sh     keep the scratch copy (its path is printed)
#   MUTATE_LIMIT=S             seconds one pattern's tests may run (600)
#
# A find text that does not occur exactly once in its file is reported
# ("pattern found N times") and that entry counts as failed. Exit status:
# 0 when every planted bug was caught, 1 otherwise.
set -u
cd "$(dirname "$0")/.."
src=$PWD
list=$src/tests/mutations.txt
want=("$@")
t_start=$SECONDS

ids=() files=() tests=() finds=() repls=()
parse() {
    local id="" file="" tst="" find="" repl="" line
    while IFS= read -r line || [[ -n $line ]]; do
        case $line in
        id:\ *) id=${line#id: } ;;
        file:\ *) file=${line#file: } ;;
        tests:\ *) tst=${line#tests: } ;;
        find:\ *) find=${line#find: } ;;
        replace:\ *)
            repl=${line#replace: }
            ids+=("$id") files+=("$file") tests+=("$tst") finds+=("$find") repls+=("$repl")
            id="" file="" tst="" find="" repl="" ;;
        esac
    done <"$list"
}
parse

selected() {
    [[ ${#want[@]} -eq 0 ]] && return 0
    local w
    for w in "${want[@]}"; do [[ $w == "$1" ]] && return 0; done
    return 1
}

scratch=$(mktemp -d /tmp/tc-mutate.XXXXXX)
echo "scratch copy: $scratch"
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$scratch"' EXIT
tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$scratch" -xf -
cd "$scratch" || exit 1
log=$scratch/mutate-logs
mkdir -p "$log"

# The test programs a list of patterns needs (run.sh also runs script tests,
# which use build/textclust).
targets() {
    local pat f name out=(build/libtextclust.a build/textclust)
    for pat in $1; do
        for f in tests/test_*.c; do
            name=$(basename "$f" .c)
            [[ $name == *$pat* ]] && out+=("build/tests/$name")
        done
    done
    echo "${out[@]}"
}

# 0 when every pattern's tests pass; else prints the first that failed. A
# pattern's tests that run past MUTATE_LIMIT seconds (default 600) fail: a
# planted bug can keep a solver from converging.
limit=${MUTATE_LIMIT:-600}
run_tests() {
    local pat
    for pat in $1; do
        if ! TESTS=$pat timeout "$limit" nice bash tests/run.sh >"$log/$2.$pat.log" 2>&1; then
            echo "$pat"
            return 1
        fi
    done
    return 0
}

echo "building the unchanged tree ..."
if ! nice make -j2 all tests >"$log/build.log" 2>&1; then
    echo "the unchanged tree does not build: $log/build.log" >&2
    exit 1
fi
all_pats=$(for i in "${!ids[@]}"; do selected "${ids[$i]}" && echo "${tests[$i]}"; done |
           tr ' ' '\n' | sort -u | tr '\n' ' ')
echo "running the named tests on the unchanged tree: $all_pats"
if bad=$(run_tests "$all_pats" baseline); then :; else
    echo "a named test fails without any bug planted: $bad (see $log/baseline.$bad.log)" >&2
    exit 1
fi
echo "baseline: $((SECONDS - t_start)) s"

results=() n_caught=0 n_bad=0
for i in "${!ids[@]}"; do
    id=${ids[$i]} file=${files[$i]}
    selected "$id" || continue
    t0=$SECONDS
    cp "$file" "$log/orig"
    count=$(FIND=${finds[$i]} REPL=${repls[$i]} /usr/bin/python3 - "$file" <<'EOF'
import os, sys
path, find, repl = sys.argv[1], os.environ["FIND"], os.environ["REPL"]
text = open(path, encoding="utf-8").read()
n = text.count(find)
if n == 1:
    open(path, "w", encoding="utf-8").write(text.replace(find, repl))
print(n)
EOF
)
    if [[ $count != 1 ]]; then
        status="pattern found ${count:-?} times"
        n_bad=$((n_bad + 1))
    elif ! nice make -j2 $(targets "${tests[$i]}") >"$log/$id.build.log" 2>&1; then
        status="does not build (see $log/$id.build.log)"
        n_bad=$((n_bad + 1))
    elif by=$(run_tests "${tests[$i]}" "$id"); then
        status="SURVIVED (${tests[$i]} pass)"
        n_bad=$((n_bad + 1))
    else
        status="caught by $by"
        n_caught=$((n_caught + 1))
    fi
    cp "$log/orig" "$file" # a new mtime: the next build recompiles it
    line=$(printf '%-28s %-30s %-44s %4ds' "$id" "$file" "$status" $((SECONDS - t0)))
    echo "$line"
    results+=("$line")
done

echo
echo "mutation                     file                           result                                       time"
printf '%s\n' "${results[@]}"
echo "caught $n_caught of $((n_caught + n_bad)); total $((SECONDS - t_start)) s"
cd /
[[ $n_bad -eq 0 ]]
