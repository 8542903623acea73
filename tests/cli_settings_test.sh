#!/usr/bin/env bash
# The command's flags for tc_params are the library's settings: every
# setting with a flag (tc_params_flag) is listed by --help with the library's
# help line, a bad value is refused before any work with the library's
# reason under the flag's name, and a good value reaches the stage (a
# `cluster` run with --dbscan_eps given by flag equals one given through
# tc_params_set by a C program).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
TC=${TC_BIN:-$BUILD/textclust}
PYTHON=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/list.c" <<'C'
#include "textclust.h"
#include <stdio.h>
#include <string.h>
int main(void) {
    tc_params p = tc_default_params();
    for (size_t i = 0; tc_params_name(i); i++) {
        char v[256];
        if (!tc_params_flag(i) || tc_params_get(&p, tc_params_name(i), v, sizeof v)) continue;
        printf("%s\t%s\t%s\t%s\n", tc_params_flag(i), tc_params_name(i), v[0] ? v : "-", tc_params_help(i));
    }
    return 0;
}
C
# a library built by make asan needs the sanitizer runtime linked first
san=(); ldd "$BUILD/libtextclust.so" | grep libasan > /dev/null && san=(-fsanitize=address,undefined)
cc "${san[@]}" -Iinclude -o "$tmp/list" "$tmp/list.c" -L"$BUILD" -ltextclust -Wl,-rpath,"$PWD/$BUILD"
"$tmp/list" >"$tmp/settings"
n=$(wc -l <"$tmp/settings")
[[ $n -ge 35 ]] || { echo "only $n settings with a flag"; exit 1; }
"$TC" --help >"$tmp/help"
while IFS=$'\t' read -r flag name def help; do
    grep -qF -- "--$flag " "$tmp/help" || { echo "--help lacks --$flag ($name)"; exit 1; }
    grep -F -- "--$flag " "$tmp/help" | grep -qF -- "$help" || { echo "--$flag: help is not the library's: $help"; exit 1; }
    case $def in
    true|false|-) continue ;;  # booleans and strings take any value
    esac
    set +e
    "$TC" run --input /nonexistent --"$flag" "no-such-value" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    set -e
    [[ $rc -eq 2 ]] || { echo "--$flag no-such-value: exit $rc"; cat "$tmp/err"; exit 1; }
    grep -qF -- "--$flag: 'no-such-value' is not" "$tmp/err" || { echo "--$flag:"; cat "$tmp/err"; exit 1; }
done <"$tmp/settings"

# the value reaches the stage: cluster points with --dbscan_eps/--dbscan_min_samples
# and through the library's setters directly
"$PYTHON" - "$tmp/pts.npy" <<'PY'
import sys, numpy as np
rng = np.random.default_rng(5)
x = np.concatenate([rng.normal(c, 0.05, (60, 2)) for c in ((0, 0), (1, 1), (0, 1))]).astype(np.float32)
np.save(sys.argv[1], x)
PY
"$TC" cluster --quiet --input "$tmp/pts.npy" --output "$tmp/a.npy" --dbscan_eps 0.2 --dbscan_min_samples=4
"$TC" cluster --quiet --input "$tmp/pts.npy" --output "$tmp/b.npy"
"$PYTHON" - "$tmp" <<'PY'
import sys, numpy as np
from sklearn.cluster import DBSCAN
d = sys.argv[1]
x = np.load(d + "/pts.npy")
a, b = np.load(d + "/a.npy"), np.load(d + "/b.npy")
want = DBSCAN(eps=0.2, min_samples=4).fit(x).labels_
assert (a == want).all(), "flags did not reach dbscan"
assert (b == DBSCAN(eps=0.08, min_samples=50).fit(x).labels_).all(), "defaults"
assert not (a == b).all(), "the flags changed nothing"
print("cli settings: flags = library settings")
PY
