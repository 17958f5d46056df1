#!/usr/bin/env python3
"""A Python client of an OpenAI-compatible chat stream, as people write one with the standard
library: http.client, lines split, json.loads per event. The peer of bench-stream-client.

Usage: python_stream_client.py PORT STREAMS MAX_TOKENS; prints "tokens N user_seconds U system_seconds S"."""
import http.client
import json
import resource
import sys

port, streams, max_tokens = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
body = json.dumps({"model": "bench", "messages": [{"role": "user", "content": "The capital of France is"}],
                   "max_tokens": max_tokens, "stream": True, "stream_options": {"include_usage": True}})
tokens = 0
before = resource.getrusage(resource.RUSAGE_SELF)
for _ in range(streams):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    done = False
    for raw in resp:
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            done = True
            break
        event = json.loads(data)
        choices = event.get("choices") or []
        if choices and choices[0].get("delta", {}).get("content"):
            tokens += 1
    conn.close()
    if not done:
        sys.exit("the stream ended without [DONE]")
after = resource.getrusage(resource.RUSAGE_SELF)
print(f"tokens {tokens} user_seconds {after.ru_utime - before.ru_utime:.6f} system_seconds {after.ru_stime - before.ru_stime:.6f}")
