#!/usr/bin/env bash
# Installs what textclust needs on Debian 12, then builds it.
#   scripts/setup.sh          build and run-time packages, the default model, build
#   scripts/setup.sh --test   the same, plus what the test suite needs
#   scripts/setup.sh --model ORG/NAME[@REV]   also fetch a Hugging Face model into the
#                             Hugging Face cache (textclust download-model); repeatable
# Packages are listed one per line in scripts/packages/*.txt (*-test.txt only
# with --test); scripts/setup.d/*.sh then run in order (TEST=1 with --test).
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST=0
models=()
while (($#)); do
    case $1 in
        --test) TEST=1 ;;
        --model) [[ $# -ge 2 ]] || { echo "setup: --model needs ORG/NAME" >&2; exit 2; }
                 models+=("$2"); shift ;;
        *) echo "setup: unknown argument '$1' (--test, --model ORG/NAME)" >&2; exit 2 ;;
    esac
    shift
done
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
for m in "${models[@]}"; do
    dir=$(build/textclust download-model "$m")
    echo "setup: model $m in $dir"
done
echo "setup: ok (build/textclust)"
