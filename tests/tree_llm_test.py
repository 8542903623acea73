"""The topic tree's LLM names against a stand-in OpenAI-compatible server
(started here, no network): with --llm_max_requests B the server sees at
most B prompts for nodes above the clusters, they are the top levels (the
first inner nodes breadth first, the root left out), a parent's prompt lists
its children's names (the LLM's where they had one), a second run answers
all from the cache, and B = 0 asks nothing for the tree; on a terminal
each stage, the tree's naming and the save among them, ends with one line
that counts what it did. With
--summary_examples representative the clusters' prompts show exactly the
representative texts saved in textclust.json."""
import gzip
import hashlib
import http.server
import json
import os
import pty
import re
import subprocess
import sys
import tempfile
import threading

TC = os.environ.get("TC_BIN", "build/textclust")
TREE_MARK = "made of smaller topics"
prompts = []


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = body["messages"][0]["content"]
        prompts.append(prompt)
        h = hashlib.sha1(prompt.encode()).hexdigest()[:6]
        answer = ("Node%s, Grouped, Topics" if TREE_MARK in prompt else "Leaf%s, Cluster, Words") % h
        out = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


def run(args):
    env = dict(os.environ, OPENAI_API_KEY="sk-test")
    r = subprocess.run([os.path.abspath(TC), *args], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit("textclust exited %d:\n%s" % (r.returncode, r.stderr))
    return r


def run_tty(args):
    """Runs textclust on a pseudo-terminal, so that it draws its bars; returns
    the lines that stay: the finished stages, as (stage, count, unit)."""
    env = dict(os.environ, OPENAI_API_KEY="sk-test")
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(os.path.abspath(TC), [TC, *args], env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    text = out.decode("utf-8", "replace").replace("\x1b[K", "")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("textclust on a terminal failed:\n" + text)
    done = []
    for line in re.split(r"[\r\n]+", text):
        m = re.match(r"^(\w+) +([\d.]+) (\w+) in \d+:\d\d", line)
        if m:
            done.append((m.group(1), m.group(2), m.group(3)))
    return done


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/v1" % srv.server_address[1]
    tmp = tempfile.mkdtemp(prefix="tc-tree-llm.")
    with gzip.open("data/sample.jsonl.gz", "rt") as f, open(tmp + "/in.jsonl", "w") as g:
        for _, line in zip(range(800), f):
            g.write(line)
    base = ["run", "--input", tmp + "/in.jsonl", "--input_content", "text", "--embed_model", "hashing",
            "--dbscan_eps", "0.3", "--dbscan_min_samples", "10", "--threads", "2",
            "--llm_url", url, "--llm_model", "stand-in", "--no_plots"]
    budget = 3
    run(base + ["--llm_max_requests", str(budget), "--save_load_path", tmp + "/a"])
    tree_prompts = [p for p in prompts if TREE_MARK in p]
    meta = json.load(open(tmp + "/a/textclust.json"))
    nodes = meta["tree"]["nodes"]
    inner = [n for n in nodes if n["children"] and n["parent"] >= 0]
    assert len(inner) > budget, "the test needs more inner nodes than the budget: %d" % len(inner)
    assert len(tree_prompts) == budget, (len(tree_prompts), budget)
    named = [n["id"] for n in nodes if n.get("name", "").startswith("Node")]
    assert named == [n["id"] for n in inner[:budget]], (named, [n["id"] for n in inner])
    # every leaf is its cluster, named by the LLM; a parent's prompt lists its children's names
    for n in nodes:
        if not n["children"]:
            assert n["name"].startswith("Leaf"), n
    by_id = {n["id"]: n for n in nodes}
    for n in nodes:
        if n["id"] not in named:
            continue
        mine = [p for p in tree_prompts if hashlib.sha1(p.encode()).hexdigest()[:6] == n["name"][4:10]]
        assert len(mine) == 1, n["name"]
        for c in n["children"]:
            assert "- " + by_id[c]["name"] + "\n" in mine[0], (by_id[c]["name"], mine[0][:400])
    # on a terminal every stage ends with one line: the tree's counts the
    # nodes the LLM named, the save's the megabytes of the arrays and texts
    done = run_tty(base + ["--llm_max_requests", str(budget), "--save_load_path", tmp + "/t"])
    stages = [d[0] for d in done]
    assert stages == ["embed", "knn", "umap", "cluster", "label", "tree", "save", "commit"], done
    assert done[5][1:] == (str(budget), "nodes"), done[5]
    n_clusters = len([c for c in json.load(open(tmp + "/t/textclust.json"))["clusters"] if c["label"] >= 0])
    assert done[4][1:] == (str(n_clusters), "clusters"), (done[4], n_clusters)
    texts = json.load(open(tmp + "/t/texts.json"))
    dim = json.load(open(tmp + "/t/textclust.json"))["dim"]
    saved = len(texts) * (dim * 8 + 16) + sum(len(t.encode()) for t in texts)
    assert done[6][1:] == ("%.1f" % (saved / 1e6), "MB"), (done[6], saved)
    k = len(prompts)
    # the same run again: all from the cache
    r = run(base + ["--llm_max_requests", str(budget), "--save_load_path", tmp + "/a"])
    assert len(prompts) == k, "the re-run sent %d requests" % (len(prompts) - k)
    assert json.load(open(tmp + "/a/textclust.json"))["tree"] == meta["tree"]
    # no budget: no tree prompt
    run(base + ["--llm_max_requests", "0", "--save_load_path", tmp + "/b", "--llm_model", "stand-in-2"])
    assert not [p for p in prompts[k:] if TREE_MARK in p], "tree prompts with a budget of 0"
    # representative examples: the prompts show the saved representatives
    k = len(prompts)
    run(base + ["--llm_max_requests", "0", "--summary_examples", "representative", "--llm_model", "stand-in-3",
                "--save_load_path", tmp + "/c"])
    texts = json.load(open(tmp + "/c/texts.json"))
    meta = json.load(open(tmp + "/c/textclust.json"))
    got = sorted(p for p in prompts[k:])
    want = []
    for c in meta["clusters"]:
        if c["label"] < 0:
            continue
        reps = c["representatives"][:10]
        assert len(reps) == min(10, c["size"]), (len(reps), c["size"])
        want.append("\n\n".join("Example %d:\n%s" % (i + 1, texts[j][:420]) for i, j in enumerate(reps)))
    assert len(got) == len(want), (len(got), len(want))
    for w in want:
        assert sum(w in p for p in got) == 1, w[:200]
    srv.shutdown()
    print("tree llm ok")


if __name__ == "__main__":
    main()
