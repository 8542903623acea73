#!/usr/bin/python3
"""A stand-in for the Hugging Face hub on 127.0.0.1 (standard library only).

Serves a model folder in the hub's URL layout, as huggingface_hub expects it:
  GET  /api/models/ORG/NAME/revision/REV   {"id", "sha", "siblings": [{"rfilename"}]}
  HEAD/GET /ORG/NAME/resolve/REV/FILE      small files: 200, ETag = git blob sha1;
                                           model.safetensors (LFS): 302 to the CDN,
                                           X-Linked-Etag = sha256, X-Linked-Size
                                           tokenizer.json: 307 to the relative
                                           /api/resolve-cache/models/ORG/NAME/SHA/FILE, as
                                           the hub answers for some small files
  GET  /cdn/SHA256?sig=...                 302 to the same URL with &hop=1 (a signed URL
                                           that moves once more)
  GET  /cdn/SHA256?sig=...&hop=1           the LFS bytes, with Range (206)
every hub answer with X-Repo-Commit. The CDN is addressed as http://localhost:PORT,
another host than the endpoint's 127.0.0.1, so a client must not send it the
token. Repositories (ORG is always tc-test):
  bert          the model folder as it is
  corrupt       the same, but the CDN sends model.safetensors with one byte
                changed (the sha256 ETag stays that of the right bytes)
  pytorch-only  config.json and pytorch_model.bin
  gated         the model; 401 without "Authorization: Bearer <--token>"
Faults (--faults, each once): api500 (the first model info request answers
500), cut (the first CDN GET sends half the bytes, then closes).
Every request is logged to --log as a JSON line: method, path, host,
t (seconds), authorization, range. The port goes to --port-file once listening.
With --datasets DIR (the Parquet fixtures), dataset repositories are served
too: see DatasetHub below.

Pushes (the Upload class and do_POST / do_PUT below; huggingface_hub v1.0.0's
requests, and the Git LFS batch API):
  POST /api/repos/create                       {"name", "organization", "private", "type"};
                                               409 when the repository exists
  POST /api/datasets/ORG/NAME/preupload/REV    uploadMode "lfs" (a NAME with "regular" in
                                               it: "regular"), oid = the sha256 the repo holds
  POST /datasets/ORG/NAME.git/info/lfs/objects/batch
                                               an object the store has: no actions; one of at
                                               most --lfs-chunk bytes: a PUT to the storage
                                               port with an X-Tc-Storage header to send back;
                                               a larger one: multipart, chunk_size --lfs-chunk,
                                               parts on the storage port, completion on the
                                               hub; every upload gets a verify action
  PUT  (storage) /lfs-put/OID?sig=...          the body must hash to OID and have its size
  PUT  (storage) /lfs-part/OID/N?sig=...       one part; answers an ETag
  POST /lfs-complete/OID                       {"oid", "parts": [{"partNumber", "etag"}]}
  POST /lfs-verify/OID                         {"oid", "size"}: 404 unless stored
  POST /api/datasets/ORG/NAME/commit/REV       NDJSON: header, lfsFile (oid in the store,
                                               size right), file (base64)
The storage is a second server on another port of 127.0.0.1 (another origin:
no token may go there); its port goes to --port-file.storage. Upload requests
are logged with their headers, the JSON or NDJSON they sent and, for PUTs,
the sha256 and size of the body. --read-token T: a token that gets 403 on
every push request. Faults: push429 (the first LFS batch answers 429 with
Retry-After: 1), put500 (the first PUT answers 500 after reading the body);
a commit to a NAME with "fail-commit" in it always answers 503.

  hub_server.py --model DIR --log FILE --port-file FILE [--faults api500,cut,push429] [--token T]
                [--read-token T] [--lfs-chunk N] [--datasets DIR]
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import threading
import time
from urllib.parse import unquote, urlsplit

ORG = "tc-test"


def git_blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def load_model(folder):
    files = {}
    for dirpath, _, names in os.walk(folder):
        for n in names:
            p = os.path.join(dirpath, n)
            files[os.path.relpath(p, folder).replace(os.sep, "/")] = open(p, "rb").read()
    return files


class Hub:
    def __init__(self, args):
        model = load_model(args.model)
        self.repos = {
            "bert": model,
            "corrupt": model,
            "gated": model,
            "pytorch-only": {"config.json": model["config.json"], "pytorch_model.bin": b"\x80\x02not really"},
        }
        self.commit = {r: hashlib.sha1(("commit of " + r).encode()).hexdigest() for r in self.repos}
        self.token = args.token
        self.faults = set(filter(None, args.faults.split(",")))
        self.datasets = DatasetHub(self, args.datasets, args.token) if args.datasets else None
        self.lock = threading.Lock()
        self.log = open(args.log, "a", buffering=1)
        self.upload = Upload(args)
        self.lfs = {}  # sha256 -> (bytes, repo)
        for repo, files in self.repos.items():
            for name, data in files.items():
                if name.endswith(".safetensors"):
                    self.lfs[hashlib.sha256(data).hexdigest() + ("-bad" if repo == "corrupt" else "")] = data

    def fault(self, name):
        with self.lock:
            if name in self.faults:
                self.faults.discard(name)
                return True
            return False


class Upload:
    """What pushes left: repositories, their files, the LFS store."""

    def __init__(self, args):
        self.token = args.token
        self.read_token = args.read_token
        self.chunk = args.lfs_chunk
        self.repos = {}    # "ORG/NAME" -> {"private": bool, "files": {path: (oid, size)}, "commits": n}
        self.store = {}    # sha256 -> bytes
        self.parts = {}    # (sha256, n) -> bytes
        self.storage_port = None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self):
        hub = self.server.hub
        entry = {"method": self.command, "path": self.path, "host": self.headers.get("Host"), "t": time.time(),
                 "authorization": self.headers.get("Authorization"), "range": self.headers.get("Range")}
        with hub.lock:
            hub.log.write(json.dumps(entry) + "\n")

    def send(self, status, body=b"", headers=(), length=None):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, message):
        self.send(status, json.dumps({"error": message}).encode(), [("Content-Type", "application/json")])

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        self.record()
        hub = self.server.hub
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.split("/")[1:]]
        if hub.datasets and hub.datasets.handle(self, parts, url):
            return
        if parts[:1] == ["cdn"] and len(parts) == 2:
            if "hop=1" not in url.query:
                return self.send(302, b"", [("Location", self.path + "&hop=1")])
            return self.cdn(parts[1])
        if parts[:3] == ["api", "resolve-cache", "models"] and len(parts) >= 7:
            parts = [parts[3], parts[4], "resolve"] + parts[5:]
            cached = True
        else:
            cached = False
        if parts[:2] == ["api", "models"] and len(parts) >= 6 and parts[4] == "revision":
            org, repo, rev = parts[2], parts[3], "/".join(parts[5:])
            if not self.allowed(org, repo):
                return
            if hub.fault("api500"):
                return self.error(500, "Internal Error - We're working hard to fix this as soon as possible!")
            if rev not in ("main", hub.commit[repo]):
                return self.error(404, "Invalid rev id: " + rev)
            info = {"_id": "0" * 24, "id": f"{org}/{repo}", "sha": hub.commit[repo], "private": False,
                    "siblings": [{"rfilename": n} for n in sorted(hub.repos[repo])] + [{"rfilename": ".gitattributes"}]}
            return self.send(200, json.dumps(info).encode(), [("Content-Type", "application/json")])
        if len(parts) >= 5 and parts[2] == "resolve":
            org, repo, rev, name = parts[0], parts[1], parts[3], "/".join(parts[4:])
            if not self.allowed(org, repo):
                return
            if rev not in ("main", hub.commit[repo]) or name not in hub.repos[repo]:
                return self.send(404, b"Entry not found", [("X-Error-Code", "EntryNotFound")])
            data = hub.repos[repo][name]
            common = [("X-Repo-Commit", hub.commit[repo])]
            if name.endswith(".safetensors"):
                sha = hashlib.sha256(data).hexdigest()
                key = sha + ("-bad" if repo == "corrupt" else "")
                port = self.server.server_address[1]
                loc = f"http://localhost:{port}/cdn/{key}?X-Amz-Signature=0123456789abcdef0123"
                return self.send(302, b"", common + [("Location", loc), ("ETag", f'"{sha}"'),
                                                     ("X-Linked-Etag", f'"{sha}"'), ("X-Linked-Size", str(len(data)))])
            if name == "tokenizer.json" and not cached:
                return self.send(307, b"", common + [("Location", f"/api/resolve-cache/models/{org}/{repo}/{hub.commit[repo]}/{name}")])
            return self.send(200, data, common + [("ETag", f'"{git_blob_sha1(data)}"')])
        return self.error(404, "Repository not found")

    def allowed(self, org, repo):
        hub = self.server.hub
        if org != ORG or repo not in hub.repos:
            self.send(401, json.dumps({"error": "Repository Not Found"}).encode(),
                      [("X-Error-Code", "RepoNotFound"), ("Content-Type", "application/json")])
            return False
        if repo == "gated" and self.headers.get("Authorization") != f"Bearer {hub.token}":
            self.error(401, "Access to model tc-test/gated is restricted. You must have access to it "
                            "and be authenticated to access it. Please log in.")
            return False
        return True

    def cdn(self, key):
        hub = self.server.hub
        if key not in hub.lfs:
            return self.error(404, "no such object")
        data = hub.lfs[key]
        if key.endswith("-bad"):
            data = data[:100] + bytes([data[100] ^ 1]) + data[101:]
        self.send_blob(data, key[:64], "cut", 2)

    def send_blob(self, data, sha, fault, part):
        """An LFS object as the CDN sends it: a Range answered with 206; a plain GET
        under the fault (once) announces the whole length, sends 1/part of it, then
        drops the connection."""
        headers = [("ETag", f'"{sha}"'), ("Accept-Ranges", "bytes")]
        rng = self.headers.get("Range")
        if rng:
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(data):
                return self.send(416, b"", [("Content-Range", f"bytes */{len(data)}")])
            body = data[start:]
            return self.send(206, body, headers + [("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")])
        if self.command == "GET" and self.server.hub.fault(fault):
            self.send_response(200)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // part])
            self.wfile.flush()
            self.close_connection = True
            return
        return self.send(200, data, headers)

    # ------------------------------------------------------------------ pushes

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def record_upload(self, **extra):
        hub = self.server.hub
        entry = {"method": self.command, "path": self.path, "host": self.headers.get("Host"),
                 "authorization": self.headers.get("Authorization"), "headers": dict(self.headers.items()),
                 "time": time.time(), "port": self.server.server_address[1]}
        entry.update(extra)
        with hub.lock:
            hub.log.write(json.dumps(entry) + "\n")

    def json_answer(self, status, obj):
        self.send(status, json.dumps(obj).encode(), [("Content-Type", "application/json")])

    def may_write(self):
        up = self.server.hub.upload
        auth = self.headers.get("Authorization")
        if auth == f"Bearer {up.read_token}":
            self.json_answer(403, {"error": "You don't have the rights to create a dataset under the namespace"})
            return False
        if auth != f"Bearer {up.token}":
            self.json_answer(401, {"error": "Invalid credentials in Authorization header"})
            return False
        return True

    def do_PUT(self):
        body = self.read_body()
        sha = hashlib.sha256(body).hexdigest()
        self.record_upload(body_sha256=sha, body_size=len(body))
        up = self.server.hub.upload
        parts = urlsplit(self.path).path.split("/")[1:]
        if "sig=" not in urlsplit(self.path).query:
            return self.json_answer(403, {"error": "no signature"})
        if self.server.hub.fault("put500"):
            return self.json_answer(500, {"error": "storage hiccup"})
        if parts[:1] == ["lfs-put"] and len(parts) == 2:
            if sha != parts[1]:
                return self.json_answer(400, {"error": f"the body hashes to {sha}, not {parts[1]}"})
            up.store[sha] = body
            return self.send(200, b"", [("ETag", f'"{hashlib.md5(body).hexdigest()}"')])
        if parts[:1] == ["lfs-part"] and len(parts) == 3:
            up.parts[(parts[1], int(parts[2]))] = body
            return self.send(200, b"", [("ETag", f'"part-{parts[2]}-{hashlib.md5(body).hexdigest()}"')])
        return self.json_answer(404, {"error": "no such upload target"})

    def do_POST(self):
        hub = self.server.hub
        up = hub.upload
        raw = self.read_body()
        path = urlsplit(self.path).path
        parts = [unquote(p) for p in path.split("/")[1:]]
        if path.endswith("/commit/main") and parts[:2] == ["api", "datasets"]:
            lines = [json.loads(l) for l in raw.decode().split("\n") if l]
            self.record_upload(ndjson=lines)
            return self.commit(parts[2] + "/" + parts[3], lines)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self.record_upload(body=body)
        if parts == ["api", "repos", "create"]:
            return self.create(body)
        if len(parts) == 6 and parts[:2] == ["api", "datasets"] and parts[4] == "preupload":
            return self.preupload(parts[2] + "/" + parts[3], body)
        if len(parts) == 7 and parts[0] == "datasets" and parts[2].endswith(".git") and parts[3:] == ["info", "lfs", "objects", "batch"]:
            return self.batch(parts[1] + "/" + parts[2][:-4], body)
        if parts[:1] == ["lfs-complete"] and len(parts) == 2:
            return self.complete(parts[1], body)
        if parts[:1] == ["lfs-verify"] and len(parts) == 2:
            ok = body and body.get("oid") == parts[1] and len(up.store.get(parts[1], b"")) == body.get("size")
            return self.json_answer(200 if ok else 404, {"success": True} if ok else {"error": "not stored"})
        return self.json_answer(404, {"error": "no such endpoint"})

    def create(self, body):
        up = self.server.hub.upload
        if not self.may_write():
            return
        if not (isinstance(body, dict) and body.get("type") == "dataset" and isinstance(body.get("private"), bool)
                and isinstance(body.get("name"), str) and isinstance(body.get("organization"), str)):
            return self.json_answer(400, {"error": "bad create request"})
        repo = body["organization"] + "/" + body["name"]
        port = self.server.server_address[1]
        if repo in up.repos:
            return self.json_answer(409, {"error": "You already created this dataset repo",
                                          "url": f"http://127.0.0.1:{port}/datasets/{repo}"})
        up.repos[repo] = {"private": body["private"], "files": {}, "commits": 0}
        return self.json_answer(200, {"url": f"http://127.0.0.1:{port}/datasets/{repo}", "name": repo})

    def preupload(self, repo, body):
        up = self.server.hub.upload
        if not self.may_write():
            return
        if repo not in up.repos:
            return self.json_answer(404, {"error": "Repository not found"})
        files = []
        for f in body["files"]:
            assert set(f) == {"path", "sample", "size"}, f
            assert len(base64.b64decode(f["sample"])) == min(512, f["size"])
            held = up.repos[repo]["files"].get(f["path"])
            files.append({"path": f["path"], "uploadMode": "regular" if "regular" in repo else "lfs",
                          "shouldIgnore": False, "oid": held[0] if held else None})
        return self.json_answer(200, {"files": files, "commitOid": "0" * 40})

    def batch(self, repo, body):
        hub = self.server.hub
        up = hub.upload
        if not self.may_write():
            return
        if hub.fault("push429"):
            return self.send(429, b'{"error": "rate limited"}', [("Retry-After", "1"), ("Content-Type", "application/json")])
        if self.headers.get("Accept") != "application/vnd.git-lfs+json" or \
           self.headers.get("Content-Type") != "application/vnd.git-lfs+json":
            return self.json_answer(406, {"message": "not a git-lfs request"})
        assert body["operation"] == "upload" and body["hash_algo"] == "sha256", body
        assert "basic" in body["transfers"] and body["ref"] == {"name": "main"}, body
        port, sport = self.server.server_address[1], up.storage_port
        objects = []
        for o in body["objects"]:
            oid, size = o["oid"], o["size"]
            if oid in up.store:
                objects.append({"oid": oid, "size": size})
                continue
            verify = {"href": f"http://127.0.0.1:{port}/lfs-verify/{oid}", "header": {"X-Tc-Verify": "v1"}}
            if size > up.chunk and "multipart" in body["transfers"]:
                n = -(-size // up.chunk)
                header = {"chunk_size": str(up.chunk)}
                for i in range(n, 0, -1):  # the order must not matter
                    header[str(i)] = f"http://127.0.0.1:{sport}/lfs-part/{oid}/{i}?sig=part{i}"
                upload = {"href": f"http://127.0.0.1:{port}/lfs-complete/{oid}", "header": header}
            else:
                upload = {"href": f"http://127.0.0.1:{sport}/lfs-put/{oid}?sig=0123456789abcdef",
                          "header": {"X-Tc-Storage": "storage-ticket-1"}}
            objects.append({"oid": oid, "size": size, "authenticated": True,
                            "actions": {"upload": upload, "verify": verify}})
        return self.send(200, json.dumps({"transfer": "basic", "objects": objects}).encode(),
                         [("Content-Type", "application/vnd.git-lfs+json")])

    def complete(self, oid, body):
        up = self.server.hub.upload
        data = b""
        for i, p in enumerate(body["parts"], 1):
            chunk = up.parts.get((oid, p["partNumber"]))
            if p["partNumber"] != i or chunk is None or p["etag"] != f'"part-{i}-{hashlib.md5(chunk).hexdigest()}"':
                return self.json_answer(400, {"error": f"part {i}: wrong number or ETag"})
            data += chunk
        if hashlib.sha256(data).hexdigest() != oid:
            return self.json_answer(400, {"error": "the parts do not hash to the oid"})
        up.store[oid] = data
        return self.json_answer(200, {"success": True})

    def commit(self, repo, lines):
        up = self.server.hub.upload
        if not self.may_write():
            return
        if repo not in up.repos:
            return self.json_answer(404, {"error": "Repository not found"})
        if "fail-commit" in repo:
            return self.json_answer(503, {"error": "Service Unavailable"})
        if self.headers.get("Content-Type") != "application/x-ndjson" or lines[0]["key"] != "header":
            return self.json_answer(400, {"error": "not an NDJSON commit"})
        files = up.repos[repo]["files"]
        for l in lines[1:]:
            v = l["value"]
            if l["key"] == "lfsFile":
                if v.get("algo") != "sha256" or len(up.store.get(v["oid"], b"")) != v["size"]:
                    return self.json_answer(400, {"error": f"LFS object {v['oid']} is not uploaded"})
                files[v["path"]] = (v["oid"], v["size"])
            elif l["key"] == "file" and v.get("encoding") == "base64":
                data = base64.b64decode(v["content"])
                files[v["path"]] = (hashlib.sha256(data).hexdigest(), len(data))
            else:
                return self.json_answer(400, {"error": f"unknown line {l['key']}"})
        up.repos[repo]["commits"] += 1
        oid = hashlib.sha1(f"{repo} {up.repos[repo]['commits']}".encode()).hexdigest()
        port = self.server.server_address[1]
        return self.json_answer(200, {"success": True, "commitOid": oid,
                                      "commitUrl": f"http://127.0.0.1:{port}/datasets/{repo}/commit/{oid}"})


# ---------------------------------------------------------------- datasets

class DatasetHub:
    """Dataset repositories of ORG tc-test, from the Parquet fixtures DIR:
      ds-convert  main holds only README.md; the refs/convert/parquet branch holds
                  default/train/0000.parquet (snappy), default/train/0001.parquet (zstd),
                  default/test/0000.parquet (gzip); the listing
                  GET /api/datasets/ORG/NAME/parquet/default/train answers
                  [".../api/datasets/ORG/NAME/parquet/default/train/0.parquet", ...1.parquet],
                  and those URLs 302 to /datasets/ORG/NAME/resolve/refs%2Fconvert%2Fparquet/...
                  as the hub does; GET /api/datasets/ORG/NAME/parquet gives every config/split
      ds-files    no conversion (the listing is 404); main holds
                  data/train-0000{0,1}-of-00002.parquet (snappy, zstd) and
                  data/test-00000-of-00001.parquet (gzip), README.md
      ds-jsonl    no conversion; main holds train.jsonl and test.jsonl (expected.jsonl)
      ds-arrow    no conversion; main holds train/data-00000-of-00001.arrow
      ds-gated    ds-convert behind a token: 401 without "Authorization: Bearer <--token>"
    Revision API: GET /api/datasets/ORG/NAME/revision/{main,refs%2Fconvert%2Fparquet,SHA}.
    Resolve: HEAD/GET /datasets/ORG/NAME/resolve/REV/PATH: .parquet files are LFS, a 302 to
    the CDN /ds-cdn/SHA256 (another host, localhost) with X-Linked-Etag and X-Linked-Size;
    other files 200 with the git blob sha1 ETag. Faults (--faults, each once): ds429 (the
    first listing request answers 429 with Retry-After: 1), dscut (the first /ds-cdn GET
    sends half the bytes, then drops the connection). An unknown dataset is a 401
    RepoNotFound, as the hub answers without a token."""

    def __init__(self, hub, folder, token):
        self.hub, self.token = hub, token
        def pq(name):
            return open(os.path.join(folder, name), "rb").read()
        jsonl = pq("expected.jsonl")
        convert = {"default/train/0000.parquet": pq("snappy.parquet"),
                   "default/train/0001.parquet": pq("zstd.parquet"),
                   "default/test/0000.parquet": pq("gzip.parquet"),
                   ".gitattributes": b"*.parquet filter=lfs diff=lfs merge=lfs -text\n"}
        readme = b"# a test dataset\n"
        self.repos = {
            "ds-convert": {"main": {"README.md": readme}, "refs/convert/parquet": convert},
            "ds-gated": {"main": {"README.md": readme}, "refs/convert/parquet": convert},
            "ds-files": {"main": {"README.md": readme,
                                  "data/train-00000-of-00002.parquet": pq("snappy.parquet"),
                                  "data/train-00001-of-00002.parquet": pq("zstd.parquet"),
                                  "data/test-00000-of-00001.parquet": pq("gzip.parquet")}},
            "ds-jsonl": {"main": {"README.md": readme, "train.jsonl": jsonl, "test.jsonl": jsonl}},
            "ds-arrow": {"main": {"train/data-00000-of-00001.arrow": b"ARROW1\0\0not really"}},
        }
        self.commit = {}
        for repo, revs in self.repos.items():
            for rev in revs:
                self.commit[(repo, rev)] = hashlib.sha1(f"dataset {repo} at {rev}".encode()).hexdigest()
        self.lfs = {}
        for revs in self.repos.values():
            for files in revs.values():
                for name, data in files.items():
                    if name.endswith(".parquet"):
                        self.lfs[hashlib.sha256(data).hexdigest()] = data

    def rev_of(self, repo, rev):
        """The branch a revision (name or commit) names, or None."""
        for (r, branch), sha in self.commit.items():
            if r == repo and rev in (branch, sha):
                return branch
        return None

    def handle(self, h, parts, url):
        if parts[:1] == ["ds-cdn"] and len(parts) == 2:
            self.cdn(h, parts[1])
            return True
        if parts[:2] == ["api", "datasets"] and len(parts) >= 5:
            org, repo = parts[2], parts[3]
            if not self.allowed(h, org, repo):
                return True
            if parts[4] == "parquet":
                self.listing(h, org, repo, parts[5:])
            elif parts[4] == "revision" and len(parts) >= 6:
                self.info(h, org, repo, "/".join(parts[5:]))
            else:
                h.error(404, "Not found")
            return True
        if parts[:1] == ["datasets"] and len(parts) >= 6 and parts[3] == "resolve":
            org, repo = parts[1], parts[2]
            if self.allowed(h, org, repo):
                self.resolve(h, repo, parts[4], "/".join(parts[5:]))
            return True
        return False

    def allowed(self, h, org, repo):
        if org != ORG or repo not in self.repos:
            h.send(401, json.dumps({"error": "Repository not found"}).encode(),
                   [("X-Error-Code", "RepoNotFound"), ("Content-Type", "application/json")])
            return False
        if repo == "ds-gated" and h.headers.get("Authorization") != f"Bearer {self.token}":
            h.error(401, f"Access to dataset {org}/{repo} is restricted. You must have access to it "
                         "and be authenticated to access it. Please log in.")
            return False
        return True

    def listing(self, h, org, repo, rest):
        conv = self.repos[repo].get("refs/convert/parquet")
        port = h.server.server_address[1]
        base = f"http://127.0.0.1:{port}/api/datasets/{org}/{repo}/parquet"
        if rest and self.hub.fault("ds429"):
            return h.send(429, b'{"error": "rate limited"}', [("Retry-After", "1"),
                                                             ("Content-Type", "application/json")])
        if conv is None:
            return h.error(404, f"Parquet files for {org}/{repo} not found")
        splits = {}
        for name in sorted(conv):
            p = name.split("/")
            if len(p) == 3 and p[2].endswith(".parquet"):
                splits.setdefault(p[0], {}).setdefault(p[1], []).append(name)
        if not rest:
            return h.send(200, json.dumps({c: {s: [f"{base}/{c}/{s}/{i}.parquet" for i in range(len(fs))]
                                               for s, fs in ss.items()} for c, ss in splits.items()}).encode())
        if len(rest) == 2:
            fs = splits.get(rest[0], {}).get(rest[1])
            if not fs:
                return h.error(404, "Not found")
            return h.send(200, json.dumps([f"{base}/{rest[0]}/{rest[1]}/{i}.parquet"
                                           for i in range(len(fs))]).encode(),
                          [("Content-Type", "application/json")])
        if len(rest) == 3 and rest[2].endswith(".parquet"):
            fs = splits.get(rest[0], {}).get(rest[1], [])
            i = int(rest[2].split(".")[0])
            if i >= len(fs):
                return h.error(404, "Not found")
            loc = f"/datasets/{org}/{repo}/resolve/refs%2Fconvert%2Fparquet/{fs[i]}"
            return h.send(302, b"", [("Location", loc)])
        return h.error(404, "Not found")

    def info(self, h, org, repo, rev):
        branch = self.rev_of(repo, rev)
        if branch is None:
            return h.error(404, "Invalid rev id: " + rev)
        files = self.repos[repo][branch]
        body = {"_id": "0" * 24, "id": f"{org}/{repo}", "sha": self.commit[(repo, branch)], "private": False,
                "siblings": [{"rfilename": n} for n in sorted(files)]}
        h.send(200, json.dumps(body).encode(), [("Content-Type", "application/json")])

    def resolve(self, h, repo, rev, name):
        branch = self.rev_of(repo, rev)
        if branch is None or name not in self.repos[repo][branch]:
            return h.send(404, b"Entry not found", [("X-Error-Code", "EntryNotFound")])
        data = self.repos[repo][branch][name]
        common = [("X-Repo-Commit", self.commit[(repo, branch)])]
        if name.endswith(".parquet"):
            sha = hashlib.sha256(data).hexdigest()
            port = h.server.server_address[1]
            loc = f"http://localhost:{port}/ds-cdn/{sha}?X-Amz-Signature=feedface"
            return h.send(302, b"", common + [("Location", loc), ("ETag", f'"{sha}"'),
                                              ("X-Linked-Etag", f'"{sha}"'), ("X-Linked-Size", str(len(data)))])
        h.send(200, data, common + [("ETag", f'"{git_blob_sha1(data)}"')])

    def cdn(self, h, sha):
        data = self.lfs.get(sha)
        if data is None:
            return h.error(404, "no such object")
        h.send_blob(data, sha, "dscut", 3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--faults", default="")
    ap.add_argument("--token", default="")
    ap.add_argument("--read-token", default="")
    ap.add_argument("--lfs-chunk", type=int, default=50000)
    ap.add_argument("--datasets", default="")
    args = ap.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.hub = Hub(args)
    storage = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    storage.daemon_threads = True
    storage.hub = server.hub
    server.hub.upload.storage_port = storage.server_address[1]
    threading.Thread(target=storage.serve_forever, daemon=True).start()
    with open(args.port_file + ".storage", "w") as f:
        f.write(str(storage.server_address[1]))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
