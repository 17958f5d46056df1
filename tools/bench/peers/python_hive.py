#!/usr/bin/env python3
"""A mock hive in Python's http.server, the kind the earlier test scripts used: the peer
that tools/bench/hive-throughput compares the C++ mock hive with."""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATHS = {"/v1/heartbeat", "/heartbeat/workers", "/v1/worker-heartbeat"}


class Hive(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as wrk expects

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path not in PATHS:
            return self.answer(404, {"error": "no route"})
        try:
            beat = json.loads(body)
            worker = beat.get("worker_id") or beat.get("worker", {}).get("id")
        except (ValueError, AttributeError):
            worker = None
        if not worker:
            return self.answer(400, {"error": "bad heartbeat"})
        self.answer(200, {"status": "ok"})

    def answer(self, status, doc):
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # wrk closes its connections at the end of a run


if __name__ == "__main__":
    server = QuietServer(("127.0.0.1", int(sys.argv[1])), Hive)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()
