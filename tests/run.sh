#!/usr/bin/env bash
# Runs every test: the C test programs in $BUILD/tests/ and the script tests
# tests/*_test.sh and tests/*_test.py (run with Debian's /usr/bin/python3,
# which has numpy, faiss and scikit-learn). Each test is one pass or fail;
# the last line is "tests: N passed, M failed". TESTS=pattern runs a subset.
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
export TC_BIN="$PWD/$BUILD/textclust"
export PYTHON=${PYTHON:-/usr/bin/python3}
pass=0 fail=0 failed=()
logdir=$BUILD/test-logs
mkdir -p "$logdir"
run() {
    local name=$1; shift
    [[ -n ${TESTS:-} && $name != *$TESTS* ]] && return
    local t0=$SECONDS
    if "$@" >"$logdir/$name.log" 2>&1; then
        pass=$((pass + 1)); printf 'ok   %-40s %4ds\n' "$name" $((SECONDS - t0))
    else
        fail=$((fail + 1)); failed+=("$name")
        printf 'FAIL %-40s %4ds\n' "$name" $((SECONDS - t0))
        tail -n 30 "$logdir/$name.log" | sed 's/^/     | /'
    fi
}
for t in "$BUILD"/tests/test_*; do
    [[ -x $t ]] && run "$(basename "$t")" "$t"
done
for t in tests/*_test.sh; do
    [[ -e $t ]] && run "$(basename "$t")" bash "$t"
done
for t in tests/*_test.py; do
    [[ -e $t ]] && run "$(basename "$t")" "$PYTHON" "$t"
done
echo "logs in $logdir/"
echo "tests: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
