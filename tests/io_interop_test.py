"""io_interop_test.py - our .npy, JSON and faiss files against the trusted
readers and writers: numpy (numpy.save / numpy.load, numpy.lib.format for
v2/v3 headers), Python's json and csv modules, and faiss (read_index,
write_index, serialize_index). Run from the repository root with Debian's
/usr/bin/python3 and env BUILD; the C side is $BUILD/tests/test_io in its
mode form (see tests/test_io.c)."""
import csv
import json
import os
import subprocess
import sys
import tempfile

import faiss
import numpy as np

BUILD = os.environ.get("BUILD", "build")
PROG = os.path.join(BUILD, "tests", "test_io")
failures = 0


def check(cond, what):
    global failures
    if cond:
        print("ok  ", what)
    else:
        failures += 1
        print("FAIL", what)


def ours(*args, expect_ok=True):
    r = subprocess.run([PROG, *args], capture_output=True, text=True)
    if expect_ok and r.returncode != 0:
        print("command failed:", PROG, *args, r.stderr)
    return r


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    tmp = tempfile.mkdtemp(prefix="io_interop.")
    p = lambda name: os.path.join(tmp, name)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((37, 8)).astype(np.float32)

    # ---- .npy: numpy reads ours, we read numpy's (byte-identical copies)
    np.save(p("x.npy"), x)
    ours("npy-f32", p("x.npy"), p("x_ours.npy"))
    y = np.load(p("x_ours.npy"))
    check(y.dtype == np.float32 and y.shape == (37, 8) and np.array_equal(x, y),
          "numpy.load reads our float32 (37, 8)")
    check(read(p("x.npy")) == read(p("x_ours.npy")), "our float32 .npy is byte-identical to numpy.save")

    ours("npy-f32", p("x.npy"), p("x_stream.npy"), "5")
    check(read(p("x.npy")) == read(p("x_stream.npy")),
          "streaming writer (5 rows per append) is byte-identical to numpy.save")
    np.save(p("e.npy"), np.zeros((0, 8), np.float32))
    ours("npy-f32", p("e.npy"), p("e_stream.npy"), "5")
    check(read(p("e.npy")) == read(p("e_stream.npy")), "streaming writer with 0 rows")

    ours("npy-1d", p("x.npy"), p("x1.npy"))
    y = np.load(p("x1.npy"))
    check(y.dtype == np.float32 and y.shape == (37 * 8,) and np.array_equal(x.ravel(), y),
          "numpy.load reads our 1-D float32")
    np.save(p("x1_np.npy"), x.ravel())
    check(read(p("x1.npy")) == read(p("x1_np.npy")), "our 1-D .npy is byte-identical to numpy.save")

    x64 = rng.standard_normal((11, 3)) * 1e3
    np.save(p("d.npy"), x64)
    ours("npy-f32", p("d.npy"), p("d_ours.npy"))
    y = np.load(p("d_ours.npy"))
    check(y.dtype == np.float32 and np.array_equal(y, x64.astype(np.float32)),
          "we read numpy float64 (converted to float32 as astype does)")

    labels = np.array([-1, 0, 5, 2**40, -(2**62), 7], dtype=np.int64)
    np.save(p("l.npy"), labels)
    ours("npy-i64", p("l.npy"), p("l_ours.npy"))
    y = np.load(p("l_ours.npy"))
    check(y.dtype == np.int64 and y.shape == (6,) and np.array_equal(y, labels), "numpy.load reads our int64")
    check(read(p("l.npy")) == read(p("l_ours.npy")), "our int64 .npy is byte-identical to numpy.save")
    l32 = np.array([-1, 0, 3, 2**31 - 1, -(2**31)], dtype=np.int32)
    np.save(p("l32.npy"), l32)
    ours("npy-i64", p("l32.npy"), p("l32_ours.npy"))
    y = np.load(p("l32_ours.npy"))
    check(y.dtype == np.int64 and np.array_equal(y, l32.astype(np.int64)), "we read numpy int32")

    for version in [(2, 0), (3, 0)]:
        name = p("v%d.npy" % version[0])
        with open(name, "wb") as f:
            np.lib.format.write_array(f, x, version=version)
        r = ours("npy-f32", name, p("v_ours.npy"))
        check(r.returncode == 0 and np.array_equal(np.load(p("v_ours.npy")), x),
              "we read a version %d.%d header" % version)

    np.save(p("fortran.npy"), np.asfortranarray(x))
    r = ours("npy-f32", p("fortran.npy"), p("never.npy"), expect_ok=False)
    check(r.returncode != 0 and "fortran_order True" in r.stderr, "fortran_order True is refused clearly")
    np.save(p("big.npy"), x.astype(">f4"))
    r = ours("npy-f32", p("big.npy"), p("never.npy"), expect_ok=False)
    check(r.returncode != 0 and "big-endian" in r.stderr, "big-endian is refused clearly")
    with open(p("trunc.npy"), "wb") as f:
        f.write(read(p("x.npy"))[:-10])
    r = ours("npy-f32", p("trunc.npy"), p("never.npy"), expect_ok=False)
    check(r.returncode != 0 and "trunc.npy: truncated: shape needs 1184 data bytes, file has 1174" in r.stderr,
          "a truncated numpy file names expected and actual sizes")

    # ---- faiss: faiss reads ours, we read faiss's
    ours("faiss-write", p("x.npy"), p("ours.index"))
    raw = faiss.read_index(p("ours.index"))  # keep it alive: the downcast view does not own it
    index = faiss.downcast_index(raw)
    # faiss 1.7 reads "IxF2" back as an IndexFlat with the L2 metric
    check(isinstance(index, faiss.IndexFlat) and index.metric_type == faiss.METRIC_L2
          and index.ntotal == 37 and index.d == 8, "faiss.read_index reads our IndexFlatL2 (37 x 8)")
    check(np.array_equal(index.reconstruct_n(0, index.ntotal), x), "faiss returns identical vectors")
    q = rng.standard_normal((5, 8)).astype(np.float32)
    _, idx = index.search(q, 4)
    brute = np.argsort(((q[:, None, :] - x[None, :, :]) ** 2).sum(-1), axis=1)[:, :4]
    check(np.array_equal(idx, brute), "faiss search on our index matches brute force")
    ref = faiss.IndexFlatL2(8)
    ref.add(x)
    check(read(p("ours.index")) == faiss.serialize_index(ref).tobytes(),
          "our faiss file is byte-identical to faiss.write_index")

    for name, cls in [("l2", faiss.IndexFlatL2), ("ip", faiss.IndexFlatIP)]:
        ix = cls(8)
        ix.add(x)
        faiss.write_index(ix, p(name + ".index"))
        r = ours("faiss-read", p(name + ".index"), p(name + ".npy"))
        check(r.returncode == 0 and np.array_equal(np.load(p(name + ".npy")), x),
              "we read faiss.write_index of %s" % cls.__name__)

    # ---- JSON string lists: Python writes, we load and save, Python compares
    strings = ["plain", "", 'quote " backslash \\ slash /', "</script>", "ctl \x01\x1f\x7f \b\f\n\r\t",
               "caf\u00e9 na\u00efve \u00c5ngstr\u00f6m", "\u65e5\u672c\u8a9e \ud55c\uad6d\uc5b4 \u4e2d\u6587",
               "emoji \U0001F600 \U0001F1EB\U0001F1F7 \U00010348", "\u2028 \u2029 \ufeff \uffff", "x" * 100000]
    for ensure_ascii in (True, False):
        with open(p("in.json"), "w", encoding="utf-8") as f:
            json.dump(strings, f, ensure_ascii=ensure_ascii, indent=1 if ensure_ascii else None)
        ours("json", p("in.json"), p("out.json"))
        with open(p("out.json"), encoding="utf-8") as f:
            back = json.load(f)
        check(back == strings, "json.load reads our copy of a list (input ensure_ascii=%s)" % ensure_ascii)
        check(read(p("out.json")) == json.dumps(strings).encode("ascii"),
              "our list is byte-identical to json.dump's default (input ensure_ascii=%s)" % ensure_ascii)
    # the reference's readers open with the locale's encoding: ASCII reads anywhere
    r = subprocess.run([sys.executable, "-c", "import json,sys; print(len(json.load(open(sys.argv[1]))))",
                        p("out.json")], capture_output=True, text=True,
                       env=dict(os.environ, LC_ALL="C", PYTHONUTF8="0", PYTHONIOENCODING="ascii"))
    check(r.returncode == 0 and r.stdout.strip() == str(len(strings)),
          "LC_ALL=C PYTHONUTF8=0 json.load reads our list " + r.stderr.strip()[-80:])
    # an object, as cluster_summaries.json
    summaries = {"-1": "None", "0": "Caf\u00e9, \u65e5\u672c, \U0001F600", "1": 'a "b" \\ c\x7f', "12": ""}
    with open(p("map_in.json"), "w") as f:
        json.dump([x for kv in summaries.items() for x in kv], f)
    ours("json-map", p("map_in.json"), p("map.json"))
    check(read(p("map.json")) == json.dumps(summaries).encode("ascii"),
          "our object is byte-identical to json.dump's default")
    # Python writes a lone surrogate as \ud800: we read it as U+FFFD, not an error
    with open(p("lone.json"), "w") as f:
        json.dump(["a\ud800b", "\udfff", "\x00z"], f)
    r = ours("json", p("lone.json"), p("lone_out.json"))
    check(r.returncode == 0 and json.load(open(p("lone_out.json"))) == ["a\ufffdb", "\ufffd", "z"],
          "a lone surrogate in a JSON list reads as U+FFFD, \\u0000 is dropped")

    # ---- text readers against Python's csv and json modules
    data = "tests/data/io/"
    with open(data + "good.csv", newline="", encoding="utf-8") as f:
        want = [row["text"] for row in csv.DictReader(f)]
    ours("texts", data + "good.csv", "text", p("csv.json"))
    check(json.load(open(p("csv.json"))) == want, "CSV reader agrees with Python's csv module")
    with open(data + "good.tsv", newline="", encoding="utf-8") as f:
        want = [row["text"] for row in csv.DictReader(f, delimiter="\t")]
    ours("texts", data + "good.tsv", "text", p("tsv.json"))
    check(json.load(open(p("tsv.json"))) == want, "TSV reader agrees with Python's csv module")
    with open(data + "good.jsonl", encoding="utf-8") as f:
        want = [str(json.loads(line)["text"]) for line in f if line.strip()]
    ours("texts", data + "good.jsonl.gz", "text", p("jsonl.json"))
    check(json.load(open(p("jsonl.json"))) == want, "JSONL reader agrees with Python's json module")

    subprocess.run(["rm", "-rf", tmp])
    print("io_interop_test: %d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
