#!/usr/bin/python3
"""Writes src/embed/wordpiece_unicode.c, the character tables of the BERT
WordPiece tokenizer, from the behaviour of the reference itself.

Reference: the Hugging Face `tokenizers` library 0.23.2, through its Node
binding (npm package `tokenizers@0.23.2`, which ships the compiled Rust
library). Every code point is put through its BertNormalizer (one step at a
time) and its BertPreTokenizer, so the tables hold what that build does: its
categories come from the `unicode_categories` crate 0.1.1 (Unicode 8: later
punctuation, format characters and marks are not known to it), its NFD from
`unicode-normalization-alignments` and its lower-casing from Rust's std.
Lower-casing and NFD are taken from libutf8proc (the one textclust links;
its version is printed) plus the code points where the reference differs.
Run from the repository root, with the package installed somewhere:

    npm install --prefix /tmp/hftok tokenizers@0.23.2
    NODE_PATH=/tmp/hftok/node_modules /usr/bin/python3 tests/make_wordpiece_unicode.py
"""
import ctypes
import ctypes.util
import json
import subprocess
import sys

OUT = "src/embed/wordpiece_unicode.c"

DUMP_JS = r"""
const t = require('tokenizers');
const opt = (c, h, s, l) => t.bertNormalizer({cleanText: c, handleChineseChars: h, stripAccents: s, lowercase: l});
const clean = opt(true, false, false, false), cjk = opt(false, true, false, false);
const strip = opt(false, false, true, false), lower = opt(false, false, false, true);
const pre = t.bertPreTokenizer();
const cps = s => Array.from(s).map(c => c.codePointAt(0));
const out = [];
for (let c = 0; c <= 0x10FFFF; c++) {
  if (c >= 0xD800 && c <= 0xDFFF) continue;
  const s = String.fromCodePoint(c), r = [c];
  for (const n of [clean, cjk, strip, lower]) { const v = n.normalizeString(s); r.push(v === s ? null : cps(v)); }
  r.push(pre.preTokenizeString('a' + s + 'a').length);
  if (r[1] || r[2] || r[3] || r[4] || r[5] !== 1) out.push(JSON.stringify(r));
}
// \w of the regex crate, which single_word added tokens test their neighbours with:
// "@" + c keeps the token "@" exactly when c is not a word character
const sw = t.Tokenizer.fromString(JSON.stringify({version: '1.0', truncation: null, padding: null,
  added_tokens: [{id: 1, content: '@', single_word: true, lstrip: false, rstrip: false, normalized: false, special: false}],
  normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null,
  model: {type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100,
          vocab: {'[UNK]': 0}}}));
(async () => {
  const word = [];
  for (let lo = 0x80; lo <= 0x10FFFF; lo += 8192) {
    const batch = [], cs = [];
    for (let c = lo; c < lo + 8192 && c <= 0x10FFFF; c++)
      if (c < 0xD800 || c > 0xDFFF) { batch.push('@' + String.fromCodePoint(c)); cs.push(c); }
    const enc = await sw.encodeBatch(batch);
    enc.forEach((e, i) => { if (e.getIds()[0] !== 1) word.push(cs[i]); });
  }
  out.push(JSON.stringify(['word', word]));
  // canonical reordering of the marks that strip_accents keeps: which pairs it swaps
  const pairs = JSON.parse(require('fs').readFileSync(0, 'utf8')), swapped = [];
  for (const [a, b] of pairs) {
    const x = 'x' + String.fromCodePoint(a) + String.fromCodePoint(b);
    if (strip.normalizeString(x) !== x) swapped.push([a, b]);
  }
  out.push(JSON.stringify(['swapped', swapped]));
  process.stdout.write(out.join('\n') + '\n');
})();
"""


def main():
    lib = ctypes.CDLL(ctypes.util.find_library("utf8proc"))
    lib.utf8proc_category.restype = ctypes.c_int
    lib.utf8proc_tolower.restype = ctypes.c_int32
    lib.utf8proc_version.restype = ctypes.c_char_p
    lib.utf8proc_unicode_version.restype = ctypes.c_char_p
    mn_cat = 6  # UTF8PROC_CATEGORY_MN
    buf = (ctypes.c_int32 * 32)()
    last = ctypes.c_int(0)

    def nfd(c):
        n = lib.utf8proc_decompose_char(c, buf, 32, 1 << 4, ctypes.byref(last))  # UTF8PROC_DECOMPOSE
        return list(buf[:n])

    class Prop(ctypes.Structure):
        _fields_ = [("category", ctypes.c_int16), ("combining_class", ctypes.c_int16)]
    lib.utf8proc_get_property.restype = ctypes.POINTER(Prop)
    ccc = lambda c: lib.utf8proc_get_property(c).contents.combining_class

    # marks with a combining class that strip_accents does not drop (found in a
    # first pass) are sorted by NFD; the reference's NFD tables are older than
    # utf8proc's, so which of them it knows is asked pair by pair
    pairs = []
    rows = subprocess.run(["node", "-e", DUMP_JS], input="[]", check=True, capture_output=True, text=True).stdout
    dropped = set()
    for line in rows.splitlines():
        row = json.loads(line)
        if isinstance(row[0], int) and row[3] == []:
            dropped.add(row[0])
    kept = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and ccc(c) and c not in dropped]
    pairs = [(a, b) for a in kept for b in kept if ccc(a) > ccc(b)]
    rows = subprocess.run(["node", "-e", DUMP_JS], input=json.dumps(pairs), check=True, capture_output=True,
                          text=True).stdout
    seen = {}
    for line in rows.splitlines():
        row = json.loads(line)
        if row[0] == "word":
            word = row[1]
            continue
        if row[0] == "swapped":
            known = sorted({c for pair in row[1] for c in pair})
            continue
        c, cl, cj, st, lo, pre = row
        seen[c] = (cl, cj, st, lo, pre)

    removed, space, punct, cjk, mark = [], [], [], [], []
    strip_exc, lower_exc = [], []
    for c in range(0x110000):
        if 0xD800 <= c <= 0xDFFF:
            continue
        cl, cj, st, lo, pre = seen.get(c, (None, None, None, None, 1))
        if cl == []:
            removed.append(c)
        if pre == 2:
            space.append(c)
            # clean_text turns every whitespace it keeps into U+0020
            assert cl in ([], [0x20]) or c == 0x20, hex(c)
        elif cl == [0x20]:
            sys.exit("U+%04X: cleaned to a space but not split on" % c)
        if pre == 3:
            punct.append(c)
        if cj is not None:
            assert cj == [0x20, c, 0x20], hex(c)
            cjk.append(c)
        if st == []:
            mark.append(c)
    mark_set = set(mark)
    for c in range(0x110000):
        if 0xD800 <= c <= 0xDFFF:
            continue
        _, _, st, lo, _ = seen.get(c, (None, None, None, None, 1))
        want = [c] if st is None else st
        if [x for x in nfd(c) if x not in mark_set] != want:
            strip_exc.append((c, want))
        want = [c] if lo is None else lo
        if [lib.utf8proc_tolower(c)] != want:
            lower_exc.append((c, want))
    assert all(len(v) <= 3 for _, v in strip_exc + lower_exc)
    # the tokenizer relies on these never being split points or removed
    assert not any(c in removed for c in (0x20, 0x23)) and 0x23 in punct

    def ranges(cps):
        out = []
        for c in cps:
            if out and out[-1][1] == c - 1:
                out[-1][1] = c
            else:
                out.append([c, c])
        return out

    def table(name, why, cps):
        r = ranges(cps)
        body = ",".join(("\n    " if i % 6 == 0 else " ") + "{0x%04X, 0x%04X}" % tuple(x)
                        for i, x in enumerate(r))
        return "/* %s */\nconst tc_wp_range %s[] = {%s\n};\nconst int %s_n = %d;\n\n" % (why, name, body, name, len(r))

    def exc(name, why, items):
        body = ",".join(("\n    " if i % 3 == 0 else " ") + "{0x%04X, %d, {%s}}" %
                        (c, len(v), ", ".join("0x%04X" % x for x in v) or "0")
                        for i, (c, v) in enumerate(items))
        return "/* %s */\nconst tc_wp_map %s[] = {%s\n};\nconst int %s_n = %d;\n\n" % (why, name, body, name, len(items))

    with open(OUT, "w") as f:
        f.write("/* wordpiece_unicode.c - character tables of the BERT WordPiece tokenizer,\n"
                " * written by tests/make_wordpiece_unicode.py from what the Hugging Face\n"
                " * tokenizers library 0.23.2 does to each code point (do not edit).\n"
                " * Exceptions are against libutf8proc %s (Unicode %s). */\n"
                "#include \"embed/wordpiece_int.h\"\n\n"
                % (lib.utf8proc_version().decode(), lib.utf8proc_unicode_version().decode()))
        f.write(table("tc_wp_removed", "clean_text drops these (control, format, private use, NUL, U+FFFD)", removed))
        f.write(table("tc_wp_space", "the pre-tokenizer splits on these (Rust's char::is_whitespace)", space))
        f.write(table("tc_wp_punct", "each of these is a word of its own (ASCII punctuation and P* of Unicode 8)", punct))
        f.write(table("tc_wp_cjk", "handle_chinese_chars puts spaces around these", cjk))
        f.write(table("tc_wp_mark", "strip_accents drops these after NFD (Mn of Unicode 8)", mark))
        f.write(table("tc_wp_word", "\\w beyond ASCII (regex crate), around single_word added tokens", word))
        f.write("/* combining classes of the marks strip_accents keeps that the reference's NFD\n"
                " * reorders (its tables are Unicode 9's: later marks stay where they are) */\n"
                "const tc_wp_ccc tc_wp_kept_ccc[] = {%s\n};\nconst int tc_wp_kept_ccc_n = %d;\n\n" % (
                    ",".join(("\n    " if i % 6 == 0 else " ") + "{0x%04X, %d}" % (c, ccc(c))
                             for i, c in enumerate(known)), len(known)))
        f.write(exc("tc_wp_strip_exc", "NFD + mark removal where the reference differs from utf8proc's NFD", strip_exc))
        f.write(exc("tc_wp_lower_exc", "lower-casing where Rust's char::to_lowercase differs from utf8proc_tolower", lower_exc))
    print("%s: %d reordered marks, %d word ranges, %d removed, %d space, %d punct, %d cjk, %d mark ranges; %d strip, %d lower exceptions" %
          (OUT, len(known), len(ranges(word)), len(ranges(removed)), len(ranges(space)), len(ranges(punct)), len(ranges(cjk)),
           len(ranges(mark)), len(strip_exc), len(lower_exc)))


if __name__ == "__main__":
    main()
