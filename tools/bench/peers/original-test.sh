#!/usr/bin/env bash
# The peer of tools/bench/flow-overhead: what the earlier bash test script did, with curl —
# a Python mock hive, the worker in the background, /health polled every 0.5 s, one
# heartbeat looked for in the hive's log, one streamed inference, then kill.
# Usage: original-test.sh WORKER MODEL
set -u
worker=$1 model=$2
here=$(dirname "$0")
work=$(mktemp -d)
trap 'kill $hive_pid $worker_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

python3 -u "$here/python_hive.py" 0 >"$work/hive.out" 2>&1 &
hive_pid=$!
until [[ -s $work/hive.out ]]; do sleep 0.05; done
hive_port=$(awk '{print $3; exit}' "$work/hive.out")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

$worker --worker-id bash-test --model "$model" --model-ref file:tiny --backend cpu --device 0 \
  --port "$port" --hive-url "http://127.0.0.1:$hive_port" --local-mode >"$work/worker.log" 2>&1 &
worker_pid=$!

for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$port/health" >/dev/null || { echo "worker not ready"; exit 1; }
for _ in $(seq 1 70); do
  grep -q "heartbeat #1 sent" "$work/worker.log" && break
  sleep 0.5
done
job=$(curl -sf -X POST -H 'Content-Type: application/json' \
  -d '{"operation":"infer","job_id":"bash-job","prompt":"The capital of France is","max_tokens":50,"temperature":0.7}' \
  "http://127.0.0.1:$port/v1/inference")
url=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["sse_url"])' "$job")
curl -sfN "http://127.0.0.1:$port$url" | grep -q '\[DONE\]' || { echo "no [DONE]"; exit 1; }
echo "ALL TESTS PASSED"
