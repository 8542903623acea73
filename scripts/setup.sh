#!/usr/bin/env bash
# Installs what textclust needs on Debian 12, then builds it.
#   scripts/setup.sh          build and run-time packages, the default model, build
#   scripts/setup.sh --test   the same, plus what the test suite needs
# Packages are listed one per line in scripts/packages/*.txt (*-test.txt only
# with --test); scripts/setup.d/*.sh then run in order (TEST=1 with --test).
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST=0
[[ ${1:-} == --test ]] && TEST=1
SUDO=; [[ $(id -u) -ne 0 ]] && SUDO=sudo

lists=()
for f in scripts/packages/*.txt; do
    [[ $f == *-test.txt && $TEST -eq 0 ]] && continue
    lists+=("$f")
done
missing=()
for p in $(sed 's/#.*//' "${lists[@]}"); do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for s in scripts/setup.d/*.sh; do
    [[ -e $s ]] && bash "$s"
done
make -j"$(nproc)" >/dev/null
echo "setup: ok (build/textclust)"
