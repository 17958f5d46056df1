#!/usr/bin/env bash
# Integration cases: the real hivetest against the real reference worker, one case per call.
# Usage: HIVETEST=… REFERENCE_WORKER=… TINY_MODEL=… cases.sh CASE
# Nothing here sleeps: every wait reads an output line, a process exit or a socket, with a deadline.
set -u
: "${HIVETEST:?}" "${REFERENCE_WORKER:?}" "${TINY_MODEL:?}"

WORK=$(mktemp -d)
BG=""
MODEL=$TINY_MODEL         # the model a case runs with
MARK="case-$$-$RANDOM"  # in the worker's --model-ref, to find its processes by command line
cleanup() {
  [[ -n $BG ]] && kill -KILL "$BG" 2>/dev/null
  pkill -KILL -f -- "$MARK" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  if [[ -f $WORK/out ]]; then echo "--- hivetest output (last 80 lines):"; tail -n 80 "$WORK/out"; fi
  exit 1
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Runs hivetest in the foreground on auto ports; output in $WORK/out, status in $rc, time in $elapsed_ms.
run() {
  local t0; t0=$(now_ms)
  "$HIVETEST" --no-color --port auto --hive-port auto --model "$MODEL" --model-ref "$MARK" "$@" >"$WORK/out" 2>&1
  rc=$?
  elapsed_ms=$(( $(now_ms) - t0 ))
}

# Like run, with stdout (the report) in $WORK/report and stderr (the progress) in $WORK/out.
run_report() {
  "$HIVETEST" --no-color --port auto --hive-port auto --model "$MODEL" --model-ref "$MARK" "$@" >"$WORK/report" 2>"$WORK/out"
  rc=$?
}

# Runs hivetest in the background; its output is read line by line with wait_line.
start_bg() {
  mkfifo "$WORK/fifo"
  "$HIVETEST" --no-color --port auto --hive-port auto --model "$MODEL" --model-ref "$MARK" "$@" >"$WORK/fifo" 2>&1 &
  BG=$!
  exec 3<"$WORK/fifo"
  : >"$WORK/out"
}

# Reads the background run's output until a line contains $1, for at most $2 seconds; sets LINE.
wait_line() {
  local deadline=$(( $(date +%s) + $2 )) left line
  while left=$(( deadline - $(date +%s) )); (( left > 0 )); do
    IFS= read -r -t "$left" line <&3 || break
    printf '%s\n' "$line" >>"$WORK/out"
    if [[ $line == *"$1"* ]]; then LINE=$line; return 0; fi
  done
  fail "no output line with '$1' within $2 s"
}

# Waits for the background run to end (its output to close), then sets rc.
finish_bg() {
  timeout 30 cat <&3 >>"$WORK/out"
  wait "$BG"; rc=$?
  BG=""
  exec 3<&-
}

expect_rc() { [[ $rc == "$1" ]] || fail "exit status $rc, expected $1"; }
expect_out() { grep -qF -- "$1" "$WORK/out" || fail "output lacks: $1"; }
worker_pid() { sed -n 's/.*Worker started (PID \([0-9]*\).*/\1/p' "$WORK/out" | head -n 1; }

# No process of the worker's group, and none with this case's mark, is left.
expect_nothing_left() {
  local pgid; pgid=$(worker_pid)
  [[ -n $pgid ]] || fail "no worker PID in the output"
  if kill -0 -- "-$pgid" 2>/dev/null; then fail "process group $pgid still has: $(pgrep -a -g "$pgid")"; fi
  if pgrep -f -- "$MARK" >/dev/null; then fail "worker processes left: $(pgrep -a -f -- "$MARK")"; fi
}

# A listener on a free port, held until the case ends; sets HELD_PORT.
hold_port() {
  coproc HOLDER { python3 -c 'import socket,sys
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen()
print(s.getsockname()[1], flush=True); sys.stdin.read()'; }
  read -r -t 10 HELD_PORT <&"${HOLDER[0]}" || fail "could not hold a port"
}

rw() { printf '%q ' "$REFERENCE_WORKER" "$@"; }

# prove (Test::Harness 3.44 on Debian 12) knows TAP up to version 13 and reports the line
# "TAP version 14" as a parse error. TAP 14 keeps 13's grammar for everything else (a
# subtest is indented lines that 13 passes over), so prove reads the document with that
# one line given as 13; any other parse error fails the case. Sets prove_rc.
prove_tap() {
  [[ $(head -n 1 "$1") == "TAP version 14" ]] || fail "the TAP document does not start with 'TAP version 14'"
  sed '1s/^TAP version 14$/TAP version 13/' "$1" >"$WORK/prove.t"
  prove -v -e cat "$WORK/prove.t" >"$WORK/prove.out" 2>&1
  prove_rc=$?
  if grep -q "Parse errors" "$WORK/prove.out"; then fail "prove found parse errors: $(tail -n 20 "$WORK/prove.out")"; fi
}

# meson's own TAP parser reads the document; sets TAP_COUNTS to its last line of counts.
meson_tap() {
  /usr/bin/python3 "$TAP_CHECK" "$1" >"$WORK/tap-check.out" 2>&1 || fail "meson's TAP parser: $(tail -n 20 "$WORK/tap-check.out")"
  TAP_COUNTS=$(tail -n 1 "$WORK/tap-check.out")
}

# xmllint and junitparser (Debian's, under Debian's python3) read the file; sets JUNIT_COUNTS.
junit_counts() {
  xmllint --noout "$1" 2>"$WORK/xmllint.out" || fail "xmllint rejects $1: $(head -c 2000 "$WORK/xmllint.out")"
  JUNIT_COUNTS=$(/usr/bin/python3 "$JUNIT_CHECK" "$1" 2>&1) || fail "junitparser: $JUNIT_COUNTS"
}

# python's json.tool and simdjson read the file; sets JSON_COUNTS.
json_counts() {
  /usr/bin/python3 -m json.tool "$1" >/dev/null 2>"$WORK/json.out" || fail "json.tool rejects $1: $(head -c 2000 "$WORK/json.out")"
  JSON_COUNTS=$("$JSON_CHECK" "$1" 2>&1) || fail "simdjson: $JSON_COUNTS"
}

expect_counts() { [[ $1 == "$2"* ]] || fail "counts '$1', expected '$2'"; }

# A passing, a failing and a skipped worker.
three_worker_matrix() {
  cat >"$WORK/matrix.json" <<JSON
{"workers": [
  {"name": "good worker", "worker": "$(rw)", "max_tokens": 3},
  {"name": "broken worker", "worker": "sh -c 'echo cannot load >&2; exit 5'"},
  {"name": "no model", "worker": "$(rw)", "model": "$WORK/no-such-model.gguf"}
]}
JSON
}

case_passes_with_inference_api_v1() {
  run --worker "$(rw --inference-api v1)"
  expect_rc 0
  expect_out "ALL TESTS PASSED"
  expect_out "Inference streamed 50 tokens"
  expect_out "Heartbeat #1 from worker"
  expect_nothing_left
}

case_passes_with_inference_api_v2() {
  run --worker "$(rw --inference-api v2 --load-ms 300)" --max-tokens 7 --prompt "Bonjour"
  expect_rc 0
  expect_out "ALL TESTS PASSED"
  expect_out "Inference streamed 7 tokens"
  expect_out "Model found: tiny.gguf (GGUF v3"
  expect_nothing_left
}

case_passes_with_nested_heartbeats_on_another_path() {
  run --worker "$(rw --heartbeat-shape nested --heartbeat-path /heartbeat/workers --heartbeat-interval-ms 50)" --heartbeats 3
  expect_rc 0
  expect_out "Heartbeat #3 from worker"
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
}

case_model_not_gguf_is_a_setup_error() {
  printf 'this is not a model' >"$WORK/fake.gguf"
  MODEL=$WORK/fake.gguf
  run
  expect_rc 2
  expect_out "not a GGUF file"
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

case_worker_never_ready_fails_after_timeout() {
  run --worker "$(rw --load-ms 600000)" --timeout 1
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
  expect_out "Heartbeat from unexpected worker curl-1"
  expect_out "Rejected heartbeat: body is not valid JSON"
}

case_bad_usage_gives_2() {
  for args in "--port abc" "--hive-port 70000" "--no-such-option" "--timeout -1" "--workers 0" \
              "--profile nope" "--format yaml" "--worker 'unterminated"; do
    eval "\"\$HIVETEST\" $args" >"$WORK/out" 2>&1; rc=$?
    [[ $rc == 2 ]] || fail "'$args' gave exit $rc, expected 2"
  done
}

case_help_and_version() {
  "$HIVETEST" --help >"$WORK/out" 2>&1; rc=$?
  expect_rc 0
  for opt in --worker --model --model-ref --backend --device --port --hive-port --timeout --heartbeats \
             --heartbeat-timeout --prompt --max-tokens --temperature --workers --profile --format --junit \
             --log-lines --verbose --no-color --version; do
    expect_out "$opt"
  done
  "$HIVETEST" --version >"$WORK/out" 2>&1; rc=$?
  expect_rc 0
  expect_out "hivetest "
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
  run --workers 64 --max-tokens 5
  expect_rc 0
  expect_out "64 passed, 0 failed, 0 skipped of 64 workers"
  [[ $(grep -c '^test-worker-.* pass ' "$WORK/out") == 64 ]] || fail "not 64 rows in the final table"
  [[ $(grep -c 'Heartbeat #1 from worker' "$WORK/out") == 64 ]] || fail "not 64 heartbeats in the hive log"
  expect_nothing_left
}

case_max_parallel_limits_workers_at_a_time() {
  run --workers 6 --max-parallel 2 --max-tokens 3
  expect_rc 0
  expect_out "6 passed, 0 failed, 0 skipped of 6 workers"
}

case_matrix_with_a_failing_worker_exits_1_and_names_it() {
  cat >"$WORK/matrix.json" <<JSON
{"workers": [
  {"name": "v1 worker", "worker": "$(rw --inference-api v1)", "max_tokens": 4},
  {"name": "nested heartbeats", "worker": "$(rw --heartbeat-shape nested)", "prompt": "Hello"},
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
  expect_out "bad.json:4: workers[1].timeout: expected a number"
  printf '[{"wroker": "x"}]' >"$WORK/typo.json"
  run --matrix "$WORK/typo.json"
  expect_rc 2
  expect_out 'typo.json:1: workers[0].wroker: unknown field'
  printf '[{"worker": ' >"$WORK/cut.json"
  run --matrix "$WORK/cut.json"
  expect_rc 2
  expect_out "cut.json"
}

case_tap_of_a_passing_run_is_accepted_by_prove() {
  run_report --format tap --max-tokens 3
  expect_rc 0
  prove_tap "$WORK/report"
  [[ $prove_rc == 0 ]] && grep -q "^Result: PASS" "$WORK/prove.out" || fail "prove: $(tail -n 20 "$WORK/prove.out")"
  meson_tap "$WORK/report"
  expect_counts "$TAP_COUNTS" "ok=10 fail=0 skip=0 bailout=0 errors=0 unknown=0 plan=10"
  grep -qx "OK - inference" "$WORK/tap-check.out" || fail "no inference point: $(cat "$WORK/tap-check.out")"
  grep -q "^# Inference streamed 3 tokens" "$WORK/report" || fail "no comment saying what the inference check saw"
  expect_out "ALL TESTS PASSED"  # the human progress, on stderr
  ! grep -q "Worker Isolation Test" "$WORK/report" || fail "human lines on stdout"
}

case_tap_names_the_failing_check_and_skips_without_a_model() {
  run_report --format tap --worker "sh -c 'echo loading went wrong >&2; exit 3'"
  expect_rc 0  # the document carries the verdict
  meson_tap "$WORK/report"
  expect_counts "$TAP_COUNTS" "ok=3 fail=1 skip=0 bailout=0 errors=0 unknown=0 plan=4"
  grep -qx "FAIL - ready" "$WORK/tap-check.out" || fail "the failing check is not named: $(cat "$WORK/tap-check.out")"
  grep -qx '  message: "Worker exited before it was ready: exited with status 3"' "$WORK/report" || fail "no message: in the YAML block"
  grep -qx '  got: "exited with status 3"' "$WORK/report" || fail "no got: in the YAML block"
  grep -qx '    - "\[err\] loading went wrong"' "$WORK/report" || fail "no worker log in the YAML block"
  prove_tap "$WORK/report"
  [[ $prove_rc != 0 ]] && grep -q "Failed 1/4 subtests" "$WORK/prove.out" || fail "prove: $(tail -n 20 "$WORK/prove.out")"

  MODEL=$WORK/no-such-model.gguf
  run_report --format tap
  expect_rc 0
  meson_tap "$WORK/report"
  expect_counts "$TAP_COUNTS" "ok=0 fail=0 skip=1 bailout=0 errors=0"
  grep -qx "ok 1 - model # SKIP Model not found: $MODEL" "$WORK/report" || fail "no SKIP point: $(cat "$WORK/report")"
}

case_tap_bails_out_on_a_setup_error() {
  hold_port
  "$HIVETEST" --no-color --format tap --port auto --hive-port "$HELD_PORT" >"$WORK/report" 2>"$WORK/out"; rc=$?
  expect_rc 2
  grep -qx "Bail out! Failed to start mock hive server: port $HELD_PORT in use" "$WORK/report" || fail "no Bail out!: $(cat "$WORK/report")"
  meson_tap "$WORK/report"
  expect_counts "$TAP_COUNTS" "ok=1 fail=1 skip=0 bailout=1 errors=0"
  run_report --format tap --worker "/nonexistent/worker-binary"
  expect_rc 2
  grep -q "^Bail out! Worker not started: cannot run '/nonexistent/worker-binary'" "$WORK/report" || fail "no Bail out!: $(cat "$WORK/report")"
}

case_tap_bails_out_when_interrupted() {
  start_bg --format tap --junit "$WORK/junit.xml" --worker "$(rw --load-ms 600000)" --timeout 60
  wait_line "Waiting for worker to be ready" 20
  kill -INT "$BG"
  finish_bg
  expect_rc 130
  expect_out "Bail out! Interrupted by SIGINT; every worker was stopped"
  junit_counts "$WORK/junit.xml"  # written on the way out too
  expect_counts "$JUNIT_COUNTS" "suites=1 tests=3 failures=0 errors=0 skipped=0"
  expect_nothing_left
}

case_junit_is_read_by_junitparser_and_xmllint() {
  three_worker_matrix
  run_report --matrix "$WORK/matrix.json" --junit "$WORK/junit.xml"
  expect_rc 1
  junit_counts "$WORK/junit.xml"
  expect_counts "$JUNIT_COUNTS" "suites=3 tests=15 failures=1 errors=0 skipped=1"
  grep -q '<testsuite name="broken worker"' "$WORK/junit.xml" || fail "no suite named after the matrix entry"
  grep -q '<failure message="Worker exited before it was ready: exited with status 5" type="ready">' "$WORK/junit.xml" \
    || fail "no failure element"
  grep -q '^\[err\] cannot load$' "$WORK/junit.xml" || fail "no worker log in system-out"
  run_report --worker "/nonexistent/worker-binary" --junit "$WORK/error.xml"
  expect_rc 2
  junit_counts "$WORK/error.xml"
  expect_counts "$JUNIT_COUNTS" "suites=1 tests=3 failures=0 errors=1 skipped=0"
}

case_junit_file_that_cannot_be_written_gives_2() {
  run --junit "$WORK/no-such-dir/report.xml"
  expect_rc 2
  expect_out "--junit $WORK/no-such-dir/report.xml: No such file or directory"
  ! grep -q "Worker started" "$WORK/out" || fail "the run went ahead"
}

case_json_is_read_by_json_tool_and_simdjson() {
  three_worker_matrix
  run_report --format json --matrix "$WORK/matrix.json"
  expect_rc 1
  json_counts "$WORK/report"
  expect_counts "$JSON_COUNTS" "version=1 outcome=fail workers=3 checks=15"
  expect_out "1 passed, 1 failed, 1 skipped of 3 workers"  # the human summary, on stderr
}

case_hostile_worker_output_keeps_every_report_valid() {
  cat >"$WORK/hostile.sh" <<'SH'
printf '\033[31mred\033[0m nul:\000: bad:\377\376: c1:\302\233: nonchar:\357\277\276: <&>"'"'"' # SKIP \\ ]]> cr:\r:\n' >&2
printf '  ...\nBail out! not really\nnot ok 99 - fake\n'
head -c 5242880 /dev/zero | tr '\0' x
echo
printf 'after the long line\n' >&2
exit 4
SH
  run_report --format tap --junit "$WORK/junit.xml" --worker "sh $WORK/hostile.sh"
  expect_rc 0
  meson_tap "$WORK/report"
  expect_counts "$TAP_COUNTS" "ok=3 fail=1 skip=0 bailout=0 errors=0 unknown=0 plan=4"
  prove_tap "$WORK/report"
  grep -qF '\u001b[31mred\u001b[0m nul:\u0000: bad:\ufffd\ufffd: c1:\u009b: nonchar:\ufffe:' "$WORK/report" \
    || fail "the hostile line is not in the YAML block, escaped"
  grep -q 'more bytes\]"$' "$WORK/report" || fail "the long line is not cut with a marker"
  (( $(stat -c %s "$WORK/report") < 100000 )) || fail "the TAP report is $(stat -c %s "$WORK/report") bytes"

  junit_counts "$WORK/junit.xml"
  expect_counts "$JUNIT_COUNTS" "suites=1 tests=4 failures=1 errors=0 skipped=0"
  grep -q '\[out\] xxxx.* more bytes\] \[cut\]$' "$WORK/junit.xml" || fail "the long line is not cut in system-out"
  grep -qF '&lt;&amp;&gt;&quot;&apos; # SKIP \ ]]&gt; cr:\x0d:' "$WORK/junit.xml" || fail "markup in the worker log is not escaped"
  (( $(stat -c %s "$WORK/junit.xml") < 100000 )) || fail "the JUnit report is $(stat -c %s "$WORK/junit.xml") bytes"

  run_report --format json --worker "sh $WORK/hostile.sh"
  expect_rc 1
  json_counts "$WORK/report"
  expect_counts "$JSON_COUNTS" "version=1 outcome=fail workers=1 checks=4 log_lines=6 log_bytes="
  /usr/bin/python3 -c '
import json, sys
lines = json.load(open(sys.argv[1]))["workers"][0]["log"]["lines"]
long = [l for l in lines if l["cut"]]
assert len(long) == 1 and long[0]["text"] == "x" * 16384, "the 5 MiB line is not kept cut at 16 KiB"
assert any(l["text"].startswith("\x1b[31mred\x1b[0m nul:\x00: bad:\ufffd\ufffd:") for l in lines), lines
' "$WORK/report" || fail "the JSON log lines are not what the worker printed"
}

name=${1:?usage: cases.sh CASE}
declare -F "case_$name" >/dev/null || fail "no such case: $name"
"case_$name"
echo "ok: $name"
