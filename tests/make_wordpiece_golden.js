#!/usr/bin/env node
// Makes tests/data/bert/wordpiece/ for tests/test_wordpiece.c with the
// reference itself: the Hugging Face tokenizers library 0.23.2 through its
// Node binding (npm package tokenizers@0.23.2, the compiled Rust library).
//   npm install --prefix /tmp/hftok tokenizers@0.23.2
//   NODE_PATH=/tmp/hftok/node_modules node tests/make_wordpiece_golden.js
// Writes vocab.txt (the 8,000 pieces of tests/data/bert/vocab plus single
// characters of every class the normaliser treats apart, alone and after
// "##", so that ids show what each character became) and texts.jsonl: random
// texts drawn from those classes, with the ids of each variant below. A
// variant is the bert-mean-norm tokenizer.json with this vocabulary, its
// BertNormalizer flags and, for "added", extra added tokens with each flag;
// the C test builds the same files (keep VARIANTS and ADDED in step).
const fs = require('fs');
const { Tokenizer } = require('tokenizers');
const D = 'tests/data/bert/';
const OUT = D + 'wordpiece/';
const VARIANTS = {
  lower: [true, true, null, true],    // clean_text, handle_chinese_chars, strip_accents, lowercase
  cased: [true, true, null, false],
  keep_accents: [true, true, false, true],
  strip_only: [false, false, true, false],
  raw_lower: [false, true, true, true],
  added: [true, true, null, true],
};
const ADDED = [  // content, single_word, lstrip, rstrip, normalized, special
  ['<sw>', true, false, false, false, false], ['naïve', false, false, false, true, false],
  ['CAF', true, false, false, true, false], ['[L]', false, true, true, false, true],
  ['ab', false, false, false, false, false], ['abc', true, false, false, false, false],
  ['b c', false, false, false, true, false], ['日本', false, false, false, true, false],
  ['[NEW]', false, false, false, false, true],
];

const base = JSON.parse(fs.readFileSync(D + 'bert-mean-norm/model/tokenizer.json', 'utf8'));
const vocab = fs.readFileSync(D + 'vocab/vocab.txt', 'utf8').split('\n').filter((x, i, a) => i < a.length - 1 || x);
const have = new Set(vocab);
const add = s => { if (!have.has(s)) { have.add(s); vocab.push(s); } };
const chars = [];
const range = (lo, hi, step = 1) => { for (let c = lo; c <= hi; c += step) if (c < 0xD800 || c > 0xDFFF) chars.push(c); };
range(0xA1, 0x24F); range(0x370, 0x3FF); range(0x400, 0x4FF); range(0x1E00, 0x1FFF); range(0x2000, 0x2BFF, 3);
range(0x3000, 0x30FF); range(0xFF01, 0xFF5E); range(0xA640, 0xA7FF); range(0x1C80, 0x1C8F); range(0x10D40, 0x10D8F);
range(0x10400, 0x104FF); range(0x1E900, 0x1E95F); range(0x11930, 0x1193F); range(0x1F300, 0x1F6FF, 5);
// marks that strip_accents keeps and NFD reorders (and some it does not know)
const KEPT = [0x8D4, 0x8E1, 0x1B44, 0x1BAA, 0x302E, 0x302F, 0xA953, 0x1D165, 0x1D16D, 0x1D170, 0x1E944, 0x1E94A,
  0x1E000, 0x1E026, 0x1DFB, 0x898, 0x8CA, 0x7FD, 0x1ABF];
chars.push(...KEPT);
for (const c of chars) { const s = String.fromCodePoint(c); add(s); add('##' + s); }
fs.writeFileSync(OUT + 'vocab.txt', vocab.join('\n') + '\n');

function tokenizerFor(name) {
  const t = JSON.parse(JSON.stringify(base));
  t.model.vocab = {};
  vocab.forEach((s, i) => { t.model.vocab[s] = i; });
  const [c, h, s, l] = VARIANTS[name];
  t.normalizer = { type: 'BertNormalizer', clean_text: c, handle_chinese_chars: h, strip_accents: s, lowercase: l };
  if (name === 'added')
    ADDED.forEach(([content, sw, ls, rs, n, sp], i) => t.added_tokens.push(
      { id: vocab.length + i, content, single_word: sw, lstrip: ls, rstrip: rs, normalized: n, special: sp }));
  const path = '/tmp/make_wordpiece_golden.' + name + '.json';
  fs.writeFileSync(path, JSON.stringify(t));
  return Tokenizer.fromFile(path);
}

// random texts: xorshift32, so the file is the same on every run
let seed = 20261201;
const rnd = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 4294967296; };
const pick = a => a[Math.floor(rnd() * a.length)];
const words = ['Hello', 'the', 'CAFÉ', 'café', 'naïve', 'Naïve', 'straße', 'İstanbul', 'ΣΙΓΜΑ', '[MASK]', '[SEP]',
  'a[MASK]b', '##', 'un', '日本語', 'x'.repeat(101), 'ab'.repeat(30), '<sw>', ' <sw> ', 'x<sw>', '<sw>y', 'b c', 'b  c',
  '[L]', ' [L] ', 'abc', ' abc ', 'xabc', 'abcx', 'CAF', 'CAF ', '[NEW]', '[new]', 'ǅ', 'ﬁ', 'Å', 'ﬀ'];
const classes = [
  () => pick(words), () => ' ', () => pick(['\t', '\n', '\r', '\u000b', '\u000c', '\u0085', '\u00a0', '\u2003', '\u3000']),
  () => String.fromCodePoint(pick(chars)), () => String.fromCodePoint(pick(chars)),
  () => String.fromCodePoint(0x300 + Math.floor(rnd() * 0x70)),                       // combining marks
  () => String.fromCodePoint(pick([0, 7, 0x1f, 0x7f, 0xad, 0x200b, 0x200d, 0x890, 0x8e2, 0xfeff, 0xfffd, 0xe000, 0xf0000])),
  () => String.fromCodePoint(pick([0x130, 0x1c89, 0xa7cb, 0xa7dc, 0x10d50, 0x11938, 0x1734, 0x166d, 0x111c9, 0x61d, 0x2e43])),
  () => String.fromCodePoint(0x4e00 + Math.floor(rnd() * 0x5200)),                    // CJK ideographs
  () => { let c = Math.floor(rnd() * 0x110000); return String.fromCodePoint(c >= 0xD800 && c <= 0xDFFF ? 0x41 : c); },
  () => String.fromCharCode(0x21 + Math.floor(rnd() * 0x5e)),
  () => { let m = pick(['a', 'E', '\u0915', String.fromCodePoint(0x1D15E)]);                        // a base and its marks
          for (let k = Math.floor(rnd() * 4); k >= 0; k--) m += String.fromCodePoint(pick(KEPT.concat([0x301, 0x316, 0x941, 0x3099])));
          return m; },
];
const texts = [];
for (let i = 0; i < 300; i++) {
  let t = '';
  const k = 3 + Math.floor(rnd() * 30);
  for (let j = 0; j < k; j++) t += (rnd() < 0.5 ? ' ' : '') + pick(classes)();
  texts.push(t);
}

(async () => {
  const rows = texts.map(text => ({ text }));
  for (const name of Object.keys(VARIANTS)) {
    const tok = tokenizerFor(name);
    tok.setTruncation(64);
    for (const r of rows) r[name] = Array.from((await tok.encode(r.text)).getIds());
  }
  fs.writeFileSync(OUT + 'texts.jsonl', rows.map(r => JSON.stringify(r)).join('\n') + '\n');
  console.log(OUT + ':', vocab.length, 'pieces,', rows.length, 'texts');
})();
