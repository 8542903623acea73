#!/usr/bin/env bash
# The command is a client of the public header: src/cli/ includes
# include/textclust.h and its own headers only. The files listed in
# PENDING still reach into the library's private headers (the hub client,
# the Parquet writer, atomic files, SHA-256, CPU dispatch, the string
# builder and the shuffle's RNG) and are to shrink to none; a file not
# listed that includes a private header fails, and so does a listed file
# that no longer does (take it off the list).
set -euo pipefail
cd "$(dirname "$0")/.."
PENDING="checkpoint.c checkpoint.h commands.c common.c download.c hfds.c infer.c main.c merge.c push.c term.c"
fail=0
for f in src/cli/*.c src/cli/*.h; do
    b=$(basename "$f")
    private=$(grep -E '^#include "' "$f" | grep -vE '^#include "(textclust\.h|cli/[a-z_]+\.h)"' || true)
    listed=0
    for p in $PENDING; do [[ $p == "$b" ]] && listed=1; done
    if [[ -n $private && $listed -eq 0 ]]; then echo "$f includes private headers: $private"; fail=1; fi
    if [[ -z $private && $listed -eq 1 ]]; then echo "$f is clean now: take it off PENDING"; fail=1; fi
done
[[ $fail -eq 0 ]] && echo "cli includes: only textclust.h outside $(echo $PENDING | wc -w) pending files"
exit $fail
