#!/usr/bin/env bash
# Replays every fuzz target's seeds (tests/fuzz/seeds/<name>/) and the
# inputs that once crashed it (tests/fuzz/regress/<name>/) through the
# plain replay build of the target ($BUILD/fuzz/replay_<name>, made by
# `make tests`), so the normal and the sanitizer builds check that none of
# them crashes, leaks or trips UBSan again.
set -u
cd "$(dirname "$0")/.."
B=${BUILD:-build}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0 n=0
for src in tests/fuzz/fuzz_*.c; do
    t=${src#tests/fuzz/fuzz_}
    t=${t%.c}
    bin=$B/fuzz/replay_$t
    if [[ ! -x $bin ]]; then echo "FAIL $t: no $bin (make tests)"; status=1; continue; fi
    if [[ ! -d tests/fuzz/seeds/$t ]]; then echo "FAIL $t: no tests/fuzz/seeds/$t/"; status=1; continue; fi
    dirs=(tests/fuzz/seeds/"$t")
    [[ -d tests/fuzz/regress/$t ]] && dirs+=(tests/fuzz/regress/"$t")
    if out=$("$bin" "${dirs[@]}" 2>&1); then
        echo "ok   $t: $(tail -n 1 <<<"$out")"
        n=$((n + 1))
    else
        echo "FAIL $t:"
        echo "$out" | tail -n 20
        status=1
    fi
done
echo "$n targets replayed"
exit $status
