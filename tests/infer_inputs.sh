# infer_inputs.sh - sourced by the infer resume and shard tests (with T,
# TC, PY and fail set): a small save folder made with the fast flags of
# e2e_test.sh ($T/a), and the same 1,200 new texts as JSONL with blank
# lines ($T/new.jsonl), gzip, a folder of three files (plain, gzip, plain),
# CSV whose every 7th text holds a quoted newline ($T/new.csv), and Parquet
# with 12 row groups written by DuckDB ($T/new.parquet).
zcat data/sample.jsonl.gz | sed -n '1,600p' > "$T/train.jsonl"
$TC run --input "$T/train.jsonl" --input_content text --embed_model hashing --dbscan_eps 0.5 \
    --dbscan_min_samples 10 --threads 2 --quiet --no_plots --save_load_path "$T/a" > /dev/null
# 1,200 new texts, with blank lines among them
zcat data/sample.jsonl.gz | sed -n '1201,2400p' | sed '100a\\' | sed '700a\ \t' > "$T/new.jsonl"
gzip -c "$T/new.jsonl" > "$T/new.jsonl.gz"
mkdir "$T/dir"
sed -n '1,400p' "$T/new.jsonl" > "$T/dir/1.jsonl"
sed -n '401,800p' "$T/new.jsonl" | gzip > "$T/dir/2.jsonl.gz"
sed -n '801,$p' "$T/new.jsonl" > "$T/dir/3.jsonl"
$PY - "$T" <<'PY'
import csv, json, sys
t = sys.argv[1]
rows = [json.loads(l) for l in open(t + "/new.jsonl") if l.strip()]
with open(t + "/new.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "text"])
    for i, r in enumerate(rows):  # every 7th text holds a newline inside its quotes
        w.writerow([r["id"], r["text"][:40] + "\n" + r["text"][40:] if i % 7 == 3 else r["text"]])
PY
NODE_PATH=tests/node/node_modules node - "$T" <<'JS' || fail "DuckDB could not write the Parquet input"
const { DuckDBInstance } = require('@duckdb/node-api');
const t = process.argv[2];
(async () => {
  const c = await (await DuckDBInstance.create(':memory:')).connect();
  await c.run(`CREATE TABLE s AS SELECT row_number() OVER () AS n, id, text FROM read_json('${t}/new.jsonl',
    columns = {id: 'VARCHAR', text: 'VARCHAR'}, format = 'newline_delimited')`);
  // DuckDB cuts row groups at its 2,048-row chunks: 100-row pieces make 100-row groups
  const parts = [];
  for (let a = 0; a < 1200; a += 100) parts.push(`(SELECT id, text FROM s WHERE n > ${a} AND n <= ${a + 100} ORDER BY n)`);
  await c.run(`COPY (${parts.join(' UNION ALL ')}) TO '${t}/new.parquet' (FORMAT parquet, ROW_GROUP_SIZE 100)`);
  const r = await c.runAndReadAll(`SELECT count(DISTINCT row_group_id) FROM parquet_metadata('${t}/new.parquet')`);
  const groups = Number(r.getRows()[0][0]);
  if (groups < 5) throw new Error(`only ${groups} row groups`);
})().catch(e => { console.error(e); process.exit(1); });
JS

