// parquet_duck.js - the peer of bench_parquet: DuckDB reads the same text
// column (count and sum of byte lengths, so every string is decoded) with
// THREADS threads; one line per round, as bench_parquet prints them.
//   NODE_PATH=tests/node/node_modules node bench/parquet_duck.js FILE THREADS ROUNDS
const { DuckDBInstance } = require('@duckdb/node-api');
const [file, threads, rounds] = process.argv.slice(2);
(async () => {
  const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const c = await db.connect();
  for (let r = 0; r < parseInt(rounds, 10); r++) {
    const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
    const res = await c.runAndReadAll(`SELECT count(text)::BIGINT AS n, sum(strlen(text))::BIGINT AS b FROM read_parquet('${file}')`);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9, cu = process.cpuUsage(c0);
    const [row] = res.getRowObjects();
    const bytes = Number(row.b);
    console.log(`duckdb-${threads} rows ${row.n} bytes ${bytes} wall_s ${wall.toFixed(3)} ` +
                `cpu_s ${((cu.user + cu.system) / 1e6).toFixed(3)} MB/s ${(bytes / 1e6 / wall).toFixed(1)}`);
  }
})();
