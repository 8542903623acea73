"""The command at the forced baseline kernel level (TEXTCLUST_CPU=baseline)
against the level it picks by itself, on the same inputs:

1. `textclust --version` names the chosen and the detected level (one of the
   documented names), the build target and OpenBLAS's core and threads; an
   unknown TEXTCLUST_CPU, or one above what the CPU has, is refused.
2. `embed` with the golden BERT model (tests/data/bert/bert-mean-norm): both
   levels within sentence-transformers' tolerance of its vectors, and within
   2e-5 of each other (the forward pass's vector loops sum in another order).
3. `project` and `cluster` of the golden vectors: the same 2-D map bit for bit
   and the same labels (the kNN scan and the UMAP epoch give the same numbers
   at every level; tests/test_cpu.c checks the kernels themselves).
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

TC = os.environ.get("TC_BIN", "build/textclust")
DATA = "tests/data/bert"
LEVELS = ["baseline", "avx512", "avx512bf16", "amx"]


def tc(args, level=None, ok=True):
    env = dict(os.environ)
    env.pop("TEXTCLUST_CPU", None)
    if level is not None:
        env["TEXTCLUST_CPU"] = level
    r = subprocess.run([TC, *args], capture_output=True, text=True, env=env)
    if ok and r.returncode != 0:
        sys.exit(f"textclust {' '.join(args)} (TEXTCLUST_CPU={level}) failed:\n{r.stderr}")
    return r


def version_levels(level=None):
    out = tc(["--version"], level).stdout
    line = next((l for l in out.splitlines() if l.startswith("cpu level: ")), None)
    if line is None or "blas:" not in out or " core " not in out or " threads" not in out:
        sys.exit(f"--version lacks the cpu level or OpenBLAS's core and threads:\n{out}")
    chosen = line.split()[2]
    detected = line.split("detected ")[1].split(";")[0]
    if chosen not in LEVELS or detected not in LEVELS or "built for x86-64" not in line:
        sys.exit(f"--version: bad level line {line!r}")
    return chosen, detected


def main():
    chosen, detected = version_levels()
    if chosen != detected:
        sys.exit(f"without TEXTCLUST_CPU the level is {chosen}, but {detected} was detected")
    if version_levels("baseline")[0] != "baseline":
        sys.exit("TEXTCLUST_CPU=baseline is not used")
    print(f"ok: --version: level {chosen}; baseline forced")
    r = tc(["--version"], "sse9", ok=False)
    if r.returncode == 0 or "TEXTCLUST_CPU=sse9" not in r.stderr:
        sys.exit(f"TEXTCLUST_CPU=sse9 was not refused: rc {r.returncode}, {r.stderr!r}")
    above = LEVELS.index(detected) + 1
    if above < len(LEVELS):
        r = tc(["--version"], LEVELS[above], ok=False)
        if r.returncode == 0 or f"up to {detected}" not in r.stderr:
            sys.exit(f"TEXTCLUST_CPU={LEVELS[above]} above {detected} was not refused: {r.stderr!r}")
    print("ok: unknown or unsupported levels are refused")

    tmp = tempfile.mkdtemp(prefix="tc-cpu.")
    gold = np.load(f"{DATA}/bert-mean-norm/embeddings.npy")
    gold = gold / np.linalg.norm(gold, axis=1, keepdims=True)
    vec = {}
    for lv in ("baseline", None):
        out = f"{tmp}/emb-{lv}.npy"
        tc(["embed", "--input", f"{DATA}/texts.jsonl", "--input_content", "text", "--embed_model",
            f"{DATA}/bert-mean-norm/model", "--output", out, "--threads", "2", "--quiet", "--embed_dtype", "fp32"], lv)
        v = np.load(out)
        cos = (v * gold).sum(1) / np.linalg.norm(v, axis=1)
        diff = np.abs(v - gold).max()
        if v.shape != gold.shape or cos.min() < 0.9999 or diff > 1e-4:
            sys.exit(f"embed at {lv or chosen}: {v.shape}, min cosine {cos.min():.7f}, max |diff| {diff:.2e}")
        vec[lv] = v
    d = np.abs(vec["baseline"] - vec[None]).max()
    if d > 2e-5:
        sys.exit(f"embed: baseline and {chosen} differ by up to {d:.2e}")
    print(f"ok: embed at baseline and {chosen}: golden within 1e-4, each other within {d:.1e}")

    np.save(f"{tmp}/gold.npy", gold.astype(np.float32))
    maps, labels = {}, {}
    for lv in ("baseline", None):
        m, lab = f"{tmp}/map-{lv}.npy", f"{tmp}/lab-{lv}.npy"
        tc(["project", "--input", f"{tmp}/gold.npy", "--output", m, "--threads", "2", "--quiet"], lv)
        tc(["cluster", "--input", m, "--output", lab, "--dbscan_eps", "0.3", "--dbscan_min_samples", "5",
            "--quiet"], lv)
        maps[lv], labels[lv] = np.load(m), np.load(lab)
    if maps["baseline"].shape != (len(gold), 2) or not np.array_equal(maps["baseline"], maps[None]):
        sys.exit(f"project: the maps of baseline and {chosen} differ, by up to "
                 f"{np.abs(maps['baseline'] - maps[None]).max():.3g}")
    if not np.array_equal(labels["baseline"], labels[None]) or len(set(labels[None].tolist())) < 2:
        sys.exit(f"cluster: labels differ or are one cluster: {np.unique(labels[None])}")
    print(f"ok: project and cluster at baseline and {chosen}: the same map and labels "
          f"({len(set(labels[None].tolist()))} labels)")


if __name__ == "__main__":
    main()
