"""The constructor's keyword arguments mapped onto the library's settings.

One table (ARGS) says, for each keyword argument, its default and kind and
the tc_params_set name it lands on; the library then checks the value
against the same table the command line uses. Errors name the keyword
argument as the caller wrote it.
"""
import numbers
import os
import warnings

from . import _lib

REFERENCE_SUMMARY_MODEL = "mistralai/Mixtral-8x7B-Instruct-v0.1"

# keyword -> (default, kind, setting name or None when handled by hand)
# kinds: int, float, bool, str, str? (None allowed), special
ARGS = {
    # the reference's arguments, with its defaults
    "embed_model_name": ("all-MiniLM-L6-v2", "str?", "embed_model"),
    "embed_device": ("cpu", "str", None),
    "embed_batch_size": (64, "int", "embed.batch_size"),
    "embed_max_seq_length": (512, "int", "embed.max_length"),
    "embed_agg_strategy": (None, "str?", None),
    "umap_args": (None, "dict?", None),
    "umap_components": (2, "int", None),
    "umap_metric": ("cosine", "str", None),
    "dbscan_eps": (0.08, "float", "dbscan.eps"),
    "dbscan_min_samples": (50, "int", "dbscan.min_samples"),
    "dbscan_n_jobs": (16, "int", None),
    "summary_create": (True, "bool", "summary_create"),
    "summary_model": (REFERENCE_SUMMARY_MODEL, "str?", "label.llm_model"),
    "topic_mode": ("multiple_topics", "str", "label.topic_mode"),
    "summary_n_examples": (10, "int", "label.n_examples"),
    "summary_chunk_size": (420, "int", "label.chunk_size"),
    "summary_model_token": (True, "token", None),
    "summary_template": (None, "str?", "label.template"),
    "summary_instruction": (None, "str?", "label.instruction"),
    # ours
    "seed": (42, "int", "seed"),
    "threads": (0, "int", "threads"),
    "cluster_method": ("dbscan", "str", "cluster_method"),
    "hdbscan_min_cluster_size": (50, "int", "hdbscan.min_cluster_size"),
    "hdbscan_min_samples": (0, "int", "hdbscan.min_samples"),
    "hdbscan_cluster_selection_method": ("eom", "str", "hdbscan.selection_method"),
    "hdbscan_cluster_selection_epsilon": (0.0, "float", "hdbscan.cluster_selection_epsilon"),
    "assign_noise": (False, "bool", "assign_noise"),
    "llm_url": (None, "str?", "label.llm_url"),
    "llm_api": (None, "str?", None),
    "llm_max_new_tokens": (64, "int", "label.max_new_tokens"),
    "llm_temperature": (0.0, "float", "label.temperature"),
    "llm_concurrency": (4, "int", "label.concurrency"),
    "llm_timeout": (60.0, "float", "label.timeout_s"),
    "llm_retries": (5, "int", "label.max_retries"),
    "llm_cache_dir": (None, "str?", "label.cache_dir"),
    "settings": (None, "dict?", None),
    "progress": (True, "bool", None),
}

# umap_args keys (umap-learn's names) -> settings
UMAP_KEYS = {
    "n_neighbors": "umap.n_neighbors", "min_dist": "umap.min_dist", "spread": "umap.spread",
    "n_epochs": "umap.n_epochs", "learning_rate": "umap.learning_rate",
    "negative_sample_rate": "umap.negative_sample_rate",
    "repulsion_strength": "umap.repulsion_strength",
    "local_connectivity": "umap.local_connectivity", "set_op_mix_ratio": "umap.set_op_mix_ratio",
    "a": "umap.a", "b": "umap.b", "init": "umap.init", "random_state": "seed",
}


def check_kind(name, value, kind):
    """TypeError naming the argument when value is not of its kind."""
    if kind.endswith("?") and value is None:
        return
    base = kind.rstrip("?")
    ok = {
        "int": isinstance(value, numbers.Integral) and not isinstance(value, bool),
        "float": isinstance(value, numbers.Real) and not isinstance(value, bool),
        "bool": isinstance(value, (bool, numbers.Integral)) and value in (0, 1),
        "str": isinstance(value, str),
        "dict": isinstance(value, dict),
        "token": isinstance(value, (bool, str)),
    }.get(base, True)
    if not ok:
        want = {"int": "an int", "float": "a number", "bool": "True or False", "str": "a str",
                "dict": "a dict", "token": "True, False or a token str"}[base]
        raise TypeError("%s: expected %s%s, got %r" % (
            name, want, " or None" if kind.endswith("?") else "", value))


def as_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    return str(value)


def settings_of(kw):
    """The (argument, setting, text) triples for the keyword arguments kw
    (already complete with defaults), in the order they are applied."""
    out = []
    for name, (_, kind, setting) in ARGS.items():
        check_kind(name, kw[name], kind)
        if setting is not None:
            out.append((name, setting, kw[name]))

    device = kw["embed_device"]
    if device != "cpu":
        warnings.warn("embed_device=%r: textclust embeds on the CPU" % device, stacklevel=4)
    if kw["embed_agg_strategy"] not in (None, "mean"):
        raise ValueError("embed_agg_strategy: %r is not supported: the model's own pooling "
                         "(sentence-transformers' modules.json) is used; pass None"
                         % kw["embed_agg_strategy"])
    if kw["umap_components"] != 2:
        raise ValueError("umap_components: %r: the map is always 2-D" % kw["umap_components"])
    if kw["umap_metric"] != "cosine":
        raise ValueError("umap_metric: %r: UMAP compares embeddings by cosine distance only"
                         % kw["umap_metric"])
    for key, value in (kw["umap_args"] or {}).items():
        where = "umap_args[%r]" % key
        if key == "n_components":
            if value != 2:
                raise ValueError("%s: %r: the map is always 2-D" % (where, value))
        elif key == "metric":
            if value != "cosine":
                raise ValueError("%s: %r: only cosine" % (where, value))
        elif key in UMAP_KEYS:
            if value is not None or key != "random_state":
                out.append((where, UMAP_KEYS[key], value))
        else:
            raise ValueError("%s: unknown UMAP argument (known: n_components, metric, %s)"
                             % (where, ", ".join(UMAP_KEYS)))
    if kw["dbscan_n_jobs"] < 1 and kw["dbscan_n_jobs"] != -1:
        raise ValueError("dbscan_n_jobs: %r (DBSCAN's labels do not depend on it; threads "
                         "sets the worker count)" % kw["dbscan_n_jobs"])

    # Who names the clusters: an explicit llm_api, else an endpoint URL
    # (OpenAI-compatible, unless it is a TGI ".../generate" or an HF
    # ".../models/<id>" one), else the Hugging Face API for summary_model; the
    # reference's client honours HF_INFERENCE_ENDPOINT, and so does this.
    api = kw["llm_api"]
    url, model = kw["llm_url"], kw["summary_model"]
    if api is None:
        if not kw["summary_create"]:
            api = "none"
        elif url:
            api = "hf" if url.rstrip("/").endswith("/generate") or "/models/" in url else "openai"
        else:
            api = "hf" if model else "none"
    if api not in ("hf", "openai", "none"):
        raise ValueError("llm_api: %r (hf, openai or none)" % api)
    if api == "hf" and not url and model and os.environ.get("HF_INFERENCE_ENDPOINT"):
        url = os.environ["HF_INFERENCE_ENDPOINT"].rstrip("/") + "/models/" + model
        out.append(("llm_url", "label.llm_url", url))
    out.append(("llm_api", "label.api", api))

    token = kw["summary_model_token"]
    if isinstance(token, str):
        out.append(("summary_model_token", "label.llm_api_key", token))
    elif token is False:
        # no Authorization header: a token file nobody has
        out.append(("summary_model_token", "label.llm_token_file", os.devnull))

    for key, value in (kw["settings"] or {}).items():
        if not isinstance(key, str):
            raise TypeError("settings: keys are setting names (str), got %r" % (key,))
        out.append(("settings[%r]" % key, key, value))
    return out


def apply(params, triples):
    """tc_params_set for each triple; ValueError naming the argument."""
    for arg, setting, value in triples:
        text = as_text(value)
        rc = _lib.params_set(params, setting.encode(), text.encode())
        if rc != 0:
            msg = _lib.error_message(rc)
            raise ValueError("%s=%r: %s" % (arg, value, msg))


def setting_names():
    names, i = [], 0
    while True:
        n = _lib.params_name(i)
        if n is None:
            return names
        names.append(n.decode())
        i += 1
