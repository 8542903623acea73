#!/usr/bin/env bash
# The whole pipeline's quality per --embed_dtype (issue 12, point 3):
# textclust run on the first N Debian package descriptions (default
# settings, USE-lite) with fp32, bf16 and int8, NMI / ARI against the
# packages' sections (bench/quality.py). The bound: NMI within 0.01 of fp32.
# Usage: bench/dtype_nmi.sh [N [extra textclust flags, e.g. --cluster hdbscan]]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
CORPORA=${TEXTCLUST_CORPORA:-../shared/corpora}
B=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); load before: $(uptime | sed 's/.*load/load/')"
/usr/bin/python3 -c 'import gzip, itertools, sys
with gzip.open(sys.argv[1], "rt") as f, gzip.open(sys.argv[3], "wt") as g: g.writelines(itertools.islice(f, int(sys.argv[2])))' \
    "$CORPORA/debian-packages.jsonl.gz" "$N" "$tmp/in.jsonl.gz"
for d in fp32 bf16 int8; do
    /usr/bin/time -f "  $d: %e s wall" nice -n 15 "$B/textclust" run --input "$tmp/in.jsonl.gz" --input_content text \
        --embed_dtype $d --threads 2 --save_load_path "$tmp/$d" --no_plots --quiet "${@:2}" > /dev/null
    grep -o -E '"embed_dtype":[[:space:]]*"[a-z0-9]*"' "$tmp/$d/textclust.json"
    /usr/bin/python3 bench/quality.py "$tmp/in.jsonl.gz" "$tmp/$d"
done
echo "load after: $(uptime | sed 's/.*load/load/')"
