"""textclust: find and name the topics in a large collection of texts.

    from textclust import ClusterClassifier
    cc = ClusterClassifier(embed_model_name="hashing", summary_create=False)
    embs, labels, summaries = cc.fit(texts)
    cc.save("./cc_100k")
"""
from ._blas import choose_blas_kernel

choose_blas_kernel()   # before numpy or the library loads OpenBLAS

from .classifier import ClusterClassifier  # noqa: E402

__all__ = ["ClusterClassifier"]
__version__ = "0.1.0"
