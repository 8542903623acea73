#!/usr/bin/env bash
# The command is a client of the public header: every file of src/cli/
# includes include/textclust.h and the command's own headers (cli/*.h)
# only, so the command, the Python package and any C user stand on the same
# API (tests/cli_api_test.sh links it against libtextclust.so alone).
# System headers (<...>, mpi.c's <mpi.h> among them) are not the library's.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0 n=0
for f in src/cli/*.c src/cli/*.h; do
    n=$((n + 1))
    private=$(grep -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
              grep -vE '^#include "(textclust\.h|cli/[a-z_]+\.h)"$' || true)
    if [[ -n $private ]]; then echo "$f includes private headers: $private"; fail=1; fi
done
[[ $n -ge 10 ]] || { echo "only $n files in src/cli"; exit 1; }
[[ $fail -eq 0 ]] && echo "cli includes: all $n files of src/cli include only textclust.h and cli/*.h"
exit $fail
