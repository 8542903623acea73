"""The C library through ctypes.

ctypes rather than a CPython extension: the package then compiles nothing
but the library itself (no python3-dev, no per-Python-version build), and
ctypes already releases the GIL around every foreign call.

Only the library inside this package is loaded, never one from a build
folder, so an installed package works after the source tree is gone.
"""
import ctypes
import os

from . import _blas
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_double, c_float, c_int,
                    c_int64, c_size_t, c_void_p)

TC_EINVAL = -1
TC_ECANCELED = -9
# TC_E* -> the exception raised for it (TC_ECANCELED: KeyboardInterrupt)
EXCEPTIONS = {-1: ValueError, -2: MemoryError, -3: OSError, -4: ValueError,
              -5: FileNotFoundError, -6: ValueError, -7: ConnectionError, -8: NotImplementedError}

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libtextclust.so")
lib = ctypes.CDLL(_PATH)


def blas_corename():
    """The kernel the process's OpenBLAS (the library's, numpy's) runs; None
    where it is not found under Debian's name."""
    try:
        blas = ctypes.CDLL("libopenblas.so.0")   # loaded with the library: the same one
    except OSError:
        return None
    blas.openblas_get_corename.restype = c_char_p
    return blas.openblas_get_corename().decode()


_blas.check_blas_kernel(blas_corename())

# int (*)(void *ctx, const char *stage, size_t done, size_t total)
PROGRESS_FN = CFUNCTYPE(c_int, c_void_p, c_char_p, c_size_t, c_size_t)
LOG_FN = CFUNCTYPE(None, c_void_p, c_int, c_char_p)


class ClusterLabel(Structure):
    """tc_cluster_label."""
    _fields_ = [("label", c_int64), ("summary", c_char_p), ("topic", c_char_p),
                ("score", c_int), ("keywords", c_char_p)]


class Arrays(Structure):
    """tc_classifier_arrays."""
    _fields_ = [("n", c_size_t), ("texts", POINTER(c_char_p)), ("embeddings", POINTER(c_float)),
                ("dim", c_int), ("projections", POINTER(c_float)), ("labels", POINTER(c_int64)),
                ("n_summaries", c_size_t), ("summary_labels", POINTER(c_int64)),
                ("summaries", POINTER(c_char_p)), ("model", c_char_p)]


def _fn(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


P = c_void_p  # opaque handles: tc_params *, tc_classifier *
PP = POINTER(c_void_p)
F32 = POINTER(c_float)
I64 = POINTER(c_int64)
TEXTS = POINTER(c_char_p)

last_error = _fn("tc_last_error", c_char_p)
strerror = _fn("tc_strerror", c_char_p, c_int)
set_logger = _fn("tc_set_logger", None, LOG_FN, c_void_p)

params_new = _fn("tc_params_new", P)
params_delete = _fn("tc_params_delete", None, P)
params_set_progress = _fn("tc_params_set_progress", None, P, PROGRESS_FN, c_void_p)
params_set = getattr(lib, "tc_params_set", None)
if params_set is not None:
    params_set.restype, params_set.argtypes = c_int, [P, c_char_p, c_char_p]
    params_get = _fn("tc_params_get", c_int, P, c_char_p, c_char_p, c_size_t)
    params_name = _fn("tc_params_name", c_char_p, c_size_t)

classifier_new = _fn("tc_classifier_new", c_int, P, PP)
classifier_free = _fn("tc_classifier_free", None, P)
classifier_fit = _fn("tc_classifier_fit", c_int, P, TEXTS, c_size_t, F32, c_int)
classifier_infer_xy = _fn("tc_classifier_infer_xy", c_int, P, TEXTS, c_size_t, c_int, I64, F32,
                          F32, F32)
classifier_from_arrays = _fn("tc_classifier_from_arrays", c_int, P, POINTER(Arrays), PP)
classifier_save = _fn("tc_classifier_save", c_int, P, c_char_p)
classifier_load = _fn("tc_classifier_load", c_int, c_char_p, P, PP)
classifier_plot = _fn("tc_classifier_plot", c_int, P, c_char_p, c_void_p)
classifier_n_texts = _fn("tc_classifier_n_texts", c_size_t, P)
classifier_dim = _fn("tc_classifier_dim", c_int, P)
classifier_text = _fn("tc_classifier_text", c_void_p, P, c_size_t)
classifier_embeddings = _fn("tc_classifier_embeddings", c_void_p, P)
classifier_projections = _fn("tc_classifier_projections", c_void_p, P)
classifier_labels = _fn("tc_classifier_labels", c_void_p, P)
classifier_cluster_labels = _fn("tc_classifier_cluster_labels", POINTER(ClusterLabel), P,
                                POINTER(c_size_t))
classifier_centre = _fn("tc_classifier_centre", c_int, P, c_int64, POINTER(c_float * 2))
classifier_model = _fn("tc_classifier_model", c_char_p, P)
classifier_params = _fn("tc_classifier_params", P, P)
string_at = ctypes.string_at


def error_message(rc):
    msg = last_error().decode("utf-8", "replace")
    return msg or strerror(rc).decode()
