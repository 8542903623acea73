#!/usr/bin/python3
"""Makes tests/data/label/debian-sections.tsv, the keyword-label fixture:
the first 40 package descriptions (file order) of six Debian sections from
the shared corpus debian-packages.jsonl.gz (reference: the section names
themselves). One line per text: "<cluster id>\t<text with whitespace
collapsed>". Run: /usr/bin/python3 tests/label_make_fixture.py CORPUS"""
import gzip, json, sys

SECTIONS = ["fonts", "haskell", "rust", "perl", "mail", "games"]
PER = 40

def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/corpora/debian-packages.jsonl.gz"
    got = {s: [] for s in SECTIONS}
    with gzip.open(src, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            s = r["label"]
            if s in got and len(got[s]) < PER:
                got[s].append(" ".join(r["text"].split()))
    with open("tests/data/label/debian-sections.tsv", "w", encoding="utf-8") as out:
        for i, s in enumerate(SECTIONS):
            for t in got[s]:
                out.write(f"{i}\t{t}\n")

main()
