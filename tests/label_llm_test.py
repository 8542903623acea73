#!/usr/bin/python3
"""LLM cluster labels against a local stand-in server (stdlib only).

The server speaks the Hugging Face text-generation API (POST /generate) and
the OpenAI chat-completions API (POST /v1/chat/completions) on 127.0.0.1 and
injects faults chosen by a "case=NAME" token that every text of a cluster
carries: slow answers past the timeout, 500s, 429 with Retry-After,
malformed JSON, empty and over-long answers, a dropped connection, a 401
that echoes the token, an answer that repeats the token. The C side is
build/tests/test_label in its "llm" driver mode. Checked: the answers and
their parsing, retries and attempt counts, the Retry-After wait, the cache
(a re-run sends only what failed; a clean re-run sends nothing), the
concurrency limit, the request bodies, and that the fake secrets appear in
no output and no file."""
import email.utils
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BUILD = os.environ.get("BUILD", "build")
DRIVER = os.path.join(BUILD, "tests", "test_label")
SECRET = "sk-FAKE-7f3a9c-DO-NOT-LEAK"
HF_SECRET = "hf_FAKEtoken5b21e0NOLEAK"

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg, file=sys.stderr)


# ---------------------------------------------------------------- the server

MULTI = {
    "plain": "Astronomy, Space, Physics",
    "bold": "**Astronomy**, **Space**, **Physics**",
    "quoted": '"Baking, Bread, Ovens"',
    "preamble": "Here are three topics:\nFootball, Leagues, Referees",
    "prefix": "Topics: Chess, Openings, Endgames. These texts discuss chess.",
    "paren": "Music (classical), Composers, Symphonies",
}
SINGLE = {
    "s_plain": ("Topic: Linear algebra, Educational value rating: 8", "Linear algebra", 8),
    "s_bold": ("**Topic:** Organic chemistry, **Educational value rating:** 9/10",
               "Organic chemistry", 9),
    "s_lower": ("topic: gardening, educational value rating: 4.", "gardening", 4),
    "s_second": ("Sure, here is my answer.\nTopic: Economics, Educational value rating: 7",
                 "Economics", 7),
    "s_quoted": ('"Topic: Poetry (modern), Educational value rating: 6"', "Poetry", 6),
    "s_lines": ("Topic: Casino games\nEducational value rating: 2", "Casino games", 2),
}


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.attempts = {}      # case -> number of requests
        self.times = {}         # case -> request arrival times
        self.bodies = []        # request JSON bodies
        self.paths = []
        self.total = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.auth_ok = True
        self.expect_auth = None
        self.timeout = 1.0


S = State()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, body, headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def answer(self, hf, text):
        if hf:
            return self.reply(200, json.dumps([{"generated_text": text}]))
        return self.reply(200, json.dumps(
            {"id": "x", "object": "chat.completion",
             "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                          "finish_reason": "stop"}]}))

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        with S.lock:
            S.in_flight += 1
            S.max_in_flight = max(S.max_in_flight, S.in_flight)
        self.counted = True
        try:
            self.handle_post(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): expected in the slow case
        finally:
            with S.lock:
                if self.counted:
                    S.in_flight -= 1

    def handle_post(self, raw):
        hf = self.path.endswith("/generate")
        body = json.loads(raw)
        prompt = body["inputs"] if hf else body["messages"][0]["content"]
        case = prompt.split("case=", 1)[1].split()[0] if "case=" in prompt else "none"
        auth = self.headers.get("Authorization")
        with S.lock:
            S.total += 1
            S.attempts[case] = S.attempts.get(case, 0) + 1
            S.times.setdefault(case, []).append(time.monotonic())
            S.bodies.append(body)
            S.paths.append(self.path)
            k = S.attempts[case]
            if case != "echo401" and auth != S.expect_auth:
                S.auth_ok = False
        if case == "echo401":
            return self.reply(401, json.dumps({"error": "bad token: %s" % auth}))
        if case == "slow" and k == 1:
            # the client gives up after S.timeout: stop counting this request
            # as in flight just before, so that the count never overstates
            time.sleep(S.timeout * 0.9)
            with S.lock:
                S.in_flight -= 1
                self.counted = False
            time.sleep(1.1)
        if case == "e500" and k <= 2:
            return self.reply(500, '{"error": "overloaded"}')
        if case == "fail":
            return self.reply(503, '{"error": "down"}')
        if case == "e429" and k == 1:
            return self.reply(429, '{"error": "slow down"}', [("Retry-After", "2")])
        if case == "e429date" and k == 1:  # the HTTP-date form, whole seconds
            when = email.utils.formatdate(time.time() + 3, usegmt=True)
            return self.reply(429, '{"error": "slow down"}', [("Retry-After", when)])
        if case == "drop" and k == 1:  # the connection dies in the middle of the answer
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "200")
            self.end_headers()
            self.wfile.write(b'{"choices": [{"mess')
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return None
        if case == "badjson":
            return self.reply(200, '{"generated_text": "Astro')
        if case == "empty":
            return self.answer(hf, "")
        if case == "long":
            return self.answer(hf, "Geology, Rocks, Minerals" + " and more" * 3000)
        if case == "leak":
            return self.answer(hf, "Secrets, %s, Tokens" % (auth or "").split()[-1])
        if case.startswith("conc"):
            time.sleep(0.4)
            return self.answer(hf, "Waiting, Queues, Time")
        if case in MULTI:
            return self.answer(hf, MULTI[case])
        if case in SINGLE:
            return self.answer(hf, SINGLE[case][0])
        if case in ("slow", "e500", "e429", "e429date", "drop", "ok"):
            return self.answer(hf, "Recovered, Answers, Here")
        return self.reply(404, '{"error": "unknown case"}')


# ---------------------------------------------------------------- helpers

WORDS = {  # keyword material so that a fallback has something to show
    "fail": "volcano lava eruption magma crater", "echo401": "violin cello orchestra bow",
    "empty": "glacier ice fjord moraine", "badjson": "kernel driver module interrupt",
}


def write_tsv(path, cases):
    with open(path, "w") as f:
        for i, c in enumerate(cases):
            w = WORDS.get(c, "sample words about things")
            for j in range(4):
                f.write("%d\tcase=%s text %d %s %s\n" % (10 * i + 3, c, j, w, "\u00e9t\u00e9" * j))


def run(args, env_extra=None):
    env = dict(os.environ)
    for k in ("OPENAI_API_KEY", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HOME", "http_proxy",
              "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        env.pop(k, None)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(env_extra or {})
    t0 = time.monotonic()
    p = subprocess.run([DRIVER, "llm"] + args, capture_output=True, text=True, env=env,
                       timeout=120)
    lines = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
    res = {c["label"]: c for c in lines[:-1]}
    return res, lines[-1], p, time.monotonic() - t0


def reset():
    with S.lock:
        S.attempts.clear()
        S.times.clear()
        S.bodies.clear()
        S.paths.clear()
        S.total = 0
        S.max_in_flight = 0


# ---------------------------------------------------------------- the tests

def main():
    if not os.path.exists(DRIVER):
        print("missing %s: build it with make %s" % (DRIVER, DRIVER), file=sys.stderr)
        return 1
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % srv.server_address[1]
    tmp = tempfile.mkdtemp(prefix="label_llm_test.")
    outputs = []
    try:
        # ---- run 1: OpenAI API, multiple_topics, every fault
        cases = list(MULTI) + ["slow", "e500", "e429", "e429date", "drop", "badjson", "empty", "long",
                               "fail", "echo401", "leak"] + ["conc%d" % i for i in range(6)]
        tsv = os.path.join(tmp, "multi.tsv")
        write_tsv(tsv, cases)
        lab = {c: 10 * i + 3 for i, c in enumerate(cases)}
        cache = os.path.join(tmp, "cache-openai")
        S.expect_auth = "Bearer " + SECRET
        S.timeout = 1.0
        args = ["--api", "openai", "--url", base + "/v1", "--model", "stand-in-model",
                "--key", SECRET, "--cache", cache, "--concurrency", "3", "--timeout", "1",
                "--retries", "3", "--retry-delay", "0.2", "--examples", "3",
                "--max-new-tokens", "48", tsv]
        reset()
        res, tail, p, secs = run(args)
        outputs += [p.stdout, p.stderr]
        check(p.returncode == 0 and tail["rc"] == 0, "run 1 failed: %s %s" % (tail, p.stderr[-2000:]))
        check(S.auth_ok, "a request lacked the right bearer token")
        check(all(x == "/v1/chat/completions" for x in S.paths), "paths %s" % set(S.paths))
        b = S.bodies[0]
        check(b.get("model") == "stand-in-model" and b.get("max_tokens") == 48 and
              b.get("temperature") == 0 and b["messages"][0]["role"] == "user",
              "OpenAI request body %s" % {k: v for k, v in b.items() if k != "messages"})
        prompt = b["messages"][0]["content"]
        check("Example 1:\n" in prompt and "Example 3:\n" in prompt and "Example 4:" not in prompt,
              "three examples in the prompt")
        want = {"plain": "Astronomy, Space, Physics", "bold": "Astronomy, Space, Physics",
                "quoted": "Baking, Bread, Ovens", "preamble": "Football, Leagues, Referees",
                "prefix": "Chess, Openings, Endgames", "paren": "Music",
                "slow": "Recovered, Answers, Here", "e500": "Recovered, Answers, Here",
                "e429": "Recovered, Answers, Here", "e429date": "Recovered, Answers, Here",
                "drop": "Recovered, Answers, Here",
                "badjson": '{"generated_text": "Astro', "leak": "Secrets, [hidden], Tokens"}
        for c, w in want.items():
            got = res.get(lab[c], {}).get("summary")
            check(got == w, "case %s: summary %r, want %r" % (c, got, w))
        long_s = res.get(lab["long"], {}).get("summary", "")
        check(long_s.startswith("Geology, Rocks, Minerals and more") and len(long_s.encode()) <= 200,
              "over-long answer kept short: %d bytes" % len(long_s.encode()))
        for c in ("fail", "echo401", "empty"):
            r = res.get(lab[c], {})
            check(r.get("summary") and r.get("summary") in r.get("keywords", "") and
                  any(w in r["summary"] for w in WORDS[c].split()),
                  "case %s falls back to keywords: %r" % (c, r))
        att = S.attempts
        expect = {"plain": 1, "slow": 2, "e500": 3, "e429": 2, "drop": 2, "badjson": 2,
                  "empty": 2, "fail": 4, "echo401": 1, "long": 1}
        for c, n in expect.items():
            check(att.get(c) == n, "case %s: %s requests, want %d" % (c, att.get(c), n))
        gap = S.times["e429"][1] - S.times["e429"][0]
        check(gap >= 1.95, "Retry-After: 2 honoured (waited %.2f s)" % gap)
        gap = S.times["e429date"][1] - S.times["e429date"][0]
        check(att.get("e429date") == 2 and gap >= 1.5,
              "Retry-After as an HTTP date honoured (waited %.2f s)" % gap)
        check(S.max_in_flight <= 3, "at most 3 requests in flight, saw %d" % S.max_in_flight)
        check(S.max_in_flight >= 2, "requests ran concurrently (max %d)" % S.max_in_flight)
        st = tail["stats"]
        check(st["n_requests"] == S.total, "stats.n_requests %d vs server %d" % (st["n_requests"], S.total))
        check(st["n_retries"] == S.total - len(cases), "stats.n_retries %d" % st["n_retries"])
        check(st["n_failed"] == 3 and st["n_malformed"] == 1 and st["n_cache_hits"] == 0,
              "stats %s" % st)
        check("gave up after 4 attempts" in p.stderr and "HTTP 503" in p.stderr,
              "final error for the failing cluster in stderr")
        check("HTTP 401" in p.stderr and "Bearer [hidden]" in p.stderr, "401 reported, token redacted")
        print("run 1: %.1f s, %d requests, max in flight %d" % (secs, S.total, S.max_in_flight))

        # ---- run 2: the same again: only what failed or was not cached is asked again
        reset()
        res2, tail2, p, secs = run(args)
        outputs += [p.stdout, p.stderr]
        check(S.attempts == {"fail": 4, "echo401": 1, "badjson": 2, "empty": 2},
              "re-run asks only the uncached clusters: %s" % S.attempts)
        check(tail2["stats"]["n_cache_hits"] == len(cases) - 4, "cache hits %s" % tail2["stats"])
        check(res2 == res, "re-run gives the same labels")
        print("run 2: %.1f s, %d requests" % (secs, S.total))

        # ---- run 3: HF text generation, single_topic, token from $HF_HOME/token
        scases = list(SINGLE)
        stsv = os.path.join(tmp, "single.tsv")
        write_tsv(stsv, scases)
        slab = {c: 10 * i + 3 for i, c in enumerate(scases)}
        hf_home = os.path.join(tmp, "hf-home")
        os.makedirs(hf_home)
        with open(os.path.join(hf_home, "token"), "w") as f:
            f.write(HF_SECRET + "\n")
        S.expect_auth = "Bearer " + HF_SECRET
        cache2 = os.path.join(tmp, "cache-hf")
        hargs = ["--api", "hf", "--url", base, "--mode", "single", "--cache", cache2,
                 "--concurrency", "2", "--timeout", "5", "--max-new-tokens", "40", stsv]
        reset()
        res3, tail3, p, secs = run(hargs, {"HF_HOME": hf_home})
        outputs += [p.stdout, p.stderr]
        check(p.returncode == 0 and S.auth_ok, "run 3: %s %s" % (tail3, p.stderr[-1000:]))
        check(all(x == "/generate" for x in S.paths), "HF paths %s" % set(S.paths))
        b = S.bodies[0]
        check(b["parameters"].get("max_new_tokens") == 40 and b["parameters"].get("do_sample") is False
              and "temperature" not in b["parameters"] and b["inputs"].startswith("[INST]"),
              "HF request body %s" % b["parameters"])
        for c, (_, topic, score) in SINGLE.items():
            r = res3.get(slab[c], {})
            check(r.get("topic") == topic and r.get("score") == score and
                  r.get("summary") == "%s. Educational score: %d" % (topic, score),
                  "case %s: %r" % (c, r))
        check(max(S.attempts.values()) == 1 and S.max_in_flight <= 2, "one request each, <= 2 at once")
        # a clean re-run costs nothing
        reset()
        res4, tail4, p, secs = run(hargs, {"HF_HOME": hf_home})
        outputs += [p.stdout, p.stderr]
        check(S.total == 0 and tail4["stats"]["n_requests"] == 0 and
              tail4["stats"]["n_cache_hits"] == len(scases), "cached re-run made %d requests" % S.total)
        check(res4 == res3, "cached re-run gives the same labels")
        # a new prompt (other instruction) is not in the cache
        ins = os.path.join(tmp, "instruction.txt")
        with open(ins, "w") as f:
            f.write("Say the topic as Topic: <t>, Educational value rating: <n>")
        reset()
        res5, tail5, p, secs = run(hargs[:-1] + ["--instruction", ins, stsv], {"HF_HOME": hf_home})
        outputs += [p.stdout, p.stderr]
        check(S.total == len(scases) and "Say the topic as" in S.bodies[0]["inputs"],
              "a changed instruction is a new prompt (%d requests)" % S.total)

        # ---- run 4: key from OPENAI_API_KEY, concurrency 1
        ctsv = os.path.join(tmp, "conc.tsv")
        write_tsv(ctsv, ["conc%d" % i for i in range(3)] + ["plain"])
        S.expect_auth = "Bearer " + SECRET
        reset()
        res6, tail6, p, secs = run(["--api", "openai", "--url", base + "/v1/chat/completions",
                                    "--concurrency", "1", "--temperature", "0.7", ctsv],
                                   {"OPENAI_API_KEY": SECRET})
        outputs += [p.stdout, p.stderr]
        check(p.returncode == 0 and S.auth_ok and S.total == 4, "run 4: %s" % tail6)
        check(S.max_in_flight == 1, "concurrency 1 keeps one request in flight (saw %d)" % S.max_in_flight)
        check("model" not in S.bodies[0] and S.bodies[0].get("temperature") == 0.7,
              "no model field when none is given; temperature passed on")

        # ---- secrets: nowhere in outputs or files
        for o in outputs:
            check(SECRET not in o and HF_SECRET not in o, "a secret appears in stdout/stderr")
        n_files = 0
        for d, _, fs in os.walk(tmp):
            for fn in fs:
                path = os.path.join(d, fn)
                if path.startswith(hf_home):
                    continue  # the token file the test wrote itself
                n_files += 1
                data = open(path, "rb").read()
                check(SECRET.encode() not in data and HF_SECRET.encode() not in data,
                      "a secret appears in %s" % path)
        check(n_files >= len(cases), "cache files were written (%d files)" % n_files)
        check(not [f for f in os.listdir(cache) if f.startswith(".")], "no temporary cache files left")
    finally:
        srv.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    print("label_llm_test: %d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
