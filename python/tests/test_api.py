"""The package's own promises: errors name the argument, attributes are
views into the classifier (no copies, read-only, alive as long as needed),
from_arrays rebuilds a classifier, threads may infer at once, and fitting
again and again does not grow the process."""
import threading

import numpy as np
import pytest

from textclust import ClusterClassifier

SMALL = dict(embed_model_name="hashing", dbscan_eps=0.5, dbscan_min_samples=10, threads=2,
             llm_api="none", progress=False)


@pytest.fixture(scope="module")
def fitted(sample_texts):
    cc = ClusterClassifier(**SMALL)
    cc.fit(sample_texts[:600])
    return cc


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("kwargs, exc, needle", [
    (dict(dbscan_eps="0.1"), TypeError, "dbscan_eps"),
    (dict(dbscan_eps=-1.0), ValueError, "dbscan_eps"),
    (dict(dbscan_min_samples=0), ValueError, "dbscan_min_samples"),
    (dict(dbscan_min_samples=2.5), TypeError, "dbscan_min_samples"),
    (dict(embed_batch_size=True), TypeError, "embed_batch_size"),
    (dict(topic_mode="three_topics"), ValueError, "topic_mode"),
    (dict(cluster_method="kmeans"), ValueError, "cluster_method"),
    (dict(umap_args={"n_neighbors": 1}), ValueError, "umap_args['n_neighbors']"),
    (dict(umap_args={"n_neighbours": 15}), ValueError, "umap_args['n_neighbours']"),
    (dict(umap_args={"metric": "euclidean"}), ValueError, "umap_args['metric']"),
    (dict(umap_args=[("n_neighbors", 5)]), TypeError, "umap_args"),
    (dict(umap_components=3), ValueError, "umap_components"),
    (dict(embed_agg_strategy="max"), ValueError, "embed_agg_strategy"),
    (dict(summary_model_token=3), TypeError, "summary_model_token"),
    (dict(llm_api="claude"), ValueError, "llm_api"),
    (dict(threads="all"), TypeError, "threads"),
    (dict(seed=-3), ValueError, "seed"),
    (dict(settings={"umap.n_epochs": -5}), ValueError, "settings['umap.n_epochs']"),
    (dict(settings={"no.such": 1}), ValueError, "settings['no.such']"),
    (dict(dbscan_epsilon=0.1), TypeError, "dbscan_epsilon"),
])
def test_bad_arguments_name_the_parameter(kwargs, exc, needle):
    with pytest.raises(exc) as e:
        ClusterClassifier(**kwargs)
    assert needle in str(e.value)


def test_bad_call_arguments(fitted, sample_texts):
    cc = ClusterClassifier(**SMALL)
    with pytest.raises(RuntimeError, match="not fitted"):
        cc.infer(["a text"])
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        cc.fit(["a", 2, "c"])
    with pytest.raises(TypeError, match="texts"):
        cc.fit("one string is not a list of texts")
    with pytest.raises(ValueError, match="embeddings"):
        cc.fit(sample_texts[:10], embeddings=np.zeros((9, 4), np.float32))
    with pytest.raises(ValueError, match="top_k"):
        fitted.infer(["a text"], top_k=0)
    with pytest.raises(TypeError, match="top_k"):
        fitted.infer(["a text"], top_k="1")
    with pytest.raises(ValueError, match="does not exist"):
        cc.load("/nonexistent/folder")
    assert cc.embeddings is None and cc.cluster_labels is None


# ---------------------------------------------------------------- views

def test_attributes_are_read_only_views(fitted, sample_texts):
    e, p, l = fitted.embeddings, fitted.projections, fitted.cluster_labels
    assert e.shape == (600, 512) and e.dtype == np.float32
    assert p.shape == (600, 2) and l.shape == (600,) and l.dtype == np.int64
    # no copy: the same memory every time, and none of it writable
    assert fitted.embeddings.__array_interface__["data"][0] == e.__array_interface__["data"][0]
    for a in (e, p, l):
        assert not a.flags.writeable
        with pytest.raises(ValueError):
            a[0] = 0
    assert fitted.texts == sample_texts[:600]
    assert fitted.cluster_summaries[-1] == "None"
    assert set(fitted.cluster_summaries) == set(l.tolist()) | {-1}
    centres = fitted.cluster_centers
    for k in set(l.tolist()):
        assert np.allclose(centres[k], p[l == k].astype(np.float64).mean(axis=0), atol=1e-5)


def test_views_outlive_the_classifier_and_a_refit(sample_texts):
    cc = ClusterClassifier(**SMALL)
    embs, labels, _ = cc.fit(sample_texts[:300])
    before = np.array(embs)                  # a copy, to compare with
    cc.fit(sample_texts[300:500])            # a new fit leaves old views alone
    del cc
    assert np.array_equal(embs, before) and labels.shape == (300,)


def test_fit_with_embeddings_uses_them_without_copying_first(sample_texts):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 24)).astype(np.float32)
    x[:200] += 4   # two blobs
    kw = dict(SMALL, embed_model_name=None)   # vectors from no encoder of ours
    cc = ClusterClassifier(**kw)
    embs, labels, _ = cc.fit(sample_texts[:400], embeddings=x)
    assert np.array_equal(embs, x)           # used as given: not normalised
    assert cc.embed_model_id == "precomputed"
    with pytest.raises(ValueError, match="embeddings"):
        ClusterClassifier(**SMALL).fit(sample_texts[:400], embeddings=x)   # hashing is 512-d
    # a Fortran-order float64 array is converted, and gives the same fit
    cc2 = ClusterClassifier(**kw)
    embs2, labels2, _ = cc2.fit(sample_texts[:400], embeddings=np.asfortranarray(x, np.float64))
    assert np.array_equal(embs2, x) and np.array_equal(labels2, labels)


def test_from_arrays_rebuilds_the_classifier(fitted, sample_texts, tmp_path):
    cc = ClusterClassifier.from_arrays(fitted.texts, fitted.embeddings, fitted.projections,
                                       fitted.cluster_labels, fitted.cluster_summaries,
                                       embed_model="hashing-512", **SMALL)
    assert np.array_equal(cc.embeddings, fitted.embeddings)
    assert cc.embeddings.__array_interface__["data"][0] != \
        fitted.embeddings.__array_interface__["data"][0]   # its own copy
    assert cc.cluster_summaries == fitted.cluster_summaries
    fresh = sample_texts[600:700]
    a, b = cc.infer(fresh, top_k=3), fitted.infer(fresh, top_k=3)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="summary_labels"):
        ClusterClassifier.from_arrays(fitted.texts, fitted.embeddings, fitted.projections,
                                      fitted.cluster_labels, {999: "nobody"}, **SMALL)
    with pytest.raises(ValueError, match="projections"):
        ClusterClassifier.from_arrays(fitted.texts, fitted.embeddings, fitted.embeddings,
                                      fitted.cluster_labels, **SMALL)


def test_show_writes_the_maps(fitted, tmp_path):
    png = fitted.show(folder=tmp_path / "m")
    html = fitted.show(interactive=True, folder=tmp_path / "m")
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert "<html" in open(html, encoding="utf-8").read(2000).lower()


# ---------------------------------------------------------------- threads

def test_threads_infer_at_once(fitted, sample_texts):
    """The GIL is released during infer and a fitted classifier is not
    changed by it: eight threads get the answers one thread gets."""
    fresh = [sample_texts[600 + 50 * t: 650 + 50 * t] for t in range(8)]
    want = [fitted.infer(f, top_k=2) for f in fresh]
    got, errors = [None] * 8, []

    def work(t):
        try:
            for _ in range(4):
                got[t] = fitted.infer(fresh[t], top_k=2)
                assert np.array_equal(got[t][0], want[t][0])
        except BaseException as e:   # reported below
            errors.append(e)
    ts = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors
    for t in range(8):
        assert np.array_equal(got[t][1], want[t][1])


# ---------------------------------------------------------------- memory

def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4


def test_fit_and_free_cycles_keep_rss_stable(sample_texts):
    """50 fit/free cycles of 300 texts: after 10 cycles of warm-up (malloc's
    arenas, OpenBLAS buffers) the resident size grows by less than 8 MiB.
    One cycle holds about 1 MiB of arrays (300 x 512 floats plus the map),
    so a leak of any one of them shows within the 40 measured cycles."""
    texts = sample_texts[:300]
    kw = dict(SMALL, threads=1, umap_args={"n_epochs": 30})
    for cycle in range(50):
        cc = ClusterClassifier(**kw)
        cc.fit(texts)
        cc.infer(texts[:20])
        del cc
        if cycle == 9:
            base = rss_kib()
    grown = rss_kib() - base
    assert grown < 8 * 1024, "RSS grew by %d KiB over 40 fit/free cycles" % grown


def test_load_with_defaults_embeds_with_the_saved_encoder(fitted, sample_texts, tmp_path):
    """ClusterClassifier().load(folder) infers with the encoder the folder
    names (hashing here), not the default embed_model_name; one given
    explicitly wins, and must match the folder's vectors."""
    fitted.save(tmp_path / "s")
    cc = ClusterClassifier(progress=False).load(tmp_path / "s")
    fresh = sample_texts[600:650]
    a, b = cc.infer(fresh), fitted.infer(fresh)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert cc.embed_model_id == "hashing-512"
    with pytest.raises(FileNotFoundError, match="no-such-model"):
        ClusterClassifier(embed_model_name="no-such-model", progress=False).load(
            tmp_path / "s").infer(fresh)
