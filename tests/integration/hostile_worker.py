#!/usr/bin/env python3
"""A worker of rbee's v2 protocol whose every string is hostile to a terminal: escape
sequences that set the window title and clear the screen, the 8-bit CSI (C1) and the
right-to-left override, in its ready state, its job's sse_url, its tokens, its stop
reason and its log lines. hivetest must pass none of it raw to a terminal.

Takes rbee's arguments (--worker-id --port --hive-url ...); --hostile-sse-url makes the
job's sse_url itself hostile (the inference check then fails, naming it); --tame sends
ordinary strings; --no-reuse-address binds its port without SO_REUSEADDR, as some servers do;
--huge-heartbeats sends heartbeats of 2 MiB only; --foreign-heartbeats N sends N heartbeats
under another worker's id (on one kept-alive connection) before its own; --loading-seconds S
has it load for S seconds first (503 on /health, ready false on /v1/ready), its loading
progress saying --layers-loaded N of 32 layers (N may be nonsense: negative, huge);
--stream-shape breaks its stream's grammar: no start event, no tokens, a token after the
end event, or two end events; or its accounting: token indices 0, 2, 3, no tokens_out, or
the stop reason "halted"; --bad-request-answer close|plain answers a request it refuses
by closing the connection without a word, or with a 400 that is not JSON;
--progress-answer over-limit|not-json|cut breaks its loading progress stream once it is
ready: a line over 1 MiB, an event that is not JSON, or the connection closed halfway;
--cut-health closes the connection on GET /health once it has said it is ready, without a
word; --exit-after-heartbeat sends its one heartbeat only once it has said it is ready, and
exits with status 3 as soon as the hive has taken it; --slow-after-drop delays by 1.25 s the
first token of a one-token request that follows a longer one (a worker still generating for
a client that left)."""
import argparse
import os
import http.server
import json
import sys
import threading
import time
import http.client
import urllib.parse
import urllib.request


p = argparse.ArgumentParser()
for name in ("--worker-id", "--model", "--model-ref", "--backend", "--device", "--hive-url"):
    p.add_argument(name)
p.add_argument("--port", type=int)
p.add_argument("--local-mode", action="store_true")
p.add_argument("--hostile-sse-url", action="store_true")
p.add_argument("--tame", action="store_true")
p.add_argument("--no-reuse-address", action="store_true")
p.add_argument("--huge-heartbeats", action="store_true")
p.add_argument("--foreign-heartbeats", type=int, default=0)
p.add_argument("--oversized", choices=["line", "event"], help="a stream with a line over 1 MiB, or an event over 4 MiB")
p.add_argument("--loading-seconds", type=float, default=0)
p.add_argument("--bad-request-answer", choices=["close", "plain"])
p.add_argument("--stream-shape", choices=["no-start", "no-tokens", "token-after-end", "two-ends",
                                          "index-gap", "no-count", "odd-stop"])
p.add_argument("--layers-loaded", type=int, default=4)
p.add_argument("--progress-answer", choices=["over-limit", "not-json", "cut"])
p.add_argument("--cut-health", action="store_true")
p.add_argument("--exit-after-heartbeat", action="store_true")
p.add_argument("--slow-after-drop", action="store_true")
args = p.parse_args()
STARTED = time.monotonic()
SAID_READY = threading.Event()  # it has answered /v1/ready with ready true
LAST_MAX_TOKENS = [0]  # of the last inference request
SLOW_JOB = [False]     # the job at hand is a one-token request after a longer one


def loading():
    return time.monotonic() - STARTED < args.loading_seconds
EVIL = "" if args.tame else "\x1b]0;pwned\x07\x1b[2J" + "\xc2\x9b".encode("latin-1").decode("utf-8") + "\u202e"
sse_url = "/v1/inference/job" + EVIL + "/stream" if args.hostile_sse_url else "/v1/inference/job-1/stream"


def log(text):
    sys.stderr.write(f"worker says {text}{EVIL}\n")
    sys.stderr.flush()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        log(f"{self.command} {self.path}")

    def reply(self, status, body, kind="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def events(self, events):
        body = "".join(f"data: {e}\n\n" for e in events) + "data: [DONE]\n\n"
        self.reply(200, body, "text/event-stream")

    def do_GET(self):
        if self.path == "/health" and loading():
            self.reply(503, json.dumps({"status": "loading"}))
        elif self.path == "/v1/ready" and loading():
            self.reply(200, json.dumps({"ready": False, "state": "loading", "model_loaded": False}))
        elif self.path == "/v1/loading/progress" and loading():
            self.events([json.dumps({"stage": "loading_to_vram", "layers_loaded": args.layers_loaded, "layers_total": 32})])
        elif self.path == "/health" and args.cut_health and SAID_READY.is_set():
            self.close_connection = True
        elif self.path == "/health":
            self.reply(200, json.dumps({"status": "healthy", "vram_bytes": 1}))
        elif self.path == "/v1/ready":
            self.reply(200, json.dumps({"ready": True, "state": "idle" + EVIL, "model_loaded": True}))
            SAID_READY.set()
        elif self.path == "/v1/loading/progress" and args.progress_answer == "cut":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'data: {"stage": "loading_to_vram"}\n\n')
            self.close_connection = True
        elif self.path == "/v1/loading/progress" and args.progress_answer:
            event = "x" * (2 << 20) if args.progress_answer == "over-limit" else "loading, please wait"
            self.events([event, json.dumps({"stage": "ready"})])
        elif self.path == "/v1/loading/progress":
            self.events([json.dumps({"stage": "ready"})])
        elif self.path.endswith("/stream") and args.oversized:
            token = json.dumps({"type": "token", "t": "x", "i": 0})
            if args.oversized == "line":
                big = "data: " + "x" * (2 << 20) + "\n\n"
            else:  # five lines of 1,000,000 bytes each, one event
                big = "".join("data: " + "y" * 1_000_000 + "\n" for _ in range(5)) + "\n"
            self.reply(200, f"data: {token}\n\n{big}data: [DONE]\n\n", "text/event-stream")
        elif self.path.endswith("/stream"):
            if SLOW_JOB[0]:
                time.sleep(1.25)  # the slot is still taken by the generation whose client left
            shape = args.stream_shape
            count = 0 if shape == "no-tokens" else 3
            index = (lambda i: i + 1 if i > 0 else i) if shape == "index-gap" else (lambda i: i)
            tokens = [json.dumps({"type": "token", "t": "tok" + EVIL, "i": index(i)}) for i in range(count)]
            end = {"type": "end", "tokens_out": count, "decode_time_ms": 1,
                   "stop_reason": ("halted" if shape == "odd-stop" else "max_tokens") + EVIL}
            if shape == "no-count":
                del end["tokens_out"]
            end = json.dumps(end)
            start = [] if shape == "no-start" else [json.dumps({"type": "started", "job_id": "job-1"})]
            after = {"token-after-end": [json.dumps({"type": "token", "t": "late", "i": 3})], "two-ends": [end]}
            self.events(start + tokens + [end] + after.get(shape, []))
        else:
            self.reply(404, json.dumps({"error": "no route"}))

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            request = json.loads(body)
            ok = isinstance(request, dict) and 1 <= request.get("max_tokens", 1) <= 2048 and request.get("temperature", 1) <= 2
        except ValueError:
            ok = False
        if not ok and args.bad_request_answer == "close":
            self.close_connection = True
        elif not ok and args.bad_request_answer == "plain":
            self.reply(400, "bad request" + EVIL, "text/plain")
        elif not ok:
            self.reply(400, json.dumps({"error": "bad request" + EVIL}))
        else:
            SLOW_JOB[0] = args.slow_after_drop and request.get("max_tokens") == 1 and LAST_MAX_TOKENS[0] > 1
            LAST_MAX_TOKENS[0] = request.get("max_tokens", 0)
            self.reply(200, json.dumps({"job_id": "job-1", "sse_url": sse_url}))


def beat():
    if args.foreign_heartbeats:
        hive = urllib.parse.urlsplit(args.hive_url)
        conn = http.client.HTTPConnection(hive.hostname, hive.port)
        foreign = json.dumps({"worker_id": "flood-worker", "timestamp": "2026-01-01T00:00:00Z"})
        for _ in range(args.foreign_heartbeats):
            conn.request("POST", "/v1/heartbeat", foreign, {"Content-Type": "application/json"})
            conn.getresponse().read()
        conn.close()
        log(f"{args.foreign_heartbeats} foreign heartbeats sent")
    if args.exit_after_heartbeat:
        SAID_READY.wait()
    data = json.dumps({"worker_id": args.worker_id, "timestamp": "2026-01-01T00:00:00Z", "health_status": "healthy"})
    if args.huge_heartbeats:
        data = data[:-1] + ', "padding": "' + "x" * (2 << 20) + '"}'
    req = urllib.request.Request(args.hive_url + "/v1/heartbeat", data.encode(), {"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req, timeout=10).read()
        log("heartbeat sent")
        if args.exit_after_heartbeat:
            os._exit(3)
    except Exception as e:  # a refused heartbeat: the worker logs it and goes on, as workers do
        log(f"heartbeat failed: {e}")


http.server.ThreadingHTTPServer.allow_reuse_address = not args.no_reuse_address
server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
log(f"listening on 127.0.0.1:{args.port}")
threading.Thread(target=beat, daemon=True).start()
server.serve_forever()
