#!/usr/bin/env bash
# The Python package (python/): installed offline into a fresh virtual
# environment, as the README says (Debian's numpy, setuptools and pip; no
# index), from a copy of the library's build folder that is deleted before
# the tests run, so the installed package must carry its own library; then
# its pytest tests (python/tests/).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PY=${PYTHON:-/usr/bin/python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/tc-python.XXXXXX")
trap 'rm -rf "$T"' EXIT

"$PY" -m venv --system-site-packages "$T/venv"
# the objects keep their times, so make finds the library up to date
mkdir -p "$T/build"
cp -a "$BUILD/obj" "$BUILD"/libtextclust.so* "$T/build/"
TEXTCLUST_BUILD="$T/build" TEXTCLUST_JOBS=2 \
    "$T/venv/bin/pip" install --quiet --no-index --no-build-isolation --no-cache-dir ./python
rm -rf "$T/build"
# A library built with AddressSanitizer (make asan) needs its runtime first
# in the process; Python's own allocations are not ours to check for leaks.
if ldd "$BUILD/libtextclust.so" | grep libasan > /dev/null; then
    export LD_PRELOAD=$(${CC:-cc} -print-file-name=libasan.so)
    export ASAN_OPTIONS=detect_leaks=0:quarantine_size_mb=16
fi
lib=$("$T/venv/bin/python" -c 'import textclust._lib as l; print(l._PATH)')
[[ $lib == "$T/venv/"* ]] || { echo "FAIL: textclust loaded $lib, not its own copy" >&2; exit 1; }

export TEXTCLUST_REPO=$PWD TC_BIN=$PWD/$BUILD/textclust
cd "$T"   # not the source tree: import the installed package
"$T/venv/bin/python" -m pytest -q -p no:cacheprovider "$OLDPWD/python/tests"
