"""`textclust run` names clusters through an OpenAI-compatible endpoint: a
stand-in server started here (no network is needed) answers in the
single_topic format. Checks the summaries, the topic plots, the answer
cache (a second run sends nothing) and that the key is never written. The
key comes from $OPENAI_API_KEY (--llm_api_key is refused: argv is public);
the URL carries a password and an api-key query value, which reach the
server (the API path before the query) but appear in no file and no output
(textclust.json keeps http://user:***@host/v1?api-key=***). A server whose
replies are not the API's JSON leaves every cluster its keywords, and the
summary line counts them as fallen back."""
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading

TC = os.environ.get("TC_BIN", "build/textclust")
KEY = "sk-test-5ecret-do-not-write"
URL_PASS = "pa55-word-not-saved"
URL_KEY = "QUERY-k3y-not-saved"
requests = []
garbage = [False]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        requests.append((self.path, self.headers.get("Authorization"), body))
        prompt = body["messages"][0]["content"]
        topic = "Fonts and typography" if "font" in prompt.lower() else "Software packaging"
        answer = "Topic: %s, Educational value rating: %d" % (topic, 7 if topic[0] == "F" else 4)
        out = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer}}]}).encode()
        if garbage[0]:
            out = b'{"choices": "nope"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


def run(args, code=0, cwd=None):
    env = dict(os.environ, OPENAI_API_KEY=KEY)
    r = subprocess.run([os.path.abspath(TC), *args], capture_output=True, text=True, env=env, cwd=cwd)
    if r.returncode != code:
        sys.exit("textclust exited %d, want %d:\n%s" % (r.returncode, code, r.stderr))
    return r


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    url = "http://user:%s@127.0.0.1:%d/v1?api-key=%s" % (URL_PASS, port, URL_KEY)
    tmp = tempfile.mkdtemp(prefix="tc-llm.")
    import gzip
    with gzip.open("data/sample.jsonl.gz", "rt") as f, open(tmp + "/in.jsonl", "w") as g:
        for _, line in zip(range(600), f):
            g.write(line)
    args = ["run", "--input", tmp + "/in.jsonl", "--input_content", "text", "--embed_model", "hashing",
            "--dbscan_eps", "0.3", "--dbscan_min_samples", "10", "--threads", "2",
            "--topic_mode", "single_topic", "--llm_url", url, "--llm_model", "stand-in",
            # the clusters' requests only: the topic tree's are tree_llm_test.py's
            "--llm_max_requests", "0", "--save_load_path", tmp + "/save"]
    outputs = []
    r = run(args[:-2] + ["--llm_api_key", KEY] + args[-2:], code=2)
    assert "OPENAI_API_KEY" in r.stderr and not requests, r.stderr
    outputs += [r.stdout, r.stderr]
    r = run(args)
    outputs += [r.stdout, r.stderr]
    k = len(requests)
    summaries = json.load(open(tmp + "/save/cluster_summaries.json"))
    assert k == len(summaries) - 1 and k >= 2, (k, summaries)
    assert all(p == "/v1/chat/completions?api-key=" + URL_KEY and a == "Bearer " + KEY
               for p, a, _ in requests), set(p for p, _, _ in requests)
    assert all(b["model"] == "stand-in" and b["temperature"] == 0 for _, _, b in requests)
    for key, s in summaries.items():
        if key != "-1":
            assert s in ("Fonts and typography. Educational score: 7",
                         "Software packaging. Educational score: 4"), s
    meta = json.load(open(tmp + "/save/textclust.json"))
    assert meta["summary"]["topic_mode"] == "single_topic"
    want = "http://user:***@127.0.0.1:%d/v1?api-key=***" % port
    assert meta["summary"]["llm_url"] == want, meta["summary"]["llm_url"]
    assert all(c.get("score") in (4, 7) for c in meta["clusters"] if c["label"] >= 0), meta["clusters"]
    for f in ("topics_dist.png", "educational_score.png", "df_categories_count.csv", "map.png", "map.html"):
        assert os.path.getsize(tmp + "/save/" + f) > 0, f
    rows = open(tmp + "/save/df_categories_count.csv").read().splitlines()
    assert rows[0] == "category,number_files" and len(rows) >= 2, rows
    assert sum(int(x.rsplit(",", 1)[1]) for x in rows[1:]) <= 600

    # a second run answers everything from the cache
    r = run(args)
    outputs += [r.stdout, r.stderr]
    assert len(requests) == k, "the re-run sent %d requests" % (len(requests) - k)
    assert "%d answers from the cache" % k in r.stderr, r.stderr
    # the cache sits beside the folder however the folder is named: "save/" and "."
    r = run(args[:-1] + [tmp + "/save/"])
    r2 = run(args[:-1] + ["."], cwd=tmp + "/save")
    outputs += [r.stdout, r.stderr, r2.stdout, r2.stderr]
    assert len(requests) == k, "re-runs as save/ and . sent %d requests" % (len(requests) - k)
    assert "%d answers from the cache" % k in r2.stderr, r2.stderr
    assert not [f for f in os.listdir(tmp + "/save") if "cache" in f], os.listdir(tmp + "/save")
    assert sorted(f for f in os.listdir(tmp) if "cache" in f) == ["save.llm-cache"], os.listdir(tmp)

    # replies that are not the API's JSON: keywords everywhere, counted as fallen back
    garbage[0] = True
    gargs = [a if a != "stand-in" else "stand-in-2" for a in args]
    gargs[-1] = tmp + "/save-garbage"
    r = run(gargs)
    outputs += [r.stdout, r.stderr]
    gsum = json.load(open(tmp + "/save-garbage/cluster_summaries.json"))
    assert not any("nope" in s or "choices" in s for s in gsum.values()), gsum
    assert "%d clusters fell back to keywords" % (len(gsum) - 1) in r.stderr, r.stderr

    # the key and the URL's secrets are in no file and no output
    for root, _, files in os.walk(tmp):
        for f in files:
            data = open(os.path.join(root, f), "rb").read()
            for secret in (KEY, URL_PASS, URL_KEY):
                assert secret.encode() not in data and secret not in f, (secret, f)
    for o in outputs:
        for secret in (KEY, URL_PASS, URL_KEY):
            assert secret not in o, (secret, o)
    srv.shutdown()
    print("cli llm ok")


if __name__ == "__main__":
    main()
