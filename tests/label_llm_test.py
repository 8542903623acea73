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
no output and no file. Further runs check what an untrusted server can do:
replies that are not the API's shape or are huge fall back to keywords (and
count as fallen back), control characters never reach a name, a key echoed
back raw, cut, JSON-escaped or percent-encoded is never printed, secrets in
the URL's userinfo and query stay out of every output, and Retry-After waits
are cut to the request timeout with a bound on a cluster's total time."""
import email.utils
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BUILD = os.environ.get("BUILD", "build")
DRIVER = os.path.join(BUILD, "tests", "test_label")
SECRET = "sk-FAKE-7f3a9c-DO-NOT-LEAK"
HF_SECRET = "hf_FAKEtoken5b21e0NOLEAK"
# as long as hosted APIs' keys, with '-' and '_' for the escapes to work on
LONG_SECRET = "sk-proj-" + "".join("Zq8-Lm_3Xv"[(i * 7) % 10] for i in range(156))
LONG_HF_SECRET = "hf_" + "".join("Kp4_Rt-9Wy"[(i * 3) % 10] for i in range(161))
URL_PASS = "urlPASSw0rd-77aa"
URL_QSECRET = "QSECRET-91bd3e0f"

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
        self.queries = []
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
        path, _, query = self.path.partition("?")
        hf = path.endswith("/generate")
        body = json.loads(raw)
        prompt = body["inputs"] if hf else body["messages"][0]["content"]
        case = prompt.split("case=", 1)[1].split()[0] if "case=" in prompt else "none"
        auth = self.headers.get("Authorization")
        with S.lock:
            S.total += 1
            S.attempts[case] = S.attempts.get(case, 0) + 1
            S.times.setdefault(case, []).append(time.monotonic())
            S.bodies.append(body)
            S.paths.append(path)
            S.queries.append(query)
            k = S.attempts[case]
            if case != "echo401" and auth != S.expect_auth:
                S.auth_ok = False
        if case == "echo401":
            return self.reply(401, json.dumps({"error": "bad token: %s" % auth}))
        key = (auth or "").split()[-1] if auth else ""
        if case == "echo401cut":  # the key straddles the point where an excerpt is cut
            return self.reply(401, '{"error": {"message": "Incorrect API key provided: %s. You '
                              'can find your API key at https://example.com/keys."}}'
                              % (("x" * (130 - 52)) + " " + key))
        if case == "echo401esc":  # JSON escapes for every '-' and '_'
            esc = key.replace("-", "\\u002d").replace("_", "\\u005F")
            return self.reply(401, '{"error": "bad key %s"}' % esc)
        if case == "echo401pct":
            return self.reply(401, '{"error": "bad key %s"}' % urllib.parse.quote(key, safe=""))
        if case == "echo401url":  # what a proxy might send back: the request line
            return self.reply(401, json.dumps({"error": "denied: POST %s" % self.path}))
        if case == "leakpct":
            return self.answer(hf, "Secrets, %s, Tokens" % urllib.parse.quote(key, safe=""))
        if case == "shape_str":
            return self.reply(200, '{"choices": "nope"}')
        if case == "shape_empty":
            return self.reply(200, '{"choices": []}')
        if case == "shape_null":
            return self.reply(200, '{"choices": [{"message": {"content": null}}]}')
        if case == "nonjson":
            return self.reply(200, "x" * 50)
        if case.startswith("huge"):
            # the client stops reading long before the end: do not count the
            # rest of the write as a request in flight
            with S.lock:
                S.in_flight -= 1
                self.counted = False
        if case == "huge":  # 10 MB with its length announced
            return self.reply(200, b"x" * (10 << 20))
        if case == "huge_chunked":  # 10 MB of JSON-looking text, length not announced
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.close_connection = True
            self.wfile.write(b'{"choices": [{"message": {"content": "')
            for _ in range(10):
                self.wfile.write(b"x" * (1 << 20))
            self.wfile.write(b'"}}]}')
            return None
        if case == "ctrl":
            return self.answer(hf, "\x1b]52;c;SGVsbG8=\x07Astro\u202enomy\x1b[31m, Space\x00,\r\n"
                               "Physics\x9b")
        if case == "ctrlonly":
            return self.answer(hf, "\x1b\x07\x00\u2028")
        if case == "prose":
            return self.answer(hf, "(no topics for these)")
        if case == "ra_long" and k == 1:
            return self.reply(429, '{"error": "slow down"}', [("Retry-After", "3600")])
        if case == "ra_slow":  # always limited, slowly: only the total bound ends it
            time.sleep(1.0)
            return self.reply(429, '{"error": "slow down"}', [("Retry-After", "3600")])
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
        if case in ("slow", "e500", "e429", "e429date", "drop", "ok", "ra_long"):
            return self.answer(hf, "Recovered, Answers, Here")
        return self.reply(404, '{"error": "unknown case"}')


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # the client aborting a huge reply is part of the test, not an error
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


# ---------------------------------------------------------------- helpers

WORDS = {  # keyword material so that a fallback has something to show
    "fail": "volcano lava eruption magma crater", "echo401": "violin cello orchestra bow",
    "empty": "glacier ice fjord moraine", "badjson": "kernel driver module interrupt",
    "shape_str": "harbour ferry pier dock", "shape_empty": "saddle stirrup bridle reins",
    "shape_null": "comet nucleus coma tail", "nonjson": "lichen moss fern spore",
    "huge": "anvil forge hammer smith", "huge_chunked": "kiln pottery glaze clay",
    "ctrlonly": "tulip bulb petal stem",
}
GARBAGE = ["shape_str", "shape_empty", "shape_null", "nonjson", "huge", "huge_chunked", "ctrlonly"]


def decoded_forms(text):
    """text, and text with JSON \\uXXXX escapes and then percent escapes undone"""
    j = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return [text, j, urllib.parse.unquote(j)]


def leaks(text, secret, piece=8):
    """the first piece of secret (piece bytes or more) found in text in any form"""
    for form in decoded_forms(text):
        for i in range(len(secret) - piece + 1):
            if secret[i:i + piece] in form:
                return secret[i:i + piece]
    return None


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
        S.queries.clear()
        S.total = 0
        S.max_in_flight = 0


# ---------------------------------------------------------------- the tests

def main():
    if not os.path.exists(DRIVER):
        print("missing %s: build it with make %s" % (DRIVER, DRIVER), file=sys.stderr)
        return 1
    srv = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % srv.server_address[1]
    tmp = tempfile.mkdtemp(prefix="label_llm_test.")
    outputs = []
    try:
        # ---- run 1: OpenAI API, multiple_topics, every fault
        cases = list(MULTI) + ["slow", "e500", "e429", "e429date", "drop", "badjson", "empty", "long",
                               "fail", "echo401", "leak", "ctrl", "prose"] + GARBAGE + \
            ["conc%d" % i for i in range(6)]
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
                "drop": "Recovered, Answers, Here", "leak": "Secrets, [hidden], Tokens",
                "ctrl": "]52;c;SGVsbG8=Astronomy[31m, Space", "prose": "(no topics for these)"}
        for c, w in want.items():
            got = res.get(lab[c], {}).get("summary")
            check(got == w, "case %s: summary %r, want %r" % (c, got, w))
        long_s = res.get(lab["long"], {}).get("summary", "")
        check(long_s.startswith("Geology, Rocks, Minerals and more") and len(long_s.encode()) <= 200,
              "over-long answer kept short: %d bytes" % len(long_s.encode()))
        for c in ["fail", "echo401", "empty", "badjson"] + GARBAGE:
            r = res.get(lab[c], {})
            check(r.get("summary") and r.get("summary") in r.get("keywords", "") and
                  any(w in r["summary"] for w in WORDS[c].split()),
                  "case %s falls back to keywords: %r" % (c, r))
        att = S.attempts
        expect = {"plain": 1, "slow": 2, "e500": 3, "e429": 2, "drop": 2, "badjson": 2,
                  "empty": 2, "fail": 4, "echo401": 1, "long": 1, "ctrl": 1}
        expect.update({c: 2 for c in GARBAGE})  # one more try at once, then keywords
        for c, n in expect.items():
            check(att.get(c) == n, "case %s: %s requests, want %d" % (c, att.get(c), n))
        # Retry-After 2 s and 3 s with a 1 s timeout: the waits are cut to 1 s, with a warning
        gap = S.times["e429"][1] - S.times["e429"][0]
        check(0.95 <= gap < 1.8, "Retry-After: 2 cut to the 1 s timeout (waited %.2f s)" % gap)
        gap = S.times["e429date"][1] - S.times["e429date"][0]
        check(att.get("e429date") == 2 and 0.9 <= gap < 1.8,
              "Retry-After as an HTTP date cut to the timeout (waited %.2f s)" % gap)
        check("Retry-After" in p.stderr and "request timeout" in p.stderr,
              "a warning says that Retry-After was cut")
        for c in GARBAGE + ["badjson"]:
            r = res.get(lab[c], {})
            check("x" * 10 not in r.get("summary", "") and "nope" not in r.get("summary", ""),
                  "case %s: garbage is no name: %r" % (c, r.get("summary")))
        check("not the chat-completions API's JSON" in p.stderr and "over 1048576 bytes" in p.stderr,
              "garbage replies are reported as such")
        for r in res.values():
            check(not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]", r["summary"]),
                  "no control character in a name: %r" % r["summary"])
        check(S.max_in_flight <= 3, "at most 3 requests in flight, saw %d" % S.max_in_flight)
        check(S.max_in_flight >= 2, "requests ran concurrently (max %d)" % S.max_in_flight)
        st = tail["stats"]
        check(st["n_requests"] == S.total, "stats.n_requests %d vs server %d" % (st["n_requests"], S.total))
        check(st["n_retries"] == S.total - len(cases), "stats.n_retries %d" % st["n_retries"])
        check(st["n_failed"] == 4 + len(GARBAGE) and st["n_malformed"] == 1 and
              st["n_cache_hits"] == 0, "stats %s" % st)
        check("label: %d of %d clusters have keyword labels" % (4 + len(GARBAGE), len(cases))
              in p.stderr, "the summary counts the garbage replies as fallen back")
        check("gave up after 4 attempts" in p.stderr and "HTTP 503" in p.stderr,
              "final error for the failing cluster in stderr")
        check("HTTP 401" in p.stderr and "Bearer [hidden]" in p.stderr, "401 reported, token redacted")
        print("run 1: %.1f s, %d requests, max in flight %d" % (secs, S.total, S.max_in_flight))

        # ---- run 2: the same again: only what failed or was not cached is asked again
        reset()
        res2, tail2, p, secs = run(args)
        outputs += [p.stdout, p.stderr]
        again = {"fail": 4, "echo401": 1, "badjson": 2, "empty": 2}
        again.update({c: 2 for c in GARBAGE})
        check(S.attempts == again, "re-run asks only the uncached clusters: %s" % S.attempts)
        check(tail2["stats"]["n_cache_hits"] == len(cases) - len(again),
              "cache hits %s" % tail2["stats"])
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

        # ---- run 5: a long key echoed back in every form; secrets in the URL
        ltsv = os.path.join(tmp, "leak.tsv")
        lcases = ["echo401cut", "echo401esc", "echo401pct", "echo401url", "leakpct", "plain"]
        write_tsv(ltsv, lcases)
        llab = {c: 10 * i + 3 for i, c in enumerate(lcases)}
        S.expect_auth = "Bearer " + LONG_SECRET
        url = base.replace("http://", "http://user:%s@" % URL_PASS) + \
            "/v1/?api-key=%s&api-version=2024-02-01" % URL_QSECRET
        reset()
        res7, tail7, p, secs = run(["--api", "openai", "--url", url, "--cache",
                                    os.path.join(tmp, "cache-leak"), "--retries", "0", ltsv],
                                   {"OPENAI_API_KEY": LONG_SECRET})
        outputs += [p.stdout, p.stderr]
        check(p.returncode == 0 and S.auth_ok, "run 5: %s %s" % (tail7, p.stderr[-1000:]))
        check(set(S.paths) == {"/v1/chat/completions"} and
              set(S.queries) == {"api-key=%s&api-version=2024-02-01" % URL_QSECRET},
              "the API path goes before the query string: %s %s" % (set(S.paths), set(S.queries)))
        check(res7.get(llab["leakpct"], {}).get("summary") == "Secrets, [hidden], Tokens",
              "a percent-encoded key in an answer is hidden: %r" % res7.get(llab["leakpct"]))
        check(p.stderr.count("HTTP 401") >= 4, "the four 401s are reported")
        for sec in (LONG_SECRET, URL_PASS, URL_QSECRET):
            got = leaks(p.stdout + p.stderr, sec)
            check(got is None, "a piece of a secret (%r) is printed in run 5" % got)
        print("run 5: %.1f s" % secs)
        # the same for a Hugging Face token
        S.expect_auth = "Bearer " + LONG_HF_SECRET
        reset()
        res7, tail7, p, secs = run(["--api", "hf", "--url", base, "--retries", "0", ltsv],
                                   {"HF_TOKEN": LONG_HF_SECRET})
        outputs += [p.stdout, p.stderr]
        check(p.returncode == 0 and S.auth_ok and set(S.paths) == {"/generate"},
              "run 5 (hf): %s %s" % (tail7, set(S.paths)))
        check(p.stderr.count("HTTP 401") >= 4, "the four 401s are reported (hf)")
        got = leaks(p.stdout + p.stderr, LONG_HF_SECRET)
        check(got is None, "a piece of the HF token (%r) is printed in run 5" % got)

        # ---- run 6: Retry-After longer than the timeout; a cluster's total time is bounded
        rtsv = os.path.join(tmp, "ra.tsv")
        write_tsv(rtsv, ["e429", "ra_long", "ra_slow"])
        S.expect_auth = None
        reset()
        res8, tail8, p, secs = run(["--api", "openai", "--url", base + "/v1", "--timeout", "2.5",
                                    "--retries", "3", "--retry-delay", "0.1", rtsv])
        outputs += [p.stdout, p.stderr]
        check(p.returncode == 0, "run 6: %s %s" % (tail8, p.stderr[-1000:]))
        gap = S.times["e429"][1] - S.times["e429"][0]
        check(1.95 <= gap < 2.4, "Retry-After: 2 under a 2.5 s timeout honoured (waited %.2f s)" % gap)
        gap = S.times["ra_long"][1] - S.times["ra_long"][0]
        check(2.45 <= gap < 3.4, "Retry-After: 3600 cut to the 2.5 s timeout (waited %.2f s)" % gap)
        check("asked to wait 3600 s" in p.stderr, "the cut Retry-After is named in a warning")
        # ra_slow: 1 s per answer + 2.5 s per wait; (3 + 1) x 2.5 = 10 s bounds it: 3 attempts, not 4
        check(S.attempts.get("ra_slow") == 3, "ra_slow: %s attempts, want 3" % S.attempts.get("ra_slow"))
        check("waiting as asked would pass 10 s" in p.stderr, "the total bound is reported")
        check(secs < 15, "run 6 took %.1f s" % secs)
        print("run 6: %.1f s" % secs)

        # ---- run 7: TLS verification is on: a self-signed https stand-in is refused
        cert = os.path.join(tmp, "self-signed.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", cert, "-out", cert], check=True, capture_output=True)
        tls = Server(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert)
        tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
        threading.Thread(target=tls.serve_forever, daemon=True).start()
        ttsv = os.path.join(tmp, "tls.tsv")
        write_tsv(ttsv, ["plain"])
        reset()
        res9, tail9, p, secs = run(["--api", "openai", "--url", "https://127.0.0.1:%d/v1" %
                                    tls.server_address[1], "--retries", "0", ttsv],
                                   {"OPENAI_API_KEY": SECRET})
        tls.shutdown()
        outputs += [p.stdout, p.stderr]
        check(p.returncode == 0 and S.total == 0 and tail9["stats"]["n_failed"] == 1,
              "a self-signed certificate is refused: %d requests, %s" % (S.total, tail9))
        check("certificate" in p.stderr.lower(), "the refusal names the certificate: %s" %
              p.stderr[-500:])
        os.remove(cert)

        # ---- secrets: nowhere in outputs or files
        for o in outputs:
            check(SECRET not in o and HF_SECRET not in o, "a secret appears in stdout/stderr")
            for sec in (SECRET, HF_SECRET, LONG_SECRET, LONG_HF_SECRET, URL_PASS, URL_QSECRET):
                got = leaks(o, sec)
                check(got is None, "a piece of a secret (%r) appears in stdout/stderr" % got)
        n_files = 0
        for d, _, fs in os.walk(tmp):
            for fn in fs:
                path = os.path.join(d, fn)
                if path.startswith(hf_home):
                    continue  # the token file the test wrote itself
                n_files += 1
                data = open(path, "rb").read()
                for sec in (SECRET, HF_SECRET, LONG_SECRET, LONG_HF_SECRET, URL_PASS, URL_QSECRET):
                    got = leaks(data.decode("utf-8", "replace"), sec) or leaks(fn, sec)
                    check(got is None, "a piece of a secret (%r) appears in %s" % (got, path))
        check(n_files >= len(cases), "cache files were written (%d files)" % n_files)
        check(not [f for f in os.listdir(cache) if f.startswith(".")], "no temporary cache files left")
    finally:
        srv.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    print("label_llm_test: %d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
