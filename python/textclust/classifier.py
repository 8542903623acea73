"""ClusterClassifier: the API of huggingface/text-clustering on libtextclust.

A fitted state lives in one C classifier (a _Handle); embeddings,
projections and cluster_labels are read-only numpy views into it, which keep
it alive. fit and load make a new handle rather than refitting the old one,
so arrays taken from an earlier fit stay valid.
"""
import ctypes
import os
import tempfile

import numpy as np

from . import _lib, _params, _progress


class _Handle:
    """Owns one tc_classifier * and the progress callback its params point
    to, which must live as long as it does."""

    def __init__(self, ptr, progress):
        self.ptr = ptr
        self.progress = progress

    def __del__(self):
        if self.ptr:
            _lib.classifier_free(self.ptr)
            self.ptr = None


class _View:
    """Exposes n items at address as an array whose base keeps handle alive."""

    def __init__(self, handle, address, shape, typestr):
        self.handle = handle
        self.__array_interface__ = {"data": (address, True), "shape": shape,
                                    "typestr": typestr, "version": 3}


def _view(handle, address, shape, dtype):
    if not address or not shape[0]:
        return np.zeros(shape, dtype=dtype)
    return np.asarray(_View(handle, address, shape, np.dtype(dtype).str))


def _encode_texts(texts, name="texts"):
    if isinstance(texts, (str, bytes)):
        raise TypeError("%s: expected a sequence of str, got a single %s"
                        % (name, type(texts).__name__))
    try:
        items = list(texts)
    except TypeError:
        raise TypeError("%s: expected a sequence of str, got %s"
                        % (name, type(texts).__name__)) from None
    enc = []
    for i, t in enumerate(items):
        if not isinstance(t, str):
            raise TypeError("%s[%d]: expected str, got %s" % (name, i, type(t).__name__))
        if "\0" in t:
            raise ValueError("%s[%d]: contains a NUL character" % (name, i))
        try:
            enc.append(t.encode("utf-8"))
        except UnicodeEncodeError as e:
            raise ValueError("%s[%d]: not encodable as UTF-8 (%s)" % (name, i, e.reason)) from None
    arr = (ctypes.c_char_p * max(len(enc), 1))(*enc)
    return arr, len(enc)


def _f32_matrix(x, name, rows=None, cols=None):
    """x as a C-contiguous float32 (rows, cols) array, copied only when its
    layout or type needs it."""
    a = np.asarray(x)
    if a.ndim != 2:
        raise ValueError("%s: expected a 2-D array, got shape %s" % (name, a.shape))
    if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.complexfloating):
        raise TypeError("%s: expected real numbers, got dtype %s" % (name, a.dtype))
    if rows is not None and a.shape[0] != rows:
        raise ValueError("%s: %d rows for %d texts" % (name, a.shape[0], rows))
    if cols is not None and a.shape[1] != cols:
        raise ValueError("%s: %d columns, expected %d" % (name, a.shape[1], cols))
    return np.ascontiguousarray(a, dtype=np.float32)


class ClusterClassifier:
    """Embed texts, map them to 2-D with UMAP, cluster the map with DBSCAN (or
    HDBSCAN) and name each cluster, as huggingface/text-clustering does.

    The reference's arguments keep its names and defaults (embed_model_name
    names a sentence-transformers model in the Hugging Face cache, a model
    folder, "hashing" or "use-lite"; embed_device other than "cpu" warns;
    umap_args takes umap-learn's keyword names). textclust's own: seed,
    threads (0 = all cores), cluster_method ("dbscan" | "hdbscan") and the
    hdbscan_* arguments, assign_noise, llm_url / llm_api ("hf", "openai",
    "none" = keywords offline) and the llm_* limits, llm_cache_dir,
    settings (a dict of any library setting by its name, e.g.
    {"umap.n_epochs": 200}), progress (a bar: tqdm when installed).
    A wrong type raises TypeError, a bad value ValueError, both naming the
    argument.
    """

    def __init__(self, **kwargs):
        unknown = sorted(set(kwargs) - set(_params.ARGS))
        if unknown:
            raise TypeError("ClusterClassifier: unknown argument %s (known: %s)"
                            % (", ".join(unknown), ", ".join(_params.ARGS)))
        kw = {name: kwargs.get(name, default) for name, (default, _, _) in _params.ARGS.items()}
        self._kw = kw
        self._given = set(kwargs)
        self._settings = _params.settings_of(kw)
        self._show_progress = bool(kw["progress"])
        # the settings are checked now, not at the first fit
        with self._params() as _:
            pass
        for name in kw:
            setattr(self, name, kw[name])
        self._handle = None
        self._cache = {}

    # ------------------------------------------------------------ params

    class _ParamsCtx:
        def __init__(self, owner, progress, settings):
            self.owner, self.progress, self.settings, self.ptr = owner, progress, settings, None

        def __enter__(self):
            self.ptr = _lib.params_new()
            if not self.ptr:
                raise MemoryError("textclust: out of memory")
            try:
                _params.apply(self.ptr, self.settings)
                if self.progress is not None:
                    _lib.params_set_progress(self.ptr, self.progress.c_fn, None)
            except BaseException:
                _lib.params_delete(self.ptr)
                raise
            return self.ptr

        def __exit__(self, *exc):
            _lib.params_delete(self.ptr)

    def _params(self, progress=None, saved_model=False):
        """The settings as a tc_params. saved_model: the data name their
        encoder (a save folder, from_arrays' embed_model), which the default
        embed_model_name must not override; one given explicitly does."""
        settings = self._settings
        if saved_model and "embed_model_name" not in self._given:
            settings = [t for t in settings if t[0] != "embed_model_name"]
        return ClusterClassifier._ParamsCtx(self, progress, settings)

    def _call(self, fn, progress):
        progress.cancel.clear()
        rc, msg = _progress.run(fn, progress)
        if rc == _lib.TC_ECANCELED:
            raise KeyboardInterrupt
        if rc:
            raise _lib.EXCEPTIONS.get(rc, RuntimeError)("textclust: " + msg)


    def _need_fit(self):
        if self._handle is None:
            raise RuntimeError("ClusterClassifier: not fitted (call fit or load first)")
        return self._handle.ptr

    # ------------------------------------------------------------ pipeline

    def fit(self, texts, embeddings=None):
        """Fits on texts (a sequence of str); embeddings (N, d), when given,
        are used as they are. Returns (embeddings, cluster_labels,
        cluster_summaries) as the reference does."""
        arr, n = _encode_texts(texts)
        if n == 0:
            raise ValueError("texts: empty")
        emb = None
        if embeddings is not None:
            emb = _f32_matrix(embeddings, "embeddings", rows=n)
        progress = _progress.Progress(self._show_progress)
        out = ctypes.c_void_p()
        with self._params(progress) as p:
            if _lib.classifier_new(p, ctypes.byref(out)) != 0:
                raise RuntimeError("textclust: " + _lib.error_message(-1))
        handle = _Handle(out.value, progress)
        emb_ptr = emb.ctypes.data_as(_lib.F32) if emb is not None else None
        d = emb.shape[1] if emb is not None else 0
        self._call(lambda: _lib.classifier_fit(handle.ptr, arr, n, emb_ptr, d), progress)
        self._handle, self._cache = handle, {}
        return self.embeddings, self.cluster_labels, self.cluster_summaries

    def infer(self, texts, top_k=1, return_details=False):
        """Labels new texts by the majority of their top_k nearest training
        texts. Returns (labels, embeddings); with return_details=True
        (labels, embeddings, distances, positions): the squared L2 distance
        to the nearest training text and the place on the map."""
        ptr = self._need_fit()
        if not isinstance(top_k, int) or isinstance(top_k, bool):
            raise TypeError("top_k: expected an int, got %r" % (top_k,))
        if top_k < 1:
            raise ValueError("top_k: %d (must be >= 1)" % top_k)
        arr, m = _encode_texts(texts)
        dim = _lib.classifier_dim(ptr)
        labels = np.empty(m, dtype=np.int64)
        dist = np.empty(m, dtype=np.float32)
        emb = np.empty((m, dim), dtype=np.float32)
        xy = np.empty((m, 2), dtype=np.float32)
        if m:
            handle = self._handle
            self._call(lambda: _lib.classifier_infer_xy(
                handle.ptr, arr, m, top_k, labels.ctypes.data_as(_lib.I64),
                dist.ctypes.data_as(_lib.F32), emb.ctypes.data_as(_lib.F32),
                xy.ctypes.data_as(_lib.F32)), handle.progress)
        if return_details:
            return labels, emb, dist, xy
        return labels, emb

    @classmethod
    def from_arrays(cls, texts, embeddings, projections, cluster_labels,
                    cluster_summaries=None, embed_model=None, **kwargs):
        """A fitted classifier from arrays held elsewhere (no file): texts (N
        str), embeddings (N, d), projections (N, 2), cluster_labels (N ints,
        -1 noise), cluster_summaries {label: str} or None; embed_model is the
        encoder id the embeddings came from (tc_encoder_name; None: infer
        needs embed_model_name). The arrays are copied."""
        self = cls(**kwargs)
        arr, n = _encode_texts(texts)
        emb = _f32_matrix(embeddings, "embeddings", rows=n)
        proj = _f32_matrix(projections, "projections", rows=n, cols=2)
        lab = np.asarray(cluster_labels)
        if lab.ndim != 1 or lab.shape[0] != n or not np.issubdtype(lab.dtype, np.integer):
            raise ValueError("cluster_labels: expected %d integers, got shape %s dtype %s"
                             % (n, lab.shape, lab.dtype))
        lab = np.ascontiguousarray(lab, dtype=np.int64)
        summaries = cluster_summaries or {}
        if not isinstance(summaries, dict):
            raise TypeError("cluster_summaries: expected a dict {label: str}")
        keys = [int(k) for k in summaries]
        vals = []
        for k, v in summaries.items():
            if not isinstance(v, str):
                raise TypeError("cluster_summaries[%r]: expected str, got %s" % (k, type(v).__name__))
            vals.append(v.encode("utf-8"))
        skeys = (ctypes.c_int64 * max(len(keys), 1))(*keys)
        svals = (ctypes.c_char_p * max(len(vals), 1))(*vals)
        a = _lib.Arrays(n, arr, emb.ctypes.data_as(_lib.F32), emb.shape[1],
                        proj.ctypes.data_as(_lib.F32), lab.ctypes.data_as(_lib.I64),
                        len(keys), skeys, svals, embed_model.encode() if embed_model else None)
        out = ctypes.c_void_p()
        progress = _progress.Progress(self._show_progress)
        with self._params(progress, saved_model=bool(embed_model)) as p:
            rc = _lib.classifier_from_arrays(p, ctypes.byref(a), ctypes.byref(out))
        if rc:
            raise _lib.EXCEPTIONS.get(rc, RuntimeError)("textclust: " + _lib.error_message(rc))
        self._handle, self._cache = _Handle(out.value, progress), {}
        return self

    # ------------------------------------------------------------ folders

    def save(self, folder):
        """Writes the reference's files (embeddings.npy, projections.npy,
        cluster_labels.npy, texts.json, cluster_summaries.json, faiss.index)
        and textclust.json into folder; the earlier save stays until the new
        one is complete."""
        ptr = self._need_fit()
        path = os.fsencode(os.fspath(folder))
        self._call(lambda: _lib.classifier_save(ptr, path), self._handle.progress)

    def load(self, folder):
        """Loads a folder saved by textclust (Python or command line) or by
        the reference."""
        path = os.fspath(folder)
        if not os.path.isdir(path):
            raise ValueError("The folder '%s' does not exist." % path)
        progress = _progress.Progress(self._show_progress)
        out = ctypes.c_void_p()
        try:
            with self._params(progress, saved_model=True) as p:
                self._call(lambda: _lib.classifier_load(os.fsencode(path), p, ctypes.byref(out)),
                           progress)
        except BaseException:
            if out.value:   # loaded, then interrupted: not kept
                _lib.classifier_free(out.value)
            raise
        self._handle, self._cache = _Handle(out.value, progress), {}
        return self

    def show(self, interactive=False, folder=None):
        """Draws the map: map.png (interactive=False) or the self-contained
        map.html page, written into folder (default: a new temporary folder).
        In a notebook it is displayed inline; the path is returned."""
        ptr = self._need_fit()
        folder = os.fspath(folder) if folder is not None else tempfile.mkdtemp(prefix="textclust-map.")
        os.makedirs(folder, exist_ok=True)
        self._call(lambda: _lib.classifier_plot(ptr, os.fsencode(folder), None),
                   self._handle.progress)
        path = os.path.join(folder, "map.html" if interactive else "map.png")
        if _in_notebook():
            from IPython.display import HTML, Image, display
            if interactive:
                with open(path, encoding="utf-8") as f:
                    display(HTML(f.read()))
            else:
                display(Image(filename=path))
        return path

    # ------------------------------------------------------------ state

    @property
    def embeddings(self):
        if self._handle is None:
            return None
        ptr = self._handle.ptr
        n, d = _lib.classifier_n_texts(ptr), _lib.classifier_dim(ptr)
        return _view(self._handle, _lib.classifier_embeddings(ptr), (n, d), np.float32)

    @property
    def projections(self):
        if self._handle is None:
            return None
        ptr = self._handle.ptr
        return _view(self._handle, _lib.classifier_projections(ptr),
                     (_lib.classifier_n_texts(ptr), 2), np.float32)

    @property
    def cluster_labels(self):
        if self._handle is None:
            return None
        ptr = self._handle.ptr
        return _view(self._handle, _lib.classifier_labels(ptr), (_lib.classifier_n_texts(ptr),),
                     np.int64)

    @property
    def texts(self):
        if self._handle is None:
            return None
        if "texts" not in self._cache:
            ptr = self._handle.ptr
            self._cache["texts"] = [
                ctypes.string_at(_lib.classifier_text(ptr, i)).decode("utf-8", "surrogateescape")
                for i in range(_lib.classifier_n_texts(ptr))]
        return self._cache["texts"]

    @property
    def cluster_summaries(self):
        """{label: summary}, -1: "None" as the reference has it; None when
        the clusters were not named."""
        if self._handle is None:
            return None
        if "summaries" not in self._cache:
            count = ctypes.c_size_t()
            names = _lib.classifier_cluster_labels(self._handle.ptr, ctypes.byref(count))
            if not names:
                self._cache["summaries"] = None
            else:
                d = {-1: "None"}
                for i in range(count.value):
                    s = names[i].summary
                    d[int(names[i].label)] = s.decode("utf-8", "replace") if s is not None else None
                self._cache["summaries"] = d
        return self._cache["summaries"]

    @property
    def cluster_centers(self):
        """{label: (x, y)}: the mean projection of each cluster, -1 included."""
        if self._handle is None:
            return None
        out, xy = {}, (ctypes.c_float * 2)()
        for label in np.unique(self.cluster_labels):
            if _lib.classifier_centre(self._handle.ptr, int(label), ctypes.byref(xy)) == 0:
                out[int(label)] = (float(xy[0]), float(xy[1]))
        return out

    @property
    def label2docs(self):
        out = {}
        for i, label in enumerate(self.cluster_labels.tolist()):
            out.setdefault(label, []).append(i)
        return out

    @property
    def embed_model_id(self):
        """The encoder the embeddings came from ("hashing-512", a hub id...)."""
        return _lib.classifier_model(self._need_fit()).decode()

    def __repr__(self):
        if self._handle is None:
            return "ClusterClassifier(not fitted)"
        n = len(self.cluster_labels)
        k = len(set(self.cluster_labels.tolist()) - {-1})
        return "ClusterClassifier(%d texts, %d clusters)" % (n, k)


def _in_notebook():
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    ip = get_ipython()
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"
