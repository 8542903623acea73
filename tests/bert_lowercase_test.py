"""sentence_bert_config.json's do_lower_case: sentence-transformers lower-cases
each text with Python's str.lower before tokenising. Checked against Python
itself: a cased copy of a golden model (its tokenizer does not lower-case)
embeds Python-lowered texts; the same copy with do_lower_case embeds the
texts as they are; both must give the same vectors. The vocabulary is
lower-case only, so a letter lowered differently from Python becomes [UNK]
or another piece, and the vectors differ. The texts: the 500 golden ones,
final and non-final sigmas, dotted capital I, special tokens typed in the
text, other mappings that change length, and a long text that the
lower-casing reads only a prefix of.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

TC = os.environ.get("TC_BIN", "build/textclust")
SRC = "tests/data/bert/bert-cls-raw/model"

EXTRA = [
    "ΟΔΟΣ ΣΟΦΟΣ", "Σ", "ΑΣ.", "ΑΣ'Β", "ΑΣ\u0301 ΒΣ\u0301Α", "ΣΑΣ ΑΣ ΣΣ", "(ΑΣ)", "ΑΣ\u00ad",
    "İstanbul İ İİ", "[MASK] and [CLS] then [SEP]", "Straße ẞ \u212a \u023a \u2c6f \u1e9e",
    "ǅungla ǈ ǋ", "HELLO WORLD Ünïcödé ÀÉÎÕÜ", "MiXeD CaSe ΣοφόΣ",
    ("The QUICK Brown FOX " * 2000) + "ΤΕΛΟΣ",
    ("x" * 6000) + " ΑΣ Word",
]


def tc(*args):
    r = subprocess.run([TC, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("textclust %s failed:\n%s" % (" ".join(args), r.stderr))


def model_copy(dst, lower):
    shutil.copytree(SRC, dst)
    for root, dirs, files in os.walk(dst):
        os.chmod(root, 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    tok = json.load(open(f"{dst}/tokenizer.json"))
    tok["normalizer"]["lowercase"] = False
    tok["normalizer"]["strip_accents"] = False
    json.dump(tok, open(f"{dst}/tokenizer.json", "w"))
    cfg = json.load(open(f"{dst}/tokenizer_config.json"))
    cfg["do_lower_case"] = False
    json.dump(cfg, open(f"{dst}/tokenizer_config.json", "w"))
    json.dump({"max_seq_length": 64, "do_lower_case": lower}, open(f"{dst}/sentence_bert_config.json", "w"))


def main():
    tmp = tempfile.mkdtemp(prefix="tc-lower.")
    model_copy(f"{tmp}/cased", False)
    model_copy(f"{tmp}/lower", True)
    texts = [json.loads(line)["text"].replace("\0", "") for line in open("tests/data/bert/texts.jsonl")]
    texts += EXTRA
    with open(f"{tmp}/texts.jsonl", "w") as f, open(f"{tmp}/lowered.jsonl", "w") as g:
        for t in texts:
            f.write(json.dumps({"text": t}) + "\n")
            g.write(json.dumps({"text": t.lower()}) + "\n")
    common = ["--input_content", "text", "--threads", "2", "--quiet", "--embed_dtype", "fp32"]
    tc("embed", "--embed_model", f"{tmp}/lower", "--input", f"{tmp}/texts.jsonl", "--output", f"{tmp}/a.npy", *common)
    tc("embed", "--embed_model", f"{tmp}/cased", "--input", f"{tmp}/lowered.jsonl", "--output", f"{tmp}/b.npy", *common)
    tc("embed", "--embed_model", f"{tmp}/cased", "--input", f"{tmp}/texts.jsonl", "--output", f"{tmp}/c.npy", *common)
    a, b, c = (np.load(f"{tmp}/{x}.npy") for x in "abc")
    diff = np.abs(a - b).max(axis=1)
    bad = np.nonzero(diff > 1e-6)[0]
    if len(bad):
        i = bad[0]
        sys.exit(f"{len(bad)} texts differ from Python's str.lower, first {i}: {texts[i][:80]!r} "
                 f"(Python: {texts[i].lower()[:80]!r}), max |diff| {diff[i]:.2e}")
    changed = int((np.abs(a - c).max(axis=1) > 1e-4).sum())
    if changed < len(EXTRA) // 2:   # the cased copy sees [UNK] for capitals: lowering must matter
        sys.exit(f"only {changed} texts change with do_lower_case: the check is not biting")
    shutil.rmtree(tmp)
    print(f"ok: do_lower_case gives Python's str.lower on {len(texts)} texts ({changed} changed by it)")


if __name__ == "__main__":
    main()
