#!/usr/bin/env bash
# Fault cases: the reference worker misbehaving in one way each (--fault NAME), and hivetest
# catching it with the right check, the right message, the right exit status, in bounded time.
# Usage: HIVETEST=… REFERENCE_WORKER=… TINY_MODEL=… cases.sh CASE
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

# hivetest with the options $@, saying how long it took.
run_timed() {
  run "$@"
  echo "time to the end of the run: $elapsed_ms ms (exit status $rc)"
}

# hivetest against a worker with the fault $1; the rest are hivetest's options.
run_fault() {
  local fault=$1
  shift
  run_timed --worker "$(rw --fault "$fault")" "$@"
}

# The same with the profile $1 against a worker speaking the dialect of that name.
run_dialect_fault() {
  local dialect=$1 fault=$2
  shift 2
  run_timed --profile "$dialect" --worker "$(rw --dialect "$dialect" --fault "$fault")" "$@"
}

# Timing is asserted only as causality, with a margin of 5x either way: speed is measured in
# tools/bench, never asserted here.
# A fault seen as it happens: the run ended well before the deadline of $1 seconds it would
# otherwise have waited for (at most a fifth of it).
expect_fast() {
  local ms=$(( $1 * 1000 ))
  (( elapsed_ms * 5 < ms )) || fail "took $elapsed_ms ms: not before the ${1} s deadline by a margin of 5x"
}
# A fault that can only be seen at a deadline of $1 seconds: not before it, and not at
# five times it either.
expect_at_deadline() {
  local ms=$(( $1 * 1000 ))
  (( elapsed_ms >= ms )) || fail "ended after $elapsed_ms ms, before the ${1} s deadline"
  (( elapsed_ms < 5 * ms )) || fail "ended after $elapsed_ms ms, five times the ${1} s deadline"
}
# The number in the first output line that matches the sed expression $1.
number_from() { sed -n "s/$1/\\1/p" "$WORK/out" | head -n 1; }

case_crash_on_start() {
  run_fault crash-on-start --timeout 30
  expect_rc 1
  expect_failed_check "Readiness"
  expect_out "Worker exited before it was ready: exited with status 101"
  expect_worker_log "panicked at 'fault crash-on-start"
  expect_fast 30
  expect_nothing_left
}

# The first request after "ready" is the first inference, sent at once to see that ready
# means ready.
case_exit_after_ready() {
  run_fault exit-after-ready
  expect_rc 1
  expect_failed_check "Ready means ready"
  expect_out "Worker exited during the ready-means-ready check: exited with status 101"
  expect_worker_log "fault exit-after-ready: exiting on POST /v1/jobs"
  ! grep -qF "Testing inference endpoint" "$WORK/out" || fail "the checks went on after the worker exited"
  expect_fast 30
  expect_nothing_left
}

case_never_ready() {
  run_fault never-ready --timeout 1
  expect_rc 1
  expect_failed_check "Readiness"
  expect_out "Worker did not become ready within 1s"
  expect_out "Connection refused"
  expect_worker_log "fault never-ready: not opening port"
  expect_at_deadline 1
  expect_nothing_left
}

case_health_500() {
  run_fault health-500 --timeout 1
  expect_rc 1
  expect_failed_check "Readiness"
  expect_out "Worker did not become ready within 1s"
  expect_out '/health answered 500 {"error":"fault health-500: the backend is broken"}'
  expect_worker_log "GET /health -> 500"
  expect_at_deadline 1
}

# /v1/ready is rbee's older versions' endpoint.
case_ready_false() {
  run_dialect_fault rbee-v2 ready-false --timeout 1
  expect_rc 1
  expect_failed_check "Readiness"
  expect_out "Worker did not become ready within 1s"
  expect_out '/v1/ready answered 200 {"ready":false,"state":"idle","model_loaded":true}'
  expect_at_deadline 1
}

case_no_heartbeat() {
  run_fault no-heartbeat --heartbeat-timeout 1
  expect_rc 1
  expect_failed_check "Heartbeat"
  expect_out "Received 0 of 1 heartbeat(s) within 1s"
  expect_out "(nothing received)"
  expect_worker_log "fault no-heartbeat: sending no heartbeats"
  expect_at_deadline 1
}

case_bad_heartbeat() {
  run_fault bad-heartbeat --heartbeat-timeout 30
  expect_rc 1
  expect_failed_check "Heartbeat"
  expect_out "Heartbeat rejected by the hive: body is not valid JSON"
  expect_out 'got:      400 for the body {"worker":{"id":"test-worker-'
  expect_out "Rejected heartbeat: body is not valid JSON"
  expect_worker_log "heartbeat #1 sent to"
  expect_fast 30
}

case_late_heartbeat() {
  run_fault late-heartbeat --heartbeat-timeout 1
  expect_rc 1
  expect_failed_check "Heartbeat"
  expect_out "Received 0 of 1 heartbeat(s) within 1s"
  expect_worker_log "fault late-heartbeat: the first heartbeat goes in 600 s"
  expect_at_deadline 1
}

case_sse_error_event() {
  run_fault sse-error-event --inference-timeout 30
  expect_rc 1
  expect_failed_check "Inference"
  expect_out "sent an error event"
  expect_out "got:      error fault: fault sse-error-event: the model failed mid-stream"
  expect_worker_log "fault sse-error-event: sending an error event after 3 tokens"
  expect_fast 30
}

case_sse_no_done() {
  run_fault sse-no-done --inference-timeout 30
  expect_rc 1
  expect_failed_check "Inference"
  expect_out "ended without data: [DONE]"
  expect_out "got:      50 tokens, no end event"
  expect_fast 30
}

case_sse_stall() {
  run_fault sse-stall --inference-timeout 1
  expect_rc 1
  expect_failed_check "Inference"
  expect_out "did not finish within 1.0s"
  expect_out "got:      3 tokens in 1.0s, then no event for the last 1.0s"
  expect_worker_log "fault sse-stall: no more events after 3 tokens"
  expect_at_deadline 1
}

case_sse_garbage() {
  run_fault sse-garbage --inference-timeout 30
  expect_rc 1
  expect_failed_check "Inference"
  expect_out "is not server-sent events: 162 bytes without one event"
  expect_out "got:      <html><head><title>502 Bad Gateway</title>"
  expect_fast 30
}

case_slow_tokens_within_the_timeout() {
  run_fault slow-tokens --max-tokens 5 --inference-timeout 5
  expect_rc 0
  expect_out "ALL TESTS PASSED"
  expect_out "Inference streamed 5 tokens"
  # Four gaps of 200 ms between five tokens: the worker really was slow.
  local ms; ms=$(number_from '.*Inference test passed (\([0-9]*\)[.0-9]* ms).*')
  (( ms >= 800 )) || fail "inference took $ms ms, so the tokens were not slow"
}

case_slow_tokens_past_the_timeout() {
  run_fault slow-tokens --inference-timeout 1
  expect_rc 1
  expect_failed_check "Inference"
  expect_out "did not finish within 1.0s"
  expect_out "tokens in 1.0s, then no event for the last 0."
  expect_at_deadline 1
}

# Cleanup kills it after the grace; the shutdown check fails it for that.
case_ignore_sigterm() {
  run_fault ignore-sigterm --grace 0.5
  expect_rc 1
  expect_failed_check "Graceful shutdown"
  expect_out "Worker stopped: killed by signal 9 (SIGKILL), still running 0.5s after SIGTERM"
  expect_out "Worker did not stop on SIGTERM: still running 500 ms later, so it was killed"
  expect_worker_log "received SIGTERM: ignoring it (fault ignore-sigterm)"
  (( elapsed_ms >= 500 )) || fail "the run ended after $elapsed_ms ms, before the 0.5 s grace"
  (( elapsed_ms < 5 * 500 )) || fail "the run took $elapsed_ms ms, five times the 0.5 s grace"
  expect_nothing_left
}

# Runs with the grandchild fault $1, which must not hurt the flow; sets GRANDCHILD to the pid
# the worker logged when it started (all its log shown, to hold that line).
run_grandchild_fault() {
  run_fault "$1" --log-lines 200
  expect_rc 0
  expect_out "ALL TESTS PASSED"
  expect_worker_log "fault $1: started child PID"
  GRANDCHILD=$(number_from ".*fault $1: started child PID \([0-9]*\).*")
  [[ -n $GRANDCHILD ]] || fail "no grandchild PID in the worker log"
}

case_fork_grandchild() {
  run_grandchild_fault fork-grandchild
  ! kill -0 "$GRANDCHILD" 2>/dev/null || fail "grandchild $GRANDCHILD is still running"
  expect_nothing_left
}

# The grandchild left the worker's group and session; cleanup must find it all the same
# (a zombie waiting for init to reap it has ended).
case_setsid_grandchild() {
  run_grandchild_fault setsid-grandchild
  expect_worker_log "in a session of its own"
  local state; state=$(ps -o stat= -p "$GRANDCHILD" 2>/dev/null | tr -d ' ')
  [[ -z $state || $state == Z* ]] || fail "setsid grandchild $GRANDCHILD is still running ($state)"
  expect_nothing_left
}

case_close_pipes() {
  run_fault close-pipes
  expect_rc 0
  expect_out "ALL TESTS PASSED"
  # The log just ends with the worker's last words before it closed them.
  local last; last=$(sed -n '/Worker logs (last/,/Test Summary/p' "$WORK/out" | grep -F '[err]' | tail -n 1)
  [[ $last == *"fault close-pipes: closing stdout and stderr"* ]] || fail "the worker log does not end at the close: $last"
  expect_fast 30
  expect_nothing_left
}

# 10 s of a worker writing as fast as it can: hivetest's memory stays bounded, it keeps
# reading, and the rest of the flow runs on time. Peak RSS is read from /proc when hivetest
# says the worker is ready, 10 s into the flood; a second of slow tokens after that keeps
# hivetest running while it is read.
case_log_flood() {
  start_bg --worker "$(rw --fault log-flood --load-ms 10000 --token-delay-ms 50)" --max-tokens 20 --heartbeats 1
  wait_line "Worker is ready!" 40
  local hwm_kb; hwm_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$BG/status")
  finish_bg
  echo "hivetest peak RSS after 10 s of flood: $hwm_kb kB"
  [[ -n $hwm_kb ]] || fail "could not read hivetest's VmHWM"
  if [[ ${HIVETEST_SANITIZE:-none} == none ]]; then
    (( hwm_kb < 64 * 1024 )) || fail "hivetest's peak RSS is $hwm_kb kB, over 64 MiB"
  else
    echo "peak RSS not checked: ASan's quarantine and shadow memory ($HIVETEST_SANITIZE build)"
  fi
  expect_rc 0
  expect_out "ALL TESTS PASSED"
  local ready_ms; ready_ms=$(number_from '.*Worker is ready! (\([0-9]*\)[.0-9]* ms).*')
  (( ready_ms >= 10000 && ready_ms < 5 * 10000 )) || fail "ready after $ready_ms ms, expected at the end of the 10 s load"
  # The worker never blocked on a full pipe: by its own count in the last flood lines shown,
  # it wrote far more than any buffer between it and hivetest holds, and was still writing
  # after readiness. How fast it wrote is no business of a test.
  local flood; flood=$(sed -n 's/.*\[ *\([0-9]*\)\.[0-9]*\] flood: \([0-9]*\) bytes written.*/\1 \2/p' "$WORK/out" | sort -n -k2 | tail -n 1)
  [[ -n $flood ]] || fail "no flood line in the worker log shown"
  local last_ms=${flood% *} total=${flood#* }
  echo "the worker had written $total bytes at $last_ms ms"
  # 64 times the 512 KiB log ring: not a rate, a size no buffer on the way could have held
  # (hivetest's peak RSS is no yardstick under ASan, which multiplies it).
  (( total >= 64 * 512 * 1024 )) || fail "the worker wrote only $total bytes: it must have been blocked"
  (( last_ms >= 10000 )) || fail "the last flood line shown was written at $last_ms ms, before readiness"
  expect_nothing_left
}

# The bugs real workers ship (docs/PROFILES.md), each caught by the check made for it.

# llama-server b4748 aborts on SIGTERM once it has served a request.
case_crash_on_sigterm() {
  run_fault crash-on-sigterm
  expect_rc 1
  expect_failed_check "Graceful shutdown"
  expect_out "Worker did not shut down cleanly on SIGTERM: killed by signal 6 (SIGABRT)"
  expect_worker_log "terminate called without an active exception"
  expect_fast 30
  expect_nothing_left
}

# rbee v3 leaves SIGTERM its default action: a warning, which --strict makes a failure.
case_default_sigterm() {
  run_fault default-sigterm
  expect_rc 0
  expect_out "⚠️  Graceful shutdown test WARNED"
  expect_out "Worker does not handle SIGTERM: it died by the signal's default action"
  expect_fast 30
  expect_nothing_left
  run_fault default-sigterm --strict
  expect_rc 1
  expect_out "⚠️  Graceful shutdown test WARNED"
  expect_fast 30
  expect_nothing_left
}

# One slot, held by a 2048-token generation whose client left after 3 tokens: the next
# request waits about 10 s, so hivetest gives up on it at its bound, long before that. A
# token delay keeps the worker from writing the whole answer before the client can leave.
case_ignore_disconnect() {
  run_timed --worker "$(rw --fault ignore-disconnect --token-delay-ms 1)"
  expect_rc 1
  expect_failed_check "Disconnect cancels"
  expect_out "Kept generating after the client left: the next request got no token in time"
  expect_worker_log "fault ignore-disconnect: generating on for no one"
  expect_fast 30
  expect_nothing_left
}

# Streams that overlap (20 ms between tokens), every second token of each in the oldest
# other stream.
case_cross_talk() {
  run_timed --worker "$(rw --fault cross-talk --token-delay-ms 20)" --max-tokens 10 --log-lines 200
  expect_rc 1
  expect_failed_check "Concurrent streams"
  expect_out "carries tokens that are not its own"
  expect_out "has index"
  expect_worker_log "fault cross-talk: token 2 goes to the stream of job"
  expect_fast 30
}

# The stream hivetest cancels takes the other running streams down with it.
case_cancel_kills_others() {
  run_timed --worker "$(rw --fault cancel-kills-others --token-delay-ms 20)" --max-tokens 10 --log-lines 200
  expect_rc 1
  expect_failed_check "Concurrent streams"
  expect_out "Concurrent streams: stream 1 of 4 the stream from GET /v1/jobs/"
  expect_out "did not finish: "
  expect_out "a cancelled stream must end only itself"
  expect_worker_log "fault cancel-kills-others: its client left"
  expect_worker_log "without the ends of their answers, and listening on"
  expect_fast 30
}

# rbee (v3) streams carry no count: the older rbee-v2 does.
case_miscount() {
  run_dialect_fault rbee-v2 miscount
  expect_rc 1
  expect_failed_check "Stream accounting"
  expect_out 'The inference stream'"'"'s token accounting is off: 50 tokens streamed, but the count "tokens_out" says 51'
  expect_fast 30
}

case_server_error_on_bad_request() {
  run_fault server-error-on-bad-request
  expect_rc 1
  expect_failed_check "Client errors are 4xx"
  expect_out "with a body that is not JSON: a client error answered as a server error"
  expect_out "500 Failed to parse operation: request body is not valid JSON"
  expect_fast 30
}

# Ready at once although the model loads for a minute, and the first inference refused: the
# run is over long before the load would be.
case_ready_too_early() {
  run_timed --worker "$(rw --fault ready-too-early --load-ms 60000)" --log-lines 200
  expect_rc 1
  expect_failed_check "Ready means ready"
  expect_out "The first inference right after ready failed"
  expect_out "model not loaded yet"
  expect_worker_log "fault ready-too-early: answering the first inference request"
  expect_fast 60
}

# Beats every 100 and 300 ms by turns, where 200 ms is expected.
case_irregular_heartbeat() {
  run_timed --worker "$(rw --fault irregular-heartbeat --heartbeat-interval-ms 200)" --heartbeats 4 \
    --heartbeat-interval 0.2 --log-lines 200
  expect_rc 1
  expect_failed_check "Heartbeat cadence"
  expect_out "Heartbeat intervals outside ±20 % of 200 ms"
  expect_out "got:      intervals "
  expect_worker_log "fault irregular-heartbeat: intervals alternate 100 ms and 300 ms"
  expect_fast 30
}

# The failure paths of the endpoint checks.

# The readiness poll sees healthy; the health check after it does not.
case_unhealthy_after_ready() {
  run_fault unhealthy-after-ready
  expect_rc 1
  expect_failed_check "Health"
  expect_out "GET /health did not answer as expected"
  expect_out '200 {"status":"unhealthy"}'
  expect_fast 30
}

case_unready_after_ready() {
  run_dialect_fault rbee-v2 unready-after-ready
  expect_rc 1
  expect_failed_check "Ready endpoint"
  expect_out "GET /v1/ready did not answer as expected"
  expect_out '200 {"ready":false,"state":"idle","model_loaded":true}'
  expect_fast 30
}

case_progress_not_sse() {
  run_dialect_fault rbee-v2 progress-not-sse
  expect_rc 1
  expect_failed_check "Loading progress"
  expect_out "GET /v1/loading/progress is not an event stream"
  expect_out '200 {"stage":"ready"}'
  expect_fast 30
}

case_progress_no_ready() {
  run_dialect_fault rbee-v2 progress-no-ready
  expect_rc 1
  expect_failed_check "Loading progress"
  expect_out "GET /v1/loading/progress did not end ready"
  expect_out 'last stage "loading_to_vram", [DONE]'
  expect_fast 30
}

case_accept_invalid() {
  run_fault accept-invalid
  expect_rc 1
  expect_failed_check "Client errors are 4xx"
  expect_out "POST /v1/jobs with a body that is not JSON was not refused as expected"
  expect_worker_log "fault accept-invalid: serving a request it would refuse with 400"
  expect_fast 30
}

case_inference_503() {
  run_fault inference-503
  expect_rc 1
  expect_failed_check "Inference"
  expect_out "POST /v1/jobs did not answer with an event stream"
  expect_out '503 {"error":"overloaded"}'
  expect_fast 30
  # The same refusal when only the streams at once are asked for: named as theirs.
  run_fault inference-503 --checks concurrent-streams
  expect_rc 1
  expect_failed_check "Concurrent streams"
  expect_out "Concurrent streams: stream 1 of 4 was answered 503"
  expect_fast 30
}

case_job_without_url() {
  run_fault job-without-url
  expect_rc 1
  expect_failed_check "Inference"
  expect_out "POST /v1/jobs answered neither a stream nor a job's sse_url"
  expect_out '200 {"job_id":"job-'
  expect_fast 30
}

case_sse_not_json() {
  run_fault sse-not-json --inference-timeout 30
  expect_rc 1
  expect_failed_check "Inference"
  expect_out "sent an event that is not JSON"
  expect_out "this is not json"
  expect_fast 30
}

case_sse_cut() {
  run_fault sse-cut --inference-timeout 30 --log-lines 200
  expect_rc 1
  expect_failed_check "Inference"
  expect_out "the stream from GET /v1/jobs/"
  expect_out "did not finish: "
  expect_out " after 3 tokens"
  expect_worker_log "fault sse-cut: closing the connection after 3 tokens"
  expect_fast 30
}

# The dialects that listen before the model is loaded, and so can be asked while it loads
# (rbee loads first: nothing answers then).
LOADING_DIALECTS="rbee-v1 rbee-v2 llama-server openai"
# Long enough that the inference sent at the first loading answer comes while still loading.
LOAD_MS=3000

# A reference worker in dialect $1 with the options after it; the openai profile appends no
# arguments, so the command carries its placeholders.
dialect_worker() {
  local dialect=$1
  shift
  rw --dialect "$dialect" "$@"
  if [[ $dialect == openai ]]; then printf '%s' "--model {model} --model-ref {model_ref} --port {port}"; fi
}

# While loading, inference gets 200 and a progress page: the readiness poll sees the worker
# loading, sends one inference, and ready-means-ready fails on its answer once the worker is
# ready; nothing else fails, and the page's escape byte is not printed raw.
case_garbage_while_loading() {
  local dialect failed
  for dialect in $LOADING_DIALECTS; do
    run_timed --profile "$dialect" --worker "$(dialect_worker "$dialect" --fault garbage-while-loading --load-ms $LOAD_MS)" \
      --timeout 60 --log-lines 200
    expect_rc 1
    expect_failed_check "Ready means ready"
    failed=$(grep -c "test FAILED (" "$WORK/out")
    [[ $failed == 1 ]] || fail "$dialect: $failed checks failed, expected only ready-means-ready"
    expect_out "The worker answered an inference with garbage while loading: "
    expect_out "Loading model... 37%"
    ! grep -q $'\x1b' "$WORK/out" || fail "$dialect: the worker's escape byte reached the output raw"
    expect_worker_log "fault garbage-while-loading: answering POST "
    expect_worker_log "model loaded: ready for inference"
    expect_fast 60
    expect_nothing_left
  done
}

# The counterpart: the worker without the fault refuses inference with 503 while loading,
# and passes in every dialect; rbee, loading before it listens, is never asked while loading.
case_loading_refusals_pass_in_every_dialect() {
  local dialect
  for dialect in $LOADING_DIALECTS rbee; do
    run_timed --profile "$dialect" --worker "$(dialect_worker "$dialect" --load-ms $LOAD_MS)" --timeout 60 --max-tokens 5
    expect_rc 0
    expect_out "ALL TESTS PASSED"
    if [[ $dialect == rbee ]]; then
      ! grep -qF "sent while loading" "$WORK/out" || fail "rbee was sent an inference while it loaded, before it listened"
    else
      expect_out "; one sent while loading: refused it with 503"
    fi
    expect_nothing_left
  done
}

# A worker that logs nonstop while it loads: each line may be the one saying it listens, so
# a line wakes the readiness poll, but never sooner than a tenth of the poll's interval
# after the last asking. At the interval's 50 ms cap that is one ask per 5 ms; twice that
# many over the load is the most the worker may be asked. (Before the floor, each line
# asked again at once: 3189 asks in a 2 s load on this machine, against 53 from a quiet
# worker.) The worker counts the requests that came while it loaded, and says so in its last
# line, on stderr; up to a pipe's worth (512 lines) of its stdout flood may be read after it.
case_chatty_loading_worker_is_not_asked_nonstop() {
  local load_ms=2000 fault asks=() count
  for fault in log-flood ""; do
    run_timed --profile llama-server --worker "$(rw --dialect llama-server ${fault:+--fault $fault} --load-ms $load_ms)" \
      --timeout 60 --max-tokens 5 --log-lines 2000
    expect_rc 0
    expect_out "ALL TESTS PASSED"
    count=$(number_from '.*stopped after answering [0-9]* requests, \([0-9]*\) of them while the model loaded.*')
    [[ -n $count ]] || fail "the worker's count of requests while it loaded is not in its log"
    asks+=("$count")
  done
  echo "asked while loading: ${asks[0]} times by a worker logging nonstop, ${asks[1]} times by a quiet one"
  (( asks[1] > 0 )) || fail "the quiet worker was never asked while it loaded"
  (( asks[0] <= 2 * load_ms / 5 )) || fail "asked ${asks[0]} times in a $load_ms ms load: the worker's lines set the pace of the readiness poll"
  expect_nothing_left
}

run_case "$@"
