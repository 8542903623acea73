#!/usr/bin/env bash
# libtextclust.so exports exactly the functions include/textclust.h declares
# (each marked TC_API), carries its soname, and works as a shared library:
# a program linked against it alone reports the header's version.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
so=$BUILD/libtextclust.so
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Declarations of the header, read without the compiler: comments and
# preprocessor lines dropped, then every file-scope statement of the form
# "type name(...)" (typedefs, structs and enums skipped).
"$PYTHON" - include/textclust.h >"$tmp/header" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
src = re.sub(r'/\*.*?\*/', ' ', src, flags=re.S)
src = re.sub(r'//[^\n]*', ' ', src)
src = re.sub(r'^\s*#.*?(?<!\\)$', ' ', src, flags=re.M | re.S)
src = src.replace('extern "C" {', ' ')
depth, stmt, names, bare = 0, '', [], []
for ch in src:
    if ch == '{': depth += 1
    elif ch == '}': depth -= 1
    if ch == ';' and depth == 0:
        s = ' '.join(stmt.split())
        stmt = ''
        if re.match(r'(typedef|struct|enum)\b', s) or '}' in s:
            continue
        m = re.match(r'(TC_API )?[\w\s\*]*?\b(\w+)\s*\(', s)
        if m:
            names.append(m.group(2))
            if not m.group(1): bare.append(m.group(2))
        continue
    if depth == 0 and ch != '}': stmt += ch
for b in bare: print('NOT-TC_API', b)
print('\n'.join(sorted(names)))
PY
if grep -q '^NOT-TC_API' "$tmp/header"; then
    echo "declared without TC_API:"; grep '^NOT-TC_API' "$tmp/header"; exit 1
fi
n=$(wc -l <"$tmp/header")
[[ $n -ge 60 ]] || { echo "only $n declarations parsed from the header"; exit 1; }

nm -D --defined-only "$so" | awk '{print $NF}' | sed 's/@.*//' | sort -u >"$tmp/exported"
if ! diff "$tmp/header" "$tmp/exported" >"$tmp/diff"; then
    echo "< declared in include/textclust.h but not exported, > exported but not declared:"
    cat "$tmp/diff"
    exit 1
fi

readelf -d "$so" >"$tmp/dynamic"
grep -q 'Library soname: \[libtextclust.so.0\]' "$tmp/dynamic" || { cat "$tmp/dynamic"; exit 1; }

cat >"$tmp/v.c" <<'C'
#include "textclust.h"
#include <stdio.h>
#include <string.h>
int main(void) {
    printf("%s %d\n", tc_version(), tc_version_number());
    return strcmp(tc_version(), TC_VERSION) != 0 || tc_version_number() != TC_VERSION_NUMBER;
}
C
# a library built by make asan needs the sanitizer runtime linked first
san=(); ldd "$BUILD/libtextclust.so" | grep libasan > /dev/null && san=(-fsanitize=address,undefined)
cc "${san[@]}" -Iinclude -o "$tmp/v" "$tmp/v.c" -L"$BUILD" -ltextclust -Wl,-rpath,"$PWD/$BUILD"
got=$("$tmp/v")
want=$(sed -n 's/^#define TC_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' include/textclust.h | paste -sd.)
[[ $got == "$want $((10#${want%%.*} * 10000 + $(echo "$want" | cut -d. -f2) * 100 + ${want##*.}))" ]] ||
    { echo "version: got '$got', header says $want"; exit 1; }
ldd "$tmp/v" >"$tmp/ldd"
grep -q "libtextclust.so.0 => $PWD/$BUILD/libtextclust.so.0" "$tmp/ldd" || { cat "$tmp/ldd"; exit 1; }
echo "exports: $n functions, soname libtextclust.so.0, version $got"
