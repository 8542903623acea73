// parquet_data.js - the benchmark's input: N rows of the shared corpora
// (debian-packages, wordnet-glosses, fortunes) repeated and shuffled
// (seeded), each text prefixed with its row number so that no two are equal
// (a dictionary would otherwise make the column small), written by DuckDB as
// OUT_snappy.parquet and OUT_zstd.parquet with its default row groups.
//   NODE_PATH=tests/node/node_modules node bench/parquet_data.js CORPORA N OUT
const fs = require('fs');
const zlib = require('zlib');
const path = require('path');
const { DuckDBInstance } = require('@duckdb/node-api');

const [corpora, nArg, out] = process.argv.slice(2);
const n = parseInt(nArg, 10);
let texts = [];
for (const name of ['debian-packages', 'wordnet-glosses', 'fortunes']) {
  const lines = zlib.gunzipSync(fs.readFileSync(path.join(corpora, name + '.jsonl.gz')))
    .toString('utf8').split('\n');
  for (const l of lines) if (l) texts.push(JSON.parse(l).text);
}
// xorshift32, seeded: the same file on every run
let s = 42;
const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
const rows = [];
for (let i = 0; i < n; i++) rows.push(i + ' ' + texts[Math.floor(rnd() * texts.length)]);

(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const tmp = out + '.tmp.jsonl';
  fs.writeFileSync(tmp, rows.map(t => JSON.stringify({ text: t })).join('\n') + '\n');
  await c.run(`CREATE TABLE t AS SELECT text::VARCHAR AS text FROM read_json('${tmp}', columns = {text: 'VARCHAR'})`);
  for (const codec of ['snappy', 'zstd'])
    await c.run(`COPY t TO '${out}_${codec}.parquet' (FORMAT parquet, COMPRESSION ${codec})`);
  fs.unlinkSync(tmp);
})();
