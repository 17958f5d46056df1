#!/usr/bin/env bash
# Profile cases: each worker kind end to end against the reference worker speaking its dialect,
# profile files, a wrong profile said at once, attaching to a running worker, and shards.
# Usage: HIVETEST=… REFERENCE_WORKER=… TINY_MODEL=… SOURCE_ROOT=… profile_cases.sh CASE
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${SOURCE_ROOT:?}"

# A wrong profile fails long before the readiness deadline: this many ms at most, against --timeout 30.
WRONG_PROFILE_BOUND_MS=6000

# Runs hivetest with profile $1 against the reference worker in dialect $2 (further words: hivetest's options).
run_dialect() {
  local profile=$1 dialect=$2
  shift 2
  run --profile "$profile" --worker "$(rw --dialect "$dialect" --model-ref "$MARK")" "$@"
  echo "profile $profile, dialect $dialect: exit status $rc after $elapsed_ms ms"
}

expect_wrong_profile_named() {
  echo "failed after $elapsed_ms ms with exit status $rc"
  expect_rc 1
  expect_out "try --profile $1"
  (( elapsed_ms < WRONG_PROFILE_BOUND_MS )) || fail "took $elapsed_ms ms; a wrong profile must not wait for the 30 s deadline"
}

# Starts a reference worker in the openai dialect on a free port, not under hivetest; sets
# WORKER_PID and WORKER_PORT. The case kills it.
start_openai_worker() {
  coproc WORKER { exec "$REFERENCE_WORKER" --dialect openai --model "$TINY_MODEL" --model-ref "$MARK" --port 0 2>&1; }
  local line
  WORKER_PORT=""
  while IFS= read -r -t 10 line <&"${WORKER[0]}"; do
    if [[ $line =~ listening\ on\ 127\.0\.0\.1:([0-9]+) ]]; then WORKER_PORT=${BASH_REMATCH[1]}; break; fi
  done
  [[ -n $WORKER_PORT ]] || fail "the worker did not say its port"
}

case_list_profiles_names_every_kind() {
  "$HIVETEST" --list-profiles >"$WORK/out" 2>&1; rc=$?
  expect_rc 0
  for name in rbee rbee-v1 rbee-v2 llama-server openai; do
    grep -qx "$name" "$WORK/out" || fail "--list-profiles lacks $name"
  done
  expect_out "starts: WORKER -m {model} --port {port} --host {host}"
  expect_out "chat-completions POST /v1/chat/completions"
}

case_each_rbee_version_passes_with_its_profile() {
  for v in rbee rbee-v1 rbee-v2; do
    run --profile "$v" --worker "$(rw --dialect "$v")"
    expect_rc 0
    expect_out "ALL TESTS PASSED"
    expect_out "Inference streamed 50 tokens"
    expect_nothing_left
  done
  run --profile rbee --worker "$(rw --dialect rbee)"
  expect_out "Heartbeat #1 from worker test-worker-"
  expect_out "(/v1/worker-heartbeat)"
  expect_out "Loading progress test skipped"
}

# A profile that wants a job and its sse_url, against a worker that streams at once.
case_a_stream_where_a_job_was_wanted_is_named() {
  sed 's/"answer": "stream"/"answer": "job"/' "$SOURCE_ROOT/docs/profiles/rbee-v1.json" >"$WORK/v1-jobs.json"
  grep -q '"answer": "job"' "$WORK/v1-jobs.json" || fail "the profile copy does not want a job"
  run --profile "$WORK/v1-jobs.json" --worker "$(rw --dialect rbee-v1)" --checks inference
  expect_rc 1
  expect_failed_check "Inference"
  expect_out "POST /v1/inference streamed at once instead of answering with a job"
  expect_nothing_left
}

# Streams whose accounting is off fail stream-accounting with the words of each rule: more
# tokens than max_tokens, an index out of step, a stop reason the dialect does not define,
# no count where the profile wants one (rbee-v2's profile, asking for it).
case_streams_with_broken_accounting_are_named() {
  local worker="python3 $(dirname "${BASH_SOURCE[0]}")/hostile_worker.py --tame"
  python3 - "$SOURCE_ROOT/docs/profiles/rbee-v2.json" "$WORK/strict.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["name"] = "rbee-v2-strict"
p["streams"][0]["events"]["count_required"] = True
json.dump(p, open(sys.argv[2], "w"))
PY
  local -A said=(
    [over]="3 tokens streamed, over max_tokens 2"
    [index-gap]="token 1 has index 2"
    [no-count]='3 tokens, no token count ("tokens_out")'
    [odd-stop]='stop reason "halted", not one of max_tokens, eos, stop_sequence, cancelled')
  local shape
  for shape in over index-gap odd-stop no-count; do
    case $shape in
      over) run --profile rbee-v2 --worker "$worker" --max-tokens 2 --checks inference,stream-accounting ;;
      no-count) run --profile "$WORK/strict.json" --worker "$worker --stream-shape $shape" --checks inference,stream-accounting ;;
      *) run --profile rbee-v2 --worker "$worker --stream-shape $shape" --checks inference,stream-accounting ;;
    esac
    echo "$shape: exit status $rc"
    expect_rc 1
    expect_failed_check "Stream accounting"
    expect_out "token accounting is off: ${said[$shape]}"
  done
  expect_nothing_left
}

case_rbee_v2_profile_against_an_rbee_worker_names_rbee() {
  run --profile rbee-v2 --worker "$(rw --dialect rbee)" --timeout 30
  expect_wrong_profile_named rbee
  expect_out "Worker does not answer as the rbee-v2 profile expects: "
  expect_out "/v1/ready answered 404"
  expect_nothing_left
}

case_rbee_profile_against_an_rbee_v2_worker_names_rbee_v2() {
  run --profile rbee --worker "$(rw --dialect rbee-v2)" --timeout 30 --heartbeat-timeout 30
  expect_wrong_profile_named rbee-v2
  expect_out "Heartbeats not as the rbee profile expects: a flat heartbeat at /v1/heartbeat"
  expect_nothing_left
}

case_rbee_profile_against_a_llama_server_worker_names_llama_server() {
  run --profile rbee --worker "$(rw --dialect llama-server)" --timeout 30
  expect_wrong_profile_named llama-server
  expect_out "Worker exited before it was ready"
  expect_nothing_left
}

case_llama_server_profile_passes() {
  for profile in llama-server "$SOURCE_ROOT/docs/profiles/llama-server.json"; do
    run_dialect "$profile" llama-server
    expect_rc 0
    expect_out "ALL TESTS PASSED"
    expect_out "Completion streamed 50 tokens"
    expect_out "Chat-completions streamed 50 tokens"
    expect_out "llama-server sends no heartbeats"
    expect_out "Model list names $MARK"
    expect_nothing_left
  done
}

case_openai_profile_passes_with_placeholders() {
  for profile in openai "$SOURCE_ROOT/docs/profiles/openai.json"; do
    run --profile "$profile" --worker "$(rw --dialect openai --model-ref "$MARK") --model {model} --port {port}"
    echo "profile $profile: exit status $rc"
    expect_rc 0
    expect_out "ALL TESTS PASSED"
    expect_out "Chat-completions streamed 50 tokens"
    expect_out "Completions streamed 50 tokens"
    expect_nothing_left
  done
}

case_openai_profile_takes_a_model_id_and_an_api_key() {
  MODEL=org/some-model-id
  run --profile openai --api-key sesame \
      --worker "$(rw --dialect openai --model "$TINY_MODEL" --model-ref "$MARK" --api-key sesame) --port {port}"
  expect_rc 0
  expect_out "Model check skipped: org/some-model-id names no file"
  expect_out "ALL TESTS PASSED"
  expect_nothing_left
  run --profile openai --worker "$(rw --dialect openai --model "$TINY_MODEL" --model-ref "$MARK" --api-key sesame) --port {port}" --timeout 30
  expect_rc 1
  expect_out "401"
  expect_out "--api-key"
  (( elapsed_ms < WRONG_PROFILE_BOUND_MS )) || fail "a missing key took $elapsed_ms ms to be said"
  expect_nothing_left
}

case_attach_tests_a_running_worker_and_leaves_it_running() {
  start_openai_worker
  local worker_pid=$WORKER_PID port=$WORKER_PORT
  "$HIVETEST" --no-color --attach "http://127.0.0.1:$port" --profile openai --hive-port auto >"$WORK/out" 2>&1; rc=$?
  expect_rc 0
  expect_out "Attached to the worker at http://127.0.0.1:$port"
  expect_out "Model check skipped"
  kill -0 "$worker_pid" 2>/dev/null || fail "the attached worker did not survive the run"
  kill "$worker_pid"
  wait "$worker_pid"
}

# The official openai package reads the reference worker's OpenAI streams as a user's
# program would: the dialect hivetest's openai profile is tested against is the real one.
case_openai_package_reads_the_reference_worker() {
  [[ -d $CLIENTS/node_modules/openai ]] || fail "the openai package is not installed in $CLIENTS (tools/install-deps installs it)"
  start_openai_worker
  local worker_pid=$WORKER_PID port=$WORKER_PORT
  node "$CLIENTS/openai_stream.mjs" "http://127.0.0.1:$port/v1" 7 >"$WORK/out" 2>&1; rc=$?
  kill "$worker_pid"
  wait "$worker_pid"
  cat "$WORK/out"
  expect_rc 0
  python3 - "$WORK/out" "$MARK" <<'PY' || fail "the openai package read something else than expected"
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
assert r["model"] == sys.argv[2], r["model"]
chat = r["chat"]
assert len(chat["ids"]) == 1, chat["ids"]
assert chat["pieces"] == 7 and chat["finish"] == "length", chat
assert chat["usage"]["completion_tokens"] == 7, chat["usage"]
assert r["completion"] == {"pieces": 7, "finish": "length"}, r["completion"]
assert r["unknown_model"] == 404, r["unknown_model"]
PY
}

case_bad_profile_file_names_the_line_and_field() {
  printf '{\n  "name": "broken",\n  "arguments": "--port {port}",\n  "readiness": []\n}\n' >"$WORK/broken.json"
  run --profile "$WORK/broken.json"
  expect_rc 2
  expect_out "$WORK/broken.json:3: arguments: expected a list of strings"
  printf '{\n  "name": "broken",\n  "arguments": []\n  "readiness": []\n}\n' >"$WORK/syntax.json"
  run --profile "$WORK/syntax.json"
  expect_rc 2
  expect_out "$WORK/syntax.json:4:"
  run --profile no-such-kind
  expect_rc 2
  expect_out "unknown worker kind 'no-such-kind'"
}

case_shards_cover_a_matrix_once() {
  cat >"$WORK/matrix.json" <<JSON
[
  {"name": "alpha", "worker": "$(rw --dialect rbee)", "max_tokens": 3},
  {"name": "beta", "worker": "$(rw --dialect rbee-v2)", "profile": "rbee-v2", "max_tokens": 3},
  {"name": "gamma", "worker": "$(rw --dialect llama-server --model-ref "$MARK")", "profile": "llama-server", "max_tokens": 3},
  {"name": "delta", "worker": "$(rw --dialect openai --model-ref "$MARK") --model {model} --port {port}", "profile": "openai", "max_tokens": 3}
]
JSON
  for k in 1 2; do
    "$HIVETEST" --port auto --hive-port auto --model "$MODEL" --model-ref "$MARK" --matrix "$WORK/matrix.json" \
      --shard "$k/2" --format json >"$WORK/shard$k.json" 2>"$WORK/out"; rc=$?
    expect_rc 0
  done
  python3 - "$WORK/shard1.json" "$WORK/shard2.json" <<'PY' || fail "the shards do not cover the matrix once"
import json, sys
labels = [w["label"] for f in sys.argv[1:] for w in json.load(open(f))["workers"]]
print("labels:", labels)
assert sorted(labels) == ["alpha", "beta", "delta", "gamma"], labels
PY
  "$HIVETEST" --matrix "$WORK/matrix.json" --shard 3/2 >"$WORK/out" 2>&1; rc=$?
  expect_rc 2
  expect_out "--shard: '3/2' is not K/N"
}

run_case "$@"
