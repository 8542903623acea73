#!/usr/bin/env bash
# Benchmarks reading a text column from Parquet against DuckDB (npm
# @duckdb/node-api in tests/node, installed by scripts/setup.sh --test) in
# one run, on N rows of the shared corpora written by DuckDB with snappy and
# with zstd (bench/parquet_data.js; DuckDB's default row groups of 122,880
# rows, data page v1, PLAIN strings). Per codec, ROUNDS interleaved rounds of
#   ours decode   the decoder alone (bench_parquet: tc_parquet_next)
#   ours reader   tc_reader, as run and infer read it (a string per text)
#   duckdb 1, 2   SELECT count(text), sum(strlen(text)) with 1 and 2 threads
# and the medians in MB/s of text, with the ratio to DuckDB's single thread.
# Both sides must count the same rows and bytes, or the script fails.
# Usage: bench/parquet.sh [N_ROWS] [ROUNDS]      (make bench first)
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
N=${1:-1000000}
ROUNDS=${2:-5}
CORPORA=${TEXTCLUST_CORPORA:-../shared/corpora}
B=${BUILD:-build}
export NODE_PATH=$PWD/tests/node/node_modules
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
echo "load before: $(uptime | sed 's/.*load/load/')"
node bench/parquet_data.js "$CORPORA" "$N" "$tmp/data"
for codec in snappy zstd; do
    f=$tmp/data_$codec.parquet
    echo "== $codec: $N rows, $(($(stat -c %s "$f") / 1000000)) MB file"
    for ((r = 0; r < ROUNDS; r++)); do
        "$B/bench/bench_parquet" "$f" 1
        node bench/parquet_duck.js "$f" 1 1
        node bench/parquet_duck.js "$f" 2 1
    done >"$tmp/$codec.txt"
    awk '
        { key = $1; rows[key] = $3; bytes[key] = $5; v[key, ++n[key]] = $11 }
        END {
            for (k in n) {
                if (rows[k] != rows["decode"] || bytes[k] != bytes["decode"]) {
                    printf "mismatch: %s read %s rows, %s bytes; ours %s, %s\n", k, rows[k], bytes[k],
                           rows["decode"], bytes["decode"]; exit 1
                }
                m = n[k]; for (i = 1; i <= m; i++) a[i] = v[k, i]
                for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                med[k] = m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
            }
            printf "  %-10s %8.1f MB/s  %.2fx DuckDB 1 thread\n", "decode", med["decode"], med["decode"] / med["duckdb-1"]
            printf "  %-10s %8.1f MB/s  %.2fx\n", "reader", med["reader"], med["reader"] / med["duckdb-1"]
            printf "  %-10s %8.1f MB/s\n", "duckdb-1", med["duckdb-1"]
            printf "  %-10s %8.1f MB/s  %.2fx\n", "duckdb-2", med["duckdb-2"], med["duckdb-2"] / med["duckdb-1"]
            printf "  (medians of %d rounds; %s rows, %s bytes of text on both sides)\n", n["decode"], rows["decode"], bytes["decode"]
        }' "$tmp/$codec.txt"
done
echo "load after: $(uptime | sed 's/.*load/load/')"
