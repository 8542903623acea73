"""textwrap_test.py - content_display against Python's own textwrap: every
text of data/sample.jsonl.gz and 20,000 random strings of the characters
textwrap treats specially (spaces, tabs, newlines, hyphens, word
punctuation, digits, Unicode spaces, combining marks, CJK, long words), at
the reference's width 64 and at narrow widths, through `test_textwrap --wrap`
(tc_textwrap_fill), compared with textwrap.fill(text[:1024], width)."""
import gzip
import json
import os
import random
import subprocess
import sys
import textwrap

build = os.environ.get("BUILD", "build")
texts = [json.loads(l)["text"] for l in gzip.open("data/sample.jsonl.gz", "rt", encoding="utf-8")]
cases = [(t, 64) for t in texts]
rng = random.Random(12345)
alphabet = list("aaabbc  --- \t\n\r\x0b\x0c.,!?'\"&_19é\u0301\u00a0\u3000\u2003\x1c\x85\u65e5x-y") + [
    "x" * 70, "-" * 3, "a-b", "ab-cd", "--x", "a--b", "\u00e9" * 65]
for _ in range(20000):
    s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
    cases.append((s, rng.choice([1, 2, 3, 5, 8, 13, 64])))
cases.append(("\u00e9" * 2000, 64))
cases.append(("word " * 400, 64))

inp = "".join(json.dumps([t, w]) + "\n" for t, w in cases)
out = subprocess.run([build + "/tests/test_textwrap", "--wrap"], input=inp.encode(), capture_output=True, check=True)
got = [json.loads(l) for l in out.stdout.decode("utf-8").split("\n")[:-1]]
assert len(got) == len(cases), (len(got), len(cases))
bad = [(t, w, g) for (t, w), g in zip(cases, got) if g != textwrap.fill(t[:1024], w)]
for t, w, g in bad[:3]:
    print("width %d: %r\n  got      %r\n  expected %r" % (w, t[:200], g[:300], textwrap.fill(t[:1024], w)[:300]))
print("%d texts, %d differ" % (len(cases), len(bad)))
sys.exit(1 if bad else 0)
