#!/usr/bin/env bash
# Integration cases: the real hivetest against the real reference worker, one case per call.
# Usage: HIVETEST=… REFERENCE_WORKER=… TINY_MODEL=… cases.sh CASE
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_passes_with_inference_api_v1() {
  run --profile rbee-v1 --worker "$(rw --inference-api v1)"
  expect_rc 0
  expect_out "ALL TESTS PASSED"
  expect_out "Inference streamed 50 tokens"
  expect_out "Heartbeat #1 from worker"
  expect_nothing_left
}

case_passes_with_inference_api_v2() {
  run --profile rbee-v2 --worker "$(rw --inference-api v2 --load-ms 300)" --max-tokens 7 --prompt "Bonjour"
  expect_rc 0
  expect_out "ALL TESTS PASSED"
  expect_out "Inference streamed 7 tokens"
  expect_out "Model found: tiny.gguf (GGUF v3"
  expect_nothing_left
}

case_passes_with_nested_heartbeats_on_another_path() {
  run --profile rbee-v2 --worker "$(rw --dialect rbee-v2 --heartbeat-shape nested --heartbeat-path /heartbeat/workers --heartbeat-interval-ms 50)" --heartbeats 3 \
      --heartbeat-interval 0.05 --skip-check heartbeat-cadence  # its ±20 % is no subject here, and a loaded machine can miss it
  expect_rc 0
  # Three or more: the worker may beat again before the run ends.
  grep -qE "Heartbeats #1–#([3-9]|[1-9][0-9]+) from worker" "$WORK/out" || fail "no group of 3 or more heartbeats in the hive log"
  expect_out "/heartbeat/workers"
}

case_two_runs_at_once_on_auto_ports() {
  "$HIVETEST" --no-color --port auto --hive-port auto --model-ref "$MARK" >"$WORK/a" 2>&1 & local a=$!
  "$HIVETEST" --no-color --port auto --hive-port auto --model-ref "$MARK" >"$WORK/b" 2>&1 & local b=$!
  wait "$a"; local rca=$?
  wait "$b"; local rcb=$?
  cat "$WORK/a" "$WORK/b" >"$WORK/out"
  [[ $rca == 0 && $rcb == 0 ]] || fail "exit statuses $rca and $rcb, expected 0 and 0"
  grep -qF "ALL TESTS PASSED" "$WORK/a" && grep -qF "ALL TESTS PASSED" "$WORK/b" || fail "not both passed"
}

case_model_missing_skips_with_77() {
  MODEL=$WORK/no-such-model.gguf
  run
  expect_rc 77
  expect_out "Model not found: $WORK/no-such-model.gguf"
  expect_out "Skipping test"
  expect_out "--model"
  # Every worker of several skipped: the run is skipped too.
  run --workers 2
  expect_rc 77
  expect_out "0 passed, 0 failed, 2 skipped of 2 workers"
}

case_model_not_gguf_is_a_setup_error() {
  printf 'this is not a model' >"$WORK/fake.gguf"
  MODEL=$WORK/fake.gguf
  run
  expect_rc 2
  expect_out "Model file unusable: "
  expect_out "not a GGUF file"
  MODEL=$WORK
  run
  expect_rc 2
  expect_out "Model file unusable: $WORK is a directory, not a model file"
}

case_hive_port_taken_gives_2() {
  hold_port
  "$HIVETEST" --no-color --port auto --hive-port "$HELD_PORT" >"$WORK/out" 2>&1; rc=$?
  expect_rc 2
  expect_out "Failed to start mock hive server: port $HELD_PORT in use"
  expect_out "try --hive-port auto"
}

case_worker_port_taken_gives_2() {
  hold_port
  "$HIVETEST" --no-color --port "$HELD_PORT" --hive-port auto >"$WORK/out" 2>&1; rc=$?
  expect_rc 2
  expect_out "Cannot use the worker port: "
  expect_out "port $HELD_PORT in use"
  expect_out "try --port auto"
}

case_worker_not_found_gives_2() {
  run --worker "/nonexistent/worker-binary --flag"
  expect_rc 2
  expect_out "Worker not started"
  expect_out "/nonexistent/worker-binary"
}

case_worker_exiting_at_once_fails_fast() {
  run --worker "sh -c 'echo loading went wrong >&2; exit 3'" --timeout 30
  expect_rc 1
  expect_out "Worker exited before it was ready: exited with status 3"
  expect_out "loading went wrong"
  (( elapsed_ms < 2000 )) || fail "took $elapsed_ms ms to notice a worker that exited at once"
}

# rbee's older workers listen while they load, and say so.
case_worker_never_ready_fails_after_timeout() {
  run --profile rbee-v2 --worker "$(rw --dialect rbee-v2 --load-ms 600000)" --timeout 1
  expect_rc 1
  expect_out "Worker did not become ready within 1s"
  expect_out "try --timeout 60"
  expect_out '"state":"loading"'
  (( elapsed_ms >= 1000 )) || fail "gave up after $elapsed_ms ms, before the 1 s timeout"
  expect_nothing_left
}

case_no_heartbeat_fails_after_heartbeat_timeout() {
  run --worker "$(rw --heartbeat-path /v1/elsewhere)" --heartbeat-timeout 1
  expect_rc 1
  expect_out "Received 0 of 1 heartbeat(s) within 1s"
  expect_out "Unknown route: POST /v1/elsewhere"
  expect_out "try --heartbeat-timeout"
  expect_nothing_left
}

interrupt_during_ready_wait() {
  local signal=$1 want=$2
  start_bg --worker "$(rw --load-ms 600000)" --timeout 60
  wait_line "Worker started (PID" 20
  wait_line "Waiting for worker to be ready" 20
  kill "-$signal" "$BG"
  finish_bg
  expect_rc "$want"
  expect_out "INTERRUPTED"
  expect_nothing_left
}

case_sigint_during_ready_wait_gives_130() { interrupt_during_ready_wait INT 130; }
case_sigterm_during_ready_wait_gives_143() { interrupt_during_ready_wait TERM 143; }
case_sighup_during_ready_wait_gives_129() { interrupt_during_ready_wait HUP 129; }

# The worker behind a shell that forks it, like `cargo run` does.
wrapped() { printf '%s' "sh -c '$(rw) \"\$@\" $* & wait' sh"; }

case_shell_wrapper_leaves_nothing_when_passing() {
  run --worker "$(wrapped)"
  expect_rc 0
  expect_nothing_left
}

case_shell_wrapper_leaves_nothing_when_failing() {
  run --worker "$(wrapped)" --max-tokens 5 --heartbeats 2 --heartbeat-timeout 1
  expect_rc 1
  expect_nothing_left
}

case_shell_wrapper_leaves_nothing_when_interrupted() {
  start_bg --worker "$(wrapped --load-ms 600000)" --timeout 60
  wait_line "Waiting for worker to be ready" 20
  kill -INT "$BG"
  finish_bg
  expect_rc 130
  expect_nothing_left
}

case_real_clients_against_the_mock_hive() {
  command -v curl >/dev/null || fail "curl is needed"
  start_bg --worker "$(rw --load-ms 600000)" --timeout 60
  wait_line "Mock hive server started on 127.0.0.1:" 20
  local port=${LINE##*:}
  local url="http://127.0.0.1:$port/v1/heartbeat" beat='{"worker_id":"curl-1","timestamp":"2026-01-01T00:00:00Z","health_status":"healthy"}'

  curl -sS -v -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' --data "$beat" "$url" \
    --next -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' --data "$beat" "$url" >"$WORK/c1" 2>"$WORK/c1.err"
  [[ $(tr '\n' ' ' <"$WORK/c1") == "200 200 " ]] || fail "keep-alive heartbeats: $(cat "$WORK/c1")"
  grep -q "Re-using existing connection" "$WORK/c1.err" || fail "curl did not reuse the connection: $(cat "$WORK/c1.err")"

  local pad; pad=$(head -c 2048 /dev/zero | tr '\0' 'x')
  printf '{"worker_id":"curl-2","timestamp":"2026-01-01T00:00:00Z","health_status":"healthy","pad":"%s"}' "$pad" >"$WORK/big.json"
  curl -sS -v -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H 'Expect: 100-continue' \
    --data-binary "@$WORK/big.json" "$url" >"$WORK/c2" 2>"$WORK/c2.err"
  [[ $(cat "$WORK/c2") == 200 ]] || fail "100-continue heartbeat: $(cat "$WORK/c2")"
  grep -q "HTTP/1.1 100 Continue" "$WORK/c2.err" || fail "no interim 100 seen by curl"

  curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
    --data-binary "@$WORK/big.json" "$url" >"$WORK/c3"
  [[ $(cat "$WORK/c3") == 200 ]] || fail "chunked heartbeat: $(cat "$WORK/c3")"

  curl -sS -o "$WORK/c4.body" -w '%{http_code}' --data '{not json' "$url" >"$WORK/c4"
  [[ $(cat "$WORK/c4") == 400 ]] || fail "invalid JSON: $(cat "$WORK/c4")"
  grep -q "not valid JSON" "$WORK/c4.body" || fail "400 without the reason: $(cat "$WORK/c4.body")"

  curl -sS -o /dev/null -w '%{http_code}' "$url" >"$WORK/c5"
  [[ $(cat "$WORK/c5") == 405 ]] || fail "GET on a heartbeat path: $(cat "$WORK/c5")"

  curl -sS -o /dev/null -w '%{http_code}' --data "$beat" "http://127.0.0.1:$port/v1/other" >"$WORK/c6"
  [[ $(cat "$WORK/c6") == 404 ]] || fail "other path: $(cat "$WORK/c6")"

  kill -INT "$BG"
  finish_bg
  expect_rc 130
  expect_out "from unexpected worker curl-1"
  expect_out "Rejected heartbeat: body is not valid JSON"
}

case_bad_usage_gives_2() {
  for args in "--port abc" "--hive-port 70000" "--no-such-option" "--timeout -1" "--workers 0" \
              "--profile nope" "--format yaml" "--worker 'unterminated"; do
    eval "\"\$HIVETEST\" $args" >"$WORK/out" 2>&1; rc=$?
    [[ $rc == 2 ]] || fail "'$args' gave exit $rc, expected 2"
  done
  # Each with the words that say what is wrong, in one line that starts with hivetest: and
  # names the option.
  local -A said=(
    ["--timeout abc"]="hivetest: --timeout must be a positive number of seconds"
    ["--timeout 0"]="hivetest: --timeout must be a positive number of seconds"
    ["--backend tpu"]="hivetest: --backend must be one of cpu, cuda, metal (got 'tpu')"
    ["--device -1"]="hivetest: --device must be a whole number from 0 to 1024 (got '-1')"
    ["--prompt ''"]="hivetest: --prompt must be a prompt, not empty"
    ["--worker ''"]="hivetest: --worker must be a command, not empty"
    ["--model ''"]="hivetest: --model must be a model file or id, not empty"
    ["--prof rbee"]="hivetest: unknown option '--prof' (did you mean --profile?)"
    ["--checks health,nope"]="hivetest: --checks must name checks such as"
    ["--timeout"]="hivetest: --timeout needs a value (SECONDS)"
    ["--attach ftp://host:1"]="--attach: 'ftp://host:1' is not an http:// URL"
    ["--attach http://127.0.0.1"]="needs a port"
    ["--attach http://127.0.0.1:1 --worker x"]="--attach and --worker: give one or the other"
    ["--attach http://127.0.0.1:1 --workers 2"]="--attach and --workers"
    ["--shard 1/2"]="--shard needs --matrix"
    ["--matrix \$WORK/one.json --shard 0/2"]="hivetest: --shard: '0/2' is not K/N with 1 <= K <= N <= 1024 (e.g. 2/4)"
    ["--grace -1"]="hivetest: --grace must be a number of seconds from 0 to 86400 (got '-1')"
    ["--hive-bind nowhere"]="--hive-bind must be an IP address of this machine (got 'nowhere')"
    ["--profile /no/such/profile.json"]="--profile: /no/such/profile.json: cannot read it"
    ["--port abc"]="hivetest: --port must be a port from 1 to 65535, or auto (got 'abc')"
    ["--worker \"'unterminated\""]="hivetest: --worker must be a command a shell could split: unterminated single quote"
    ["--matrix x.json --workers 2"]="hivetest: --matrix and --workers: give one or the other"
    ["--checks health --skip-check inference"]="hivetest: --checks and --skip-check: give one or the other"
    ["extra"]="hivetest: unexpected argument 'extra' (a command with arguments goes in quotes"
    ["--temperature 3"]="hivetest: --temperature must be a number from 0 to 2"
    ["--tap-version 12"]="hivetest: --tap-version must be 13 or 14"
    ["--matrix /no/such.json"]="hivetest: --matrix: /no/such.json: cannot read it"
    ["--matrix \$WORK/one.json --shard 2/2"]="hivetest: --shard 2/2: no worker of the matrix falls in this share"
    ["--matrix \$WORK/big.json"]="hivetest: --matrix: $WORK/big.json: over 4 MiB; a matrix is a short list"
    ["--profile \$WORK/big.json"]="hivetest: --profile: $WORK/big.json: over 1 MiB; a profile is a page of JSON"
  )
  echo '[{"name": "only"}]' >"$WORK/one.json"
  head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$WORK/big.json"
  local args
  for args in "${!said[@]}"; do
    eval "\"\$HIVETEST\" $args" >"$WORK/out" 2>&1; rc=$?
    [[ $rc == 2 ]] || fail "'$args' gave exit $rc, expected 2"
    expect_out "${said[$args]}"
    [[ $(wc -l <"$WORK/out") == 1 ]] || fail "'$args' said more than one line: $(cat "$WORK/out")"
    (( $(wc -L <"$WORK/out") <= 200 )) || fail "'$args' said a line longer than 200 characters"
  done
}

# A step that throws (as a bug in hivetest would) ends that run at once as a set-up error
# naming the step, and the worker is still stopped; before, the run waited for Ctrl-C.
case_a_step_that_throws_ends_the_run() {
  for step in health inference concurrent-streams; do
    HIVETEST_THROW_IN_STEP=$step run --timeout 30 --inference-timeout 30
    echo "$step: exit status $rc after $elapsed_ms ms"
    expect_rc 2
    expect_out "hivetest failed inside the"
    expect_out "injected by HIVETEST_THROW_IN_STEP"
    (( elapsed_ms * 5 < 30000 )) || fail "took $elapsed_ms ms: not at once"
    expect_nothing_left
  done
  HIVETEST_THROW_IN_STEP=health run
  expect_out "hivetest failed inside the Health step"
  # Outside the steps: in the cleanup the worker is still stopped (by its Child's end);
  # before any worker, the run stops with an internal error.
  HIVETEST_THROW_IN_STEP=cleanup run
  expect_rc 2
  expect_out "hivetest failed inside: injected by HIVETEST_THROW_IN_STEP"
  expect_nothing_left
  HIVETEST_THROW_IN_STEP=model run
  expect_rc 2
  expect_out "hivetest: internal error: injected by HIVETEST_THROW_IN_STEP"
}

# Every string a worker sends goes through the one sanitizer before a terminal sees it, in
# every output mode: no raw ESC, C1 CSI or right-to-left override in stdout or stderr.
case_hostile_worker_strings_reach_no_terminal_raw() {
  local worker="python3 $(dirname "${BASH_SOURCE[0]}")/hostile_worker.py"
  local mode
  for mode in "" "-v" "--format tap" "--format json" "--hostile-sse-url"; do
    if [[ $mode == --hostile-sse-url ]]; then
      run --profile rbee-v2 --worker "$worker --hostile-sse-url" --skip-check graceful-shutdown
    else
      # shellcheck disable=SC2086  # the mode is one or two words
      run --profile rbee-v2 --worker "$worker" $mode
    fi
    echo "mode '$mode': exit status $rc"
    ! grep -q $'\x1b' "$WORK/out" || fail "a raw ESC reached the output in mode '$mode'"
    ! grep -q $'\xc2\x9b' "$WORK/out" || fail "a raw C1 CSI reached the output in mode '$mode'"
    ! grep -q $'\xe2\x80\xae' "$WORK/out" || fail "a raw U+202E reached the output in mode '$mode'"
    grep -qF 'pwned' "$WORK/out" || fail "the hostile strings did not reach the output at all in mode '$mode'"
    if [[ $mode == --hostile-sse-url ]]; then
      # Not sent: control bytes in a request line would let a worker write the next request.
      expect_out "answered a job whose sse_url is not a path"
      ! grep -q "worker says GET /v1/inference/job" "$WORK/out" || fail "the hostile sse_url was requested"
    fi
  done
  expect_out '\x1b]0;pwned\x07\x1b[2J'
  expect_out '\u202e'
}

# Each way a stream can break its grammar fails the inference check, naming the break.
case_streams_that_break_the_grammar_are_named() {
  local worker="python3 $(dirname "${BASH_SOURCE[0]}")/hostile_worker.py --tame --stream-shape" shape
  local -A said=([no-start]="no start event" [no-tokens]="no tokens"
                 [token-after-end]="a token after the end event (token 3)" [two-ends]="a second end event")
  for shape in no-start no-tokens token-after-end two-ends; do
    run --profile rbee-v2 --worker "$worker $shape" --checks inference
    echo "$shape: exit status $rc"
    expect_rc 1
    expect_failed_check "Inference"
    expect_out "the stream from GET /v1/inference/job-1/stream broke the rbee-v2 grammar"
    expect_out "${said[$shape]}"
  done
  expect_nothing_left
}

# A loading progress stream that goes over a limit, sends an event that is not JSON, or is
# cut halfway fails loading-progress, naming the endpoint and what went wrong.
case_broken_loading_progress_streams_are_named() {
  local worker="python3 $(dirname "${BASH_SOURCE[0]}")/hostile_worker.py --tame --progress-answer" answer
  local -A said=(
    [over-limit]="GET /v1/loading/progress went over a limit: SSE line longer than max_line (1048576 bytes)"
    [not-json]="GET /v1/loading/progress sent an event that is not JSON"
    [cut]="GET /v1/loading/progress failed: connection closed before the answer to GET /v1/loading/progress was complete")
  for answer in over-limit not-json cut; do
    run --profile rbee-v2 --worker "$worker $answer" --checks loading-progress
    echo "$answer: exit status $rc"
    expect_rc 1
    expect_failed_check "Loading progress"
    expect_out "${said[$answer]}"
  done
  expect_nothing_left
}

# A health endpoint that closes the connection without a word fails the health check,
# naming the request; the other checks still run.
case_health_without_an_answer_is_named() {
  run --profile rbee-v2 --worker "python3 $(dirname "${BASH_SOURCE[0]}")/hostile_worker.py --tame --cut-health"
  expect_rc 1
  expect_failed_check "Health"
  expect_out "GET /health failed: "
  expect_out "Inference streamed 3 tokens"
  expect_nothing_left
}

# A worker that exits before its heartbeats are in fails the heartbeat step with its exit
# status and the count it got, not at the heartbeat deadline.
case_worker_exiting_while_heartbeats_are_awaited_is_named() {
  run --profile rbee-v2 --worker "python3 $(dirname "${BASH_SOURCE[0]}")/hostile_worker.py --tame --exit-after-heartbeat" \
      --checks heartbeats --heartbeats 2 --heartbeat-timeout 60
  echo "exit status $rc after $elapsed_ms ms"
  expect_rc 1
  expect_failed_check "Heartbeat"
  expect_out "Worker exited while waiting for heartbeats: exited with status 3"
  (( elapsed_ms < 30000 )) || fail "took $elapsed_ms ms: the heartbeat deadline, not the exit, ended the wait"
  expect_nothing_left
}

# A first token that comes, but later than a dropped stream allows, fails
# disconnect-cancels with the time it took.
case_a_late_first_token_after_a_dropped_stream_is_named() {
  run --profile rbee-v2 --worker "python3 $(dirname "${BASH_SOURCE[0]}")/hostile_worker.py --tame --slow-after-drop" \
      --checks disconnect-cancels
  expect_rc 1
  expect_failed_check "Disconnect cancels"
  expect_out "Kept generating after the client left: the next first token came after 1"
  expect_nothing_left
}

# Invalid requests that get no answer, or an answer that is not the dialect's JSON error,
# fail client-errors-are-4xx, naming the request.
case_invalid_requests_without_a_proper_refusal_are_named() {
  local worker="python3 $(dirname "${BASH_SOURCE[0]}")/hostile_worker.py --tame --bad-request-answer"
  run --profile rbee-v2 --worker "$worker close" --checks client-errors-are-4xx
  expect_rc 1
  expect_failed_check "Client errors are 4xx"
  expect_out "POST /v1/inference with max_tokens 0 got no answer"
  run --profile rbee-v2 --worker "$worker plain" --checks client-errors-are-4xx
  expect_rc 1
  expect_failed_check "Client errors are 4xx"
  expect_out "POST /v1/inference with max_tokens 0 was not refused as expected"
  expect_out "with a JSON error body"
  expect_nothing_left
}

# A worker's loading progress may say anything: a negative or huge layer count is not
# shown and never ends the run. Run on a terminal, where the waiting line draws a bar: a
# count of -5 once threw there, and the run ended "hivetest failed inside the Readiness step".
case_nonsense_loading_progress_is_not_shown() {
  local worker="python3 $(dirname "${BASH_SOURCE[0]}")/hostile_worker.py --tame --loading-seconds 2" layers
  for layers in -5 99999999999999999 4; do
    script -qec "$(printf '%q ' "$HIVETEST" --port auto --hive-port auto --model "$MODEL" --model-ref "$MARK" \
      --profile rbee-v2 --worker "$worker --layers-loaded $layers")" /dev/null >"$WORK/out" 2>&1
    rc=$?
    echo "layers loaded $layers: exit status $rc"
    expect_rc 0
    ! grep -q "failed inside" "$WORK/out" || fail "a layer count of $layers ended the run"
    if [[ $layers == 4 ]]; then
      expect_out "4/32 layers"  # a sensible count is shown, so the others were looked for where they would be
    else
      ! grep -qF -- "$layers/32" "$WORK/out" || fail "a layer count of $layers was shown"
    fi
  done
  expect_nothing_left
}

# A stream over the SSE parser's limits fails naming the limit, wherever in the stream it comes.
case_oversized_stream_names_the_limit() {
  local worker="python3 $(dirname "${BASH_SOURCE[0]}")/hostile_worker.py"
  run --profile rbee-v2 --worker "$worker --oversized line" --checks inference
  expect_rc 1
  expect_out "went over a limit after 1 events: SSE line longer than max_line (1048576 bytes)"
  run --profile rbee-v2 --worker "$worker --oversized event" --checks inference
  expect_rc 1
  expect_out "SSE event data longer than max_event (4194304 bytes)"
}

# The port hivetest holds for a worker until it is ready keeps other hivetests off it; a
# worker that binds without SO_REUSEADDR cannot take it either, and is started once more
# on a port not held, saying so.
case_worker_without_reuse_address_is_started_again() {
  run --profile rbee-v2 --worker "python3 $(dirname "${BASH_SOURCE[0]}")/hostile_worker.py --tame --no-reuse-address"
  expect_rc 0
  expect_out "Worker started again (PID"
  expect_out "which was in use or held for it"
  expect_out "ALL TESTS PASSED"
}

# -v with a reader at 20 KB/s (pv, with a small buffer) and a worker flooding its log: the
# loop never waits for the reader, lines that do not fit are dropped and counted, the summary
# arrives whole, and the run ends soon after its 5 s deadline (it took 65 s when every line
# was written where it was made; 50 s is five times the 10 s it must stay under).
case_verbose_with_a_slow_reader_keeps_its_deadlines() {
  local t0; t0=$(now_ms)
  "$HIVETEST" -v --no-color --port auto --hive-port auto --model "$MODEL" --model-ref "$MARK" --timeout 5 \
    --worker "$(rw --fault never-ready --fault log-flood)" | pv -qL 20k -B 4096 >"$WORK/out"
  local elapsed=$(( $(now_ms) - t0 ))
  echo "ended after $elapsed ms"
  expect_out "line(s) dropped: the output was not read as fast as it came"
  expect_out "❌ Isolation test FAILED: Worker did not become ready within 5s"
  (( elapsed < 50000 )) || fail "took $elapsed ms with a slow reader"
}

# A worker whose heartbeats are all over the hive's 1 MiB limit: the failure and the hive
# log name the 413 (it read "Received 0 of 1 heartbeat(s)" and "(nothing received)").
case_refused_heartbeats_are_named() {
  run --profile rbee-v2 --worker "python3 $(dirname "${BASH_SOURCE[0]}")/hostile_worker.py --tame --huge-heartbeats" \
      --heartbeat-timeout 2
  expect_rc 1
  expect_out "Received 0 of 1 heartbeat(s) within 2s; the hive refused 1 request: 413"
  expect_out "⛔ Refused 413"
}

# 10,000 heartbeats under a foreign id come to one line of the hive log, which shows at
# most --hive-log-lines (20) groups.
case_hive_log_floods_are_grouped() {
  run --profile rbee-v2 --worker "python3 $(dirname "${BASH_SOURCE[0]}")/hostile_worker.py --tame --foreign-heartbeats 10000"
  expect_rc 0
  expect_out "10000 heartbeats from unexpected worker flood-worker"
  local lines
  lines=$(sed -n '/Hive server logs:/,/Worker logs/p' "$WORK/out" | grep -c '^   \[')
  echo "hive log lines shown: $lines"
  (( lines <= 25 )) || fail "$lines hive log lines shown"
}

# Off a terminal, a worker that loads for 11 s gets a sign of life after 10: how far its
# loading progress stream says it is (rbee-v2), or what it last answered (rbee, which does
# not listen before it has loaded).
case_a_long_load_shows_signs_of_life() {
  run --profile rbee-v2 --worker "$(rw --dialect rbee-v2 --load-ms 11000)" --max-tokens 3
  expect_rc 0
  expect_out "still waiting: 10 s, loading "
  expect_out " layers ("
  run --worker "$(rw --load-ms 11000)" --max-tokens 3
  expect_rc 0
  expect_out "still waiting: 10 s, last answer: "
}

# In a terminal (script(1) gives hivetest one): an empty NO_COLOR keeps the colour, a set
# one and TERM=dumb take it away; outside a UTF-8 locale ASCII markers replace the emoji.
case_colour_and_markers_follow_the_conventions() {
  in_terminal() {
    env "$@" script -qec "$(printf '%q ' "$HIVETEST" --port auto --hive-port auto --model "$MODEL" --model-ref "$MARK" \
      --checks health)" /dev/null >"$WORK/out" 2>&1
  }
  in_terminal NO_COLOR= LANG=C.UTF-8
  grep -q $'\x1b\\[3' "$WORK/out" || fail "no colour with an empty NO_COLOR"
  in_terminal NO_COLOR=1 LANG=C.UTF-8
  ! grep -q $'\x1b\\[3' "$WORK/out" || fail "colour with NO_COLOR=1"
  in_terminal TERM=dumb LANG=C.UTF-8
  ! grep -q $'\x1b\\[3' "$WORK/out" || fail "colour with TERM=dumb"
  in_terminal LANG=C LC_ALL= LC_CTYPE=
  ! grep -q "✅" "$WORK/out" || fail "emoji outside a UTF-8 locale"
  expect_out "[ok] Health test passed"
}

# A matrix entry's name names it in the table, the JSON report and the JUnit suite; its
# port is its own (it was ignored for every entry but the first).
case_matrix_entries_keep_their_names_and_ports() {
  local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat >"$WORK/matrix.json" <<JSON
[
  {"name": "first", "worker": "$(rw)", "max_tokens": 3},
  {"name": "alpha", "worker": "$(rw)", "port": $port, "max_tokens": 3}
]
JSON
  "$HIVETEST" --no-color --port auto --hive-port auto --model "$MODEL" --model-ref "$MARK" --matrix "$WORK/matrix.json" \
    --format json --junit "$WORK/junit.xml" >"$WORK/report" 2>"$WORK/out"; rc=$?
  expect_rc 0
  grep -qE "^alpha +pass " "$WORK/out" || fail "no table row named alpha"
  expect_out "[alpha] ✓ Worker started (PID"
  expect_out "port $port)"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [w["label"] for w in d["workers"]] == ["first", "alpha"]; assert d["workers"][1]["port"] == int(sys.argv[2])' \
    "$WORK/report" "$port" || fail "the JSON report lacks alpha on port $port"
  grep -q '<testsuite name="alpha"' "$WORK/junit.xml" || fail "no JUnit suite named alpha"
}

# The worker is given what the options say: backend, device, and the log lines shown.
case_options_reach_the_worker() {
  run --backend cuda --device 3 --log-lines 200 --checks health
  expect_rc 0
  expect_out "backend cuda, device 3"
  run --log-lines 5 --checks health
  expect_rc 0
  local shown; shown=$(sed -n '/Worker logs (last/,/Test Summary/p' "$WORK/out" | grep -c '^   \[')
  [[ $shown == 5 ]] || fail "$shown worker log lines shown, expected 5 (--log-lines 5)"
}

# --temperature reaches the worker in every inference request, and a matrix entry's
# "temperature" in that entry's requests (the other entries keep the command line's).
case_temperature_reaches_the_worker() {
  run --temperature 0.35 --log-lines 200 --max-tokens 3
  expect_rc 0
  local asked
  asked=$(sed -n '/Worker logs (last/,/Test Summary/p' "$WORK/out" | grep "tokens at temperature ")
  [[ -n $asked ]] || fail "the worker logged no inference request"
  ! grep -vE "tokens at temperature 0[.]35(,|$)" <<<"$asked" || fail "an inference request without temperature 0.35 (above)"
  cat >"$WORK/matrix.json" <<JSON
[
  {"name": "warm", "worker": "$(rw)", "max_tokens": 3, "temperature": 1.25},
  {"name": "plain", "worker": "$(rw)", "max_tokens": 3}
]
JSON
  "$HIVETEST" --no-color --port auto --hive-port auto --model "$MODEL" --model-ref "$MARK" --matrix "$WORK/matrix.json" \
    --temperature 0.35 --log-lines 200 --format json >"$WORK/report" 2>"$WORK/out"; rc=$?
  expect_rc 0
  python3 - "$WORK/report" <<'PY' || fail "the matrix entries' requests had other temperatures (above)"
import json, re, sys
want = {"warm": "1.25", "plain": "0.35"}
workers = json.load(open(sys.argv[1]))["workers"]
assert sorted(w["label"] for w in workers) == sorted(want), [w["label"] for w in workers]
for w in workers:
    got = {m.group(1) for line in w["log"]["lines"] if (m := re.search(r"tokens at temperature ([0-9.e+-]+)", line["text"]))}
    print(w["label"], "asked at temperature", sorted(got))
    assert got == {want[w["label"]]}, (w["label"], got)
PY
}

# --port N --workers M counts up from N and skips a port in use.
case_workers_count_up_from_the_port_skipping_ports_in_use() {
  hold_port
  local first=$(( HELD_PORT - 1 ))
  run --port "$first" --workers 3 --checks health --max-tokens 3
  # The port below the held one may be taken by something else too, before the run or
  # between its probe and the worker's bind: then the run says so.
  if grep -qE "Cannot use the worker port|could not bind port $first," "$WORK/out"; then
    echo "port $first taken by another process; case not telling"
    return
  fi
  expect_rc 0
  grep -q "port $HELD_PORT)" "$WORK/out" && fail "a worker was given the port in use, $HELD_PORT"
  expect_out "port $first)"
  # The others count up past the held port; a port above it that another run on the
  # machine holds is skipped too, so only the order is certain, not the exact numbers.
  local ports=$(sed -n 's/.*Worker started\( again\)\{0,1\} (PID [0-9]*, port \([0-9]*\)).*/\2/p' "$WORK/out" | sort -n | tr '\n' ' ')
  set -- $ports
  [ $# -eq 3 ] || fail "expected three workers started, got ports: $ports"
  [ "$1" -eq "$first" ] && [ "$2" -gt "$HELD_PORT" ] && [ "$3" -gt "$2" ] ||
    fail "ports not counted up from $first past $HELD_PORT: $ports"
}

case_hive_bind_wider_warns_and_serves() {
  run --hive-bind 0.0.0.0
  expect_rc 0
  expect_out "hivetest: warning: --hive-bind 0.0.0.0: the mock hive is reachable from other hosts"
  expect_out "Mock hive server started on 0.0.0.0:"
  expect_out "Heartbeat #1 from worker"
  expect_nothing_left
}

# Every option of the table is listed as an option (at the start of a help line, not inside
# another's text: --model is no match for --model-ref), the exit codes are there, and
# --version and -V print the version alone (a --version that printed the help fails).
case_help_and_version() {
  "$HIVETEST" --help >"$WORK/out" 2>&1; rc=$?
  expect_rc 0
  grep -qx "Usage: hivetest \[OPTIONS\]" "$WORK/out" || fail "no 'Usage: hivetest [OPTIONS]' line"
  for opt in --worker --model --model-ref --backend --device --port --hive-port --timeout --heartbeats \
             --heartbeat-timeout --prompt --max-tokens --temperature --workers --profile --format --junit \
             --log-lines --verbose --no-color --version --hive-head-timeout --attach --api-key --checks --skip-check \
             --strict --concurrency --shard --matrix --list-profiles; do
    grep -qE -- "^  (-[a-zA-Z], )?$opt( |\$)" "$WORK/out" || fail "the help lists no option $opt"
  done
  expect_out "Exit status:"
  expect_out "77   skipped: no model file"
  (( $(wc -L <"$WORK/out") <= 100 )) || fail "a help line is longer than 100 columns"
  for v in --version -V; do
    "$HIVETEST" "$v" >"$WORK/out" 2>&1; rc=$?
    expect_rc 0
    grep -qxE "hivetest [0-9]+\.[0-9]+\.[0-9]+" "$WORK/out" && [[ $(wc -l <"$WORK/out") == 1 ]] \
      || fail "$v printed: $(head -c 300 "$WORK/out")"
  done
}

# The man page renders, and the bash completion completes an option's start.
case_man_page_and_completion() {
  MANWIDTH=100 man -l "$MAN_PAGE" >"$WORK/out" 2>&1; rc=$?
  expect_rc 0
  expect_out "hivetest - test an LLM inference worker in isolation"
  expect_out "--heartbeat-timeout"
  local completed
  completed=$(bash -c 'source "$1"; COMP_WORDS=(hivetest --prof); COMP_CWORD=1; _hivetest; echo "${COMPREPLY[@]}"' _ "$COMPLETION")
  [[ $completed == "--profile" ]] || fail "--prof completed to '$completed'"
  completed=$(bash -c 'source "$1"; COMP_WORDS=(hivetest --format ""); COMP_CWORD=2; _hivetest; echo "${COMPREPLY[@]}"' _ "$COMPLETION")
  [[ $completed == "human tap json jsonl" ]] || fail "--format completed to '$completed'"
}

case_verbose_streams_worker_output() {
  run -v --max-tokens 3
  expect_rc 0
  expect_out "[worker:err]"
  expect_out "listening on 127.0.0.1:"
}

case_hostile_worker_output_stays_printable() {
  run --worker "sh -c 'printf \"\\033[31mred\\000nul\\377\\376bad utf8\\n\" >&2; head -c 100000 /dev/zero | tr \"\\\\0\" x; echo; exit 4'"
  expect_rc 1
  expect_out "exited with status 4"
  expect_out '\x1b[31mred'
  ! grep -q $'\x1b' "$WORK/out" || fail "an escape byte reached the output"
  iconv -f UTF-8 -t UTF-8 "$WORK/out" >/dev/null 2>&1 || fail "the output is not valid UTF-8"
  expect_out "[cut]"
}

case_many_workers_at_once() {
  run --workers 64 --max-tokens 5 --hive-log-lines 100
  expect_rc 0
  expect_out "64 passed, 0 failed, 0 skipped of 64 workers"
  expect_out "hivetest CPU"
  [[ $(grep -cE '^reference-worker [0-9]+ +pass ' "$WORK/out") == 64 ]] || fail "not 64 rows in the final table"
  [[ $(grep -c 'Heartbeat #1 from worker' "$WORK/out") == 64 ]] || fail "not 64 heartbeats in the hive log"
  expect_nothing_left
}

# At most two workers run at once: read from the line-per-event output, where a worker
# starts at "Starting worker" and is gone at "Stopping worker". It still passed with
# --max-parallel ignored when it only counted the passes.
case_max_parallel_limits_workers_at_a_time() {
  run --workers 6 --max-parallel 2 --max-tokens 3
  expect_rc 0
  expect_out "6 passed, 0 failed, 0 skipped of 6 workers"
  local most
  most=$(awk '/Starting worker\.\.\./ { n++; if (n > m) m = n } /Stopping worker\.\.\./ { n-- } END { print m + 0 }' "$WORK/out")
  echo "at most $most workers at once"
  [[ $most == 2 ]] || fail "$most workers ran at once, expected 2"
}

# A few descriptors per worker add up past a low open-files limit: hivetest raises its own
# soft limit to the hard one, and gives each worker the limit as it was. (Without the raise,
# 32 workers under a soft limit of 128 fail with "Too many open files"; without giving it
# back, the worker says the hard limit.)
case_workers_fit_a_low_soft_descriptor_limit() {
  (( $(ulimit -H -n) >= 1024 )) || { echo "skip: the hard open-files limit is under 1024"; exit 77; }
  ulimit -S -n 128
  run --workers 32 --max-tokens 3
  expect_rc 0
  expect_out "32 passed, 0 failed, 0 skipped of 32 workers"
  run --worker "sh -c 'echo worker descriptor limit \$(ulimit -n) >&2; exec \"\$0\" \"\$@\"' $(rw)" --max-tokens 3 --log-lines 100
  expect_rc 0
  expect_worker_log "worker descriptor limit 128"
  expect_nothing_left
}

# With the hard limit that low too, the workers that find no descriptor are not started,
# and the hint names the limit, not the worker command.
case_workers_past_the_hard_descriptor_limit_are_named() {
  # The sanitizers' runtime needs descriptors too: out of them, UBSan cannot make the pipe
  # it tests a vtable pointer's memory with, and reports a false "invalid vptr".
  [[ ${HIVETEST_SANITIZE:-none} == none ]] || { echo "skip: sanitizers need descriptors of their own"; exit 77; }
  ulimit -n 128
  run --workers 32 --max-tokens 3
  expect_rc 2
  expect_out "Worker not started: "
  expect_out "Too many open files"
  expect_out "too many workers at once for the open-files limit (ulimit -n): use --max-parallel, or raise the hard limit"
  expect_nothing_left
}

case_matrix_with_a_failing_worker_exits_1_and_names_it() {
  cat >"$WORK/matrix.json" <<JSON
{"workers": [
  {"name": "v1 worker", "worker": "$(rw --inference-api v1)", "profile": "rbee-v1", "max_tokens": 4},
  {"name": "v2 worker, nested heartbeats", "worker": "$(rw --dialect rbee-v2 --heartbeat-shape nested)", "profile": "rbee-v2", "prompt": "Hello"},
  {"name": "broken worker", "worker": "sh -c 'echo cannot load >&2; exit 5'", "timeout": 5}
]}
JSON
  run --matrix "$WORK/matrix.json"
  expect_rc 1
  expect_out "2 passed, 1 failed, 0 skipped of 3 workers"
  expect_out "broken worker: Worker exited before it was ready: exited with status 5"
  expect_out "cannot load"
}

case_bad_matrix_names_the_line_and_field() {
  printf '[\n  {"worker": "x"},\n  {"worker": "y",\n   "timeout": "soon"}\n]\n' >"$WORK/bad.json"
  run --matrix "$WORK/bad.json"
  expect_rc 2
  expect_out "bad.json:4: workers[1].timeout: must be a positive number of seconds (up to 86400) (got 'soon')"
  printf '[{"wroker": "x"}]' >"$WORK/typo.json"
  run --matrix "$WORK/typo.json"
  expect_rc 2
  expect_out 'typo.json:1: workers[0].wroker: unknown field'
  # A file cut short is refused where it ends (line 1, column 13), not at a line 0.
  printf '[{"worker": ' >"$WORK/cut.json"
  run --matrix "$WORK/cut.json"
  expect_rc 2
  expect_out "cut.json:1:13: "
  # A missing comma at the end of line 3: the parser stops at the next field, line 4.
  printf '[\n  {"worker": "x",\n   "name": "a"\n   "timeout": 5}\n]\n' >"$WORK/comma.json"
  run --matrix "$WORK/comma.json"
  expect_rc 2
  expect_out "comma.json:4:4: "
}

run_case "$@"
