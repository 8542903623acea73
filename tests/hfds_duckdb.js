// hfds_duckdb.js - reads the Parquet files textclust writes with DuckDB (an
// implementation that is not ours), for tests/hfds_test.sh:
//   node tests/hfds_duckdb.js dump FILE OUT   column names and DuckDB types as
//        the first line of OUT ({"columns": [[name, type], ...], "rows": N}),
//        then one JSON array per row, in file order
//   node tests/hfds_duckdb.js writer DIR      checks the files of
//        `test_parquet_write --emit DIR` value by value against the rows
//        computed here from their row numbers (the same formulas as there)
const fs = require('fs');
const { DuckDBInstance } = require('@duckdb/node-api');

const fail = msg => { console.error('FAIL: ' + msg); process.exit(1); };

async function dump(c, file, out) {
  const d = await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
  const columns = d.getRowsJson().map(r => [r[0], r[1]]);
  const r = await c.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
  const rows = r.getRowsJson();
  const lines = [JSON.stringify({ columns, rows: rows.length })];
  for (const row of rows) lines.push(JSON.stringify(row));
  fs.writeFileSync(out, lines.join('\n') + '\n');
}

// test_parquet_write.c's rows
const N_ROWS = 3000, STREAM_N = 20000;
const rowA = i => (BigInt(i - 1500) * 6700417n * 1000003n).toString();
const rowB = i => (i % 11 === 0 ? null : Math.fround(i * 0.25 - 100));
const rowC = i => i / 7;
const rowS = i => {
  if (i % 13 === 0) return null;
  if (i % 17 === 0) return '';
  return `row ${i}` + ' é日😀'.repeat(i % 5);
};
const rowLs = i => {
  if (i % 19 === 0) return null;
  const n = i % 23 === 0 ? 0 : (i % 4) + 1;
  return Array.from({ length: n }, (_, k) => ((i + k) % 29 === 0 ? null : `e${i}-${k}`));
};
const rowLd = i => Array.from({ length: i % 3 }, (_, k) => k * 0.5 + i);
const streamItem = k => {
  let s = `${k} `, x = Math.imul(k, 2654435761) >>> 0;
  for (let j = 0; j < 90; j++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += String.fromCharCode(97 + ((x >>> 16) % 26));
  }
  return s;
};

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

async function writer(c, dir) {
  const wantTypes = [['a', 'BIGINT'], ['b', 'FLOAT'], ['c', 'DOUBLE'], ['s', 'VARCHAR'],
    ['ls', 'VARCHAR[]'], ['ld', 'DOUBLE[]'], ['t', 'VARCHAR']];
  for (const codec of ['zstd', 'snappy', 'uncompressed']) {
    const f = `${dir}/all_${codec}.parquet`;
    const d = await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${f}')`);
    const types = d.getRowsJson().map(r => [r[0], r[1]]);
    if (!same(types, wantTypes)) fail(`${f}: types ${JSON.stringify(types)}`);
    const m = await c.runAndReadAll(`SELECT count(DISTINCT row_group_id), min(compression), max(compression)
      FROM parquet_metadata('${f}')`);
    const [groups, cmin, cmax] = m.getRowsJson()[0];
    if (Number(groups) < 5) fail(`${f}: ${groups} row groups, expected many`);
    if (cmin !== cmax || cmin !== codec.toUpperCase()) fail(`${f}: codec ${cmin}/${cmax}`);
    const r = await c.runAndReadAll(`SELECT * FROM read_parquet('${f}')`);
    const rows = r.getRowsJson();
    if (rows.length !== N_ROWS) fail(`${f}: ${rows.length} rows`);
    rows.forEach((row, i) => {
      const want = [rowA(i), rowB(i), rowC(i), rowS(i), rowLs(i), rowLd(i), `t${i}`];
      if (!same(row, want)) fail(`${f}: row ${i}: ${JSON.stringify(row)} vs ${JSON.stringify(want)}`);
    });
  }
  const f = `${dir}/stream.parquet`;
  const r = await c.runAndReadAll(`SELECT * FROM read_parquet('${f}')`);
  const rows = r.getRowsJson();
  if (rows.length !== 3) fail(`${f}: ${rows.length} rows`);
  rows.forEach((row, i) => {
    const items = Array.from({ length: i === 1 ? STREAM_N : 2 }, (_, k) => streamItem(k));
    const want = [String(i), `name ${i}`, items, `after ${i}`];
    if (!same(row, want)) fail(`${f}: row ${i} differs (${row[2] ? row[2].length : 'no'} items)`);
  });
  const m = await c.runAndReadAll(`SELECT count(DISTINCT row_group_id) FROM parquet_metadata('${f}')`);
  if (Number(m.getRowsJson()[0][0]) !== 2) fail(`${f}: expected 2 row groups (the streamed row ends one)`);
  const p = await c.runAndReadAll(`SELECT created_by FROM parquet_file_metadata('${f}')`);
  if (!/^textclust \d/.test(p.getRowsJson()[0][0])) fail(`${f}: created_by ${p.getRowsJson()[0][0]}`);
  console.log('writer files: ok');
}

(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const [mode, a, b] = process.argv.slice(2);
  if (mode === 'dump') await dump(c, a, b);
  else if (mode === 'writer') await writer(c, a);
  else fail(`unknown mode ${mode}`);
})().catch(e => fail(e.message));
