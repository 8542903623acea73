// make_fixtures.js - writes the Parquet fixtures of tests/test_parquet.c
// with DuckDB (an implementation that is not ours):
//   scripts/setup.sh --test   (installs DuckDB into tests/node)
//   NODE_PATH=tests/node/node_modules node tests/data/parquet/make_fixtures.js
// source.jsonl: 200 rows of data/sample.jsonl.gz and hard strings (empty,
// unicode, NUL-free control characters, a 20 KB text, NULL texts and ids).
// expected.jsonl: the same rows without the NULL texts, which the reader
// skips. Each NAME.parquet is source.jsonl through COPY with the options
// below; encodings.txt lists what DuckDB wrote (parquet_metadata).
const fs = require('fs');
const zlib = require('zlib');
const path = require('path');
const { DuckDBInstance } = require('@duckdb/node-api');

const dir = __dirname;
const sample = zlib.gunzipSync(fs.readFileSync(path.join(dir, '../../../data/sample.jsonl.gz')))
  .toString('utf8').split('\n').filter(Boolean).slice(0, 200).map(l => JSON.parse(l));
const hard = [
  { id: 'empty', text: '', label: 'hard' },
  { id: 'unicode', text: 'héllo wörld — 日本語 😀 עברית', label: 'hard' },
  { id: 'null-text', text: null, label: 'hard' },
  { id: null, text: 'a row without an id', label: 'hard' },
  { id: 'long', text: 'long text '.repeat(2000), label: 'hard' },
  { id: 'quotes', text: 'tab\there, "quotes", back\\slash\nnew line', label: 'hard' },
  { id: 'null-text-2', text: null, label: 'hard' },
];
const rows = [];
sample.forEach((r, i) => {
  rows.push({ id: r.id, text: r.text, label: r.label });
  if (i % 30 === 7) rows.push(hard[(i / 30) | 0 % hard.length]);
});
hard.forEach(h => { if (!rows.includes(h)) rows.push(h); });
const line = r => JSON.stringify(r.id === null ? { text: r.text, label: r.label } : r);
fs.writeFileSync(path.join(dir, 'source.jsonl'), rows.map(line).join('\n') + '\n');
fs.writeFileSync(path.join(dir, 'expected.jsonl'),
  rows.filter(r => r.text !== null).map(line).join('\n') + '\n');

const variants = [
  ['snappy', "COMPRESSION snappy"],
  ['zstd', "COMPRESSION zstd"],
  ['gzip', "COMPRESSION gzip"],
  ['uncompressed', "COMPRESSION uncompressed"],
  ['v2_snappy', "COMPRESSION snappy, PARQUET_VERSION v2"],
  ['v2_zstd', "COMPRESSION zstd, PARQUET_VERSION v2, ROW_GROUP_SIZE 64"],
  ['v2_uncompressed', "COMPRESSION uncompressed, PARQUET_VERSION v2"],
];

(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const src = path.join(dir, 'source.jsonl');
  await c.run(`CREATE TABLE t AS SELECT row_number() OVER () AS n, id, text, label FROM
    read_json('${src}', columns = {id: 'VARCHAR', text: 'VARCHAR', label: 'VARCHAR'},
              format = 'newline_delimited')`);
  let report = '';
  // labels.parquet: id and label of all 5000 sample rows, 3 row groups;
  // the repeated labels are dictionary-encoded
  const all = zlib.gunzipSync(fs.readFileSync(path.join(dir, '../../../data/sample.jsonl.gz')))
    .toString('utf8').split('\n').filter(Boolean).map(l => JSON.parse(l))
    .map(r => JSON.stringify({ id: r.id, label: r.label }));
  fs.writeFileSync(path.join(dir, 'labels.jsonl'), all.join('\n') + '\n');
  const lj = path.join(dir, 'labels.jsonl');
  variants.push(['labels', "COMPRESSION zstd, ROW_GROUP_SIZE 2048", `SELECT id, label FROM
    read_json('${lj}', columns = {id: 'VARCHAR', label: 'VARCHAR'}, format = 'newline_delimited')`]);
  variants.push(['labels_v2', "COMPRESSION snappy, ROW_GROUP_SIZE 2048, PARQUET_VERSION v2", `SELECT id, label FROM
    read_json('${lj}', columns = {id: 'VARCHAR', label: 'VARCHAR'}, format = 'newline_delimited')`]);
  for (const [name, opts, query] of variants) {
    const out = path.join(dir, name + '.parquet');
    await c.run(`COPY (${query || 'SELECT id, text, label FROM t ORDER BY n'}) TO '${out}' (FORMAT parquet, ${opts})`);
    const r = await c.runAndReadAll(`SELECT path_in_schema, compression, encodings,
      count(*) AS chunks, max(dictionary_page_offset) IS NOT NULL AS dict
      FROM parquet_metadata('${out}') GROUP BY ALL ORDER BY 1`);
    for (const row of r.getRows()) report += `${name}: ${row.join(' ')}\n`;
  }
  // intid.parquet: the first 60 rows with the row number as an INT64 id
  const intid = path.join(dir, 'intid.parquet');
  await c.run(`COPY (SELECT n AS id, text FROM t WHERE n <= 60 ORDER BY n) TO '${intid}'
    (FORMAT parquet, COMPRESSION zstd)`);
  fs.writeFileSync(path.join(dir, 'intid.jsonl'), rows.slice(0, 60).map((r, i) => ({ id: i + 1, text: r.text }))
    .filter(r => r.text !== null).map(r => JSON.stringify(r)).join('\n') + '\n');
  for (const row of (await c.runAndReadAll(`SELECT path_in_schema, type, compression, encodings
    FROM parquet_metadata('${intid}')`)).getRows()) report += `intid: ${row.join(' ')}\n`;
  fs.writeFileSync(path.join(dir, 'encodings.txt'), report);
  // fuzz seeds: 12 rows, short texts, one file per layout
  const seeds = path.join(dir, '../../fuzz/seeds/parquet');
  fs.mkdirSync(seeds, { recursive: true });
  const small = `SELECT id, left(text, 40) AS text, label FROM t WHERE n % 17 = 3 OR text IS NULL
    OR id IS NULL ORDER BY n`;
  for (const [name, opts] of [['v1_snappy', 'COMPRESSION snappy'], ['v1_gzip', 'COMPRESSION gzip'],
    ['v2_zstd', 'COMPRESSION zstd, PARQUET_VERSION v2'], ['v1_plain', 'COMPRESSION uncompressed'],
    ['v2_plain', 'COMPRESSION uncompressed, PARQUET_VERSION v2']])
    await c.run(`COPY (${small} LIMIT 12) TO '${seeds}/${name}.parquet' (FORMAT parquet, ${opts})`);
  await c.run(`COPY (SELECT id, label AS text FROM t ORDER BY n LIMIT 40) TO '${seeds}/dict.parquet'
    (FORMAT parquet, COMPRESSION uncompressed)`);
  process.stdout.write(report);
})();
