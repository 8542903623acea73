"""hfds_check.py - checks the Hugging Face datasets of --build_hf_ds, as
DuckDB read them (dumps by tests/hfds_duckdb.js), against the save folder
(numpy for the .npy files) and against the reference's own construction in
run_pipeline.py (Python's textwrap for content_display, its extract_res
split for single_topic), for tests/hfds_test.sh:
  hfds_check.py save DIR TEXTS_DUMP CLUSTERS_DUMP [single]
  hfds_check.py infer SAVE_DIR INPUT_JSONL INFER_JSONL CLUSTERS_DUMP
Exits non-zero with a message on the first difference."""
import json
import sys
import textwrap

import numpy as np


def load_dump(path):
    with open(path, encoding="utf-8") as f:
        head = json.loads(f.readline())
        rows = [json.loads(line) for line in f]
    assert head["rows"] == len(rows), (path, head["rows"], len(rows))
    return [tuple(c) for c in head["columns"]], rows


def first_appearance(labels):
    order, seen = [], set()
    for lab in labels:
        if lab != -1 and lab not in seen:
            seen.add(lab)
            order.append(lab)
    return order


def extract_res(summary):
    """run_pipeline.py's extract_res, without its IndexError: no marker, no score."""
    category = summary.split(". Educational")[0].strip()
    parts = summary.split(" Educational score: ")
    return category, parts[1].strip() if len(parts) > 1 else None


def check_save(folder, texts_dump, clusters_dump, single):
    proj = np.load(folder + "/projections.npy")
    labels = np.load(folder + "/cluster_labels.npy")
    texts = json.load(open(folder + "/texts.json", encoding="utf-8"))
    summaries = {int(k): v for k, v in json.load(open(folder + "/cluster_summaries.json", encoding="utf-8")).items()}

    cols, rows = load_dump(texts_dump)
    assert cols == [("X", "FLOAT"), ("Y", "FLOAT"), ("labels", "BIGINT"), ("content_display", "VARCHAR")], cols
    assert len(rows) == len(texts) == len(labels), (len(rows), len(texts))
    for i, (x, y, lab, shown) in enumerate(rows):
        assert np.float32(x) == proj[i, 0] and np.float32(y) == proj[i, 1], (i, x, y, proj[i])
        assert int(lab) == labels[i], (i, lab, labels[i])
        want = textwrap.fill(texts[i][:1024], 64)
        assert shown == want, "content_display of text %d:\n%r\nexpected\n%r" % (i, shown, want)

    cols, rows = load_dump(clusters_dump)
    want_cols = [("cluster_id", "BIGINT"), ("summary", "VARCHAR"), ("examples", "VARCHAR[]"),
                 ("position", "DOUBLE[]")]
    if single:
        want_cols += [("category", "VARCHAR"), ("educational_score", "VARCHAR")]
    assert cols == want_cols, cols
    order = first_appearance(labels.tolist())
    assert [int(r[0]) for r in rows] == order, ([r[0] for r in rows], order)
    for r in rows:
        cid = int(r[0])
        members = np.flatnonzero(labels == cid)
        assert r[1] == summaries[cid], (cid, r[1], summaries[cid])
        assert r[2] == [texts[i] for i in members], "examples of cluster %d differ" % cid
        centre = proj[members].astype(np.float64).mean(axis=0)
        assert len(r[3]) == 2 and np.allclose(r[3], centre, rtol=1e-12, atol=1e-12), (cid, r[3], centre)
        if single:
            assert (r[4], r[5]) == extract_res(r[1]), (cid, r[1], r[4], r[5], extract_res(r[1]))
    print("save %s: %d texts, %d clusters: ok" % (folder, len(texts), len(rows)))


def check_infer(folder, input_jsonl, infer_jsonl, clusters_dump):
    train = np.load(folder + "/cluster_labels.npy").tolist()
    summaries = {int(k): v for k, v in json.load(open(folder + "/cluster_summaries.json", encoding="utf-8")).items()}
    texts = [json.loads(line)["text"] for line in open(input_jsonl, encoding="utf-8")]
    got = [json.loads(line)["label"] for line in open(infer_jsonl, encoding="utf-8")]
    assert len(texts) == len(got), (len(texts), len(got))
    cols, rows = load_dump(clusters_dump)
    assert cols == [("cluster_id", "BIGINT"), ("summary", "VARCHAR"), ("examples", "VARCHAR[]")], cols
    order = first_appearance(train)
    assert [int(r[0]) for r in rows] == order, ([r[0] for r in rows], order)
    for cid, summary, examples in rows:
        cid = int(cid)
        assert summary == summaries[cid], (cid, summary)
        assert examples == [t for t, lab in zip(texts, got) if lab == cid], "examples of cluster %s differ" % cid
    print("infer: %d texts, %d clusters, %d examples: ok" % (len(texts), len(rows), sum(len(r[2]) for r in rows)))


if __name__ == "__main__":
    if sys.argv[1] == "save":
        check_save(sys.argv[2], sys.argv[3], sys.argv[4], len(sys.argv) > 5 and sys.argv[5] == "single")
    elif sys.argv[1] == "infer":
        check_infer(*sys.argv[2:6])
    else:
        sys.exit("unknown mode " + sys.argv[1])
