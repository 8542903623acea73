"""textclust: find and name the topics in a large collection of texts.

    from textclust import ClusterClassifier
    cc = ClusterClassifier(embed_model_name="hashing", summary_create=False)
    embs, labels, summaries = cc.fit(texts)
    cc.save("./cc_100k")
"""
from .classifier import ClusterClassifier

__all__ = ["ClusterClassifier"]
__version__ = "0.1.0"
