#!/usr/bin/env bash
# Benchmarks reading a text column from Parquet against DuckDB (npm
# @duckdb/node-api in tests/node, installed by scripts/setup.sh --test) in
# one run, on N rows of the shared corpora written by DuckDB with snappy and
# with zstd (bench/parquet_data.js; DuckDB's default row groups of 122,880
# rows, data page v1, PLAIN strings). Per codec, ROUNDS interleaved rounds,
# at 1 thread and then at 2 threads on both sides (and ours at its default,
# two workers decoding ahead of the caller, as run and infer read), of
#   ours decode   the decoder alone (bench_parquet: tc_parquet_next)
#   ours reader   tc_reader, as run and infer read it (a string per text)
#   duckdb        SELECT count(text), sum(strlen(text))
# and the medians in MB/s of text, with the ratios to DuckDB at the same
# number of threads (the headline: 1 against 1), and the median CPU seconds
# of each (a shared machine stretches wall time; CPU time much less).
# Both sides must count the same rows and bytes, or the script fails.
# Usage: bench/parquet.sh [N_ROWS] [ROUNDS]      (make bench first; on a
# shared machine, run the script under nice: both sides inherit it)
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
# PARQUET_BENCH_DATA=PREFIX: the files PREFIX_snappy.parquet and
# PREFIX_zstd.parquet of an earlier run of parquet_data.js (N ignored)
data=${PARQUET_BENCH_DATA:-$tmp/data}
[[ -n ${PARQUET_BENCH_DATA:-} ]] || node bench/parquet_data.js "$CORPORA" "$N" "$data"
for codec in snappy zstd; do
    f=${data}_$codec.parquet
    echo "== $codec: $N rows, $(($(stat -c %s "$f") / 1000000)) MB file"
    for ((r = 0; r < ROUNDS; r++)); do
        for t in 1 2; do
            "$B/bench/bench_parquet" "$f" 1 $t
            node bench/parquet_duck.js "$f" $t 1
        done
        "$B/bench/bench_parquet" "$f" 1 3
    done >"$tmp/$codec.txt"
    awk '
        { key = $1; rows[key] = $3; bytes[key] = $5; v[key, ++n[key]] = $11; c[key, n[key]] = $9 }
        function median(arr, k,    m, i, j, t, a) {
            m = n[k]; for (i = 1; i <= m; i++) a[i] = arr[k, i]
            for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
            return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
        }
        END {
            for (k in n) {
                if (rows[k] != rows["decode-1"] || bytes[k] != bytes["decode-1"]) {
                    printf "mismatch: %s read %s rows, %s bytes; ours %s, %s\n", k, rows[k], bytes[k],
                           rows["decode-1"], bytes["decode-1"]; exit 1
                }
                med[k] = median(v, k); cpu[k] = median(c, k)
            }
            printf "  %-8s %12s %12s %12s   %-22s %s\n", "threads", "ours decode", "ours reader", "duckdb",
                   "vs duckdb: decode reader", "CPU s: decode reader duckdb"
            for (t = 1; t <= 2; t++) {
                d = "decode-" t; r = "reader-" t; q = "duckdb-" t
                printf "  %-8d %7.1f MB/s %7.1f MB/s %7.1f MB/s   %10.2fx %6.2fx   %12.3f %6.3f %6.3f\n", t,
                       med[d], med[r], med[q], med[d] / med[q], med[r] / med[q], cpu[d], cpu[r], cpu[q]
            }
            printf "  EQUAL THREADS (1 against 1): decode %.2fx, reader %.2fx of DuckDB\n",
                   med["decode-1"] / med["duckdb-1"], med["reader-1"] / med["duckdb-1"]
            printf "  OURS AT ITS DEFAULT (2 workers + caller) against DuckDB at 1 thread: decode %.1f MB/s %.2fx, reader %.1f MB/s %.2fx\n",
                   med["decode-3"], med["decode-3"] / med["duckdb-1"], med["reader-3"], med["reader-3"] / med["duckdb-1"]
            printf "  (medians of %d rounds; %s rows, %s bytes of text on both sides)\n", n["decode-1"],
                   rows["decode-1"], bytes["decode-1"]
        }' "$tmp/$codec.txt"
done
echo "load after: $(uptime | sed 's/.*load/load/')"
