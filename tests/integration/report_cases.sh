#!/usr/bin/env bash
# Report cases: hivetest's TAP, JSON and JUnit reports read by the tools CI systems use.
# Usage: HIVETEST=… REFERENCE_WORKER=… TINY_MODEL=… TAP_CHECK=… JUNIT_CHECK=… JSON_CHECK=… report_cases.sh CASE
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${TAP_CHECK:?}" "${JUNIT_CHECK:?}" "${JSON_CHECK:?}"

# Like run, with stdout (the report) in $WORK/report and stderr (the progress) in $WORK/out.
run_report() {
  "$HIVETEST" --no-color --port auto --hive-port auto --model "$MODEL" --model-ref "$MARK" "$@" >"$WORK/report" 2>"$WORK/out"
  rc=$?
}

# prove (Test::Harness 3.44 on Debian 12) knows TAP up to version 13 and reports the line
# "TAP version 14" as a parse error; for such harnesses hivetest writes the same document
# under `--tap-version 13` (test_tap.cpp checks it is the same), which is what prove reads
# here. Any parse error fails the case. Sets prove_rc.
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

# The whole line of counts must be as expected, every count of it; a * in the expected line
# stands for a count that varies from run to run.
expect_counts() {
  # shellcheck disable=SC2053  # $2 is a pattern
  [[ $1 == $2 ]] || fail "counts '$1', expected '$2'"
}

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

case_tap_of_a_passing_run_is_accepted_by_prove() {
  run_report --format tap --tap-version 13 --max-tokens 3
  expect_rc 0
  [[ $(head -n 1 "$WORK/report") == "TAP version 13" ]] || fail "--tap-version 13 did not write version 13"
  prove -v -e cat "$WORK/report" >"$WORK/prove.out" 2>&1 && grep -q "^Result: PASS" "$WORK/prove.out" &&
    ! grep -q "Parse errors" "$WORK/prove.out" || fail "prove: $(tail -n 20 "$WORK/prove.out")"

  run_report --format tap --max-tokens 3
  expect_rc 0
  prove_tap "$WORK/report"
  [[ $prove_rc == 0 ]] && grep -q "^Result: PASS" "$WORK/prove.out" || fail "prove: $(tail -n 20 "$WORK/prove.out")"
  meson_tap "$WORK/report"
  expect_counts "$TAP_COUNTS" "ok=13 fail=0 skip=4 bailout=0 errors=0 unknown=0 plan=17"
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
  expect_counts "$TAP_COUNTS" "ok=0 fail=0 skip=1 bailout=0 errors=0 unknown=0 plan=1"
  grep -qx "ok 1 - model # SKIP Model not found: $MODEL" "$WORK/report" || fail "no SKIP point: $(cat "$WORK/report")"
}

case_tap_bails_out_on_a_setup_error() {
  hold_port
  "$HIVETEST" --no-color --format tap --port auto --hive-port "$HELD_PORT" >"$WORK/report" 2>"$WORK/out"; rc=$?
  expect_rc 2
  grep -qx "Bail out! Failed to start mock hive server: port $HELD_PORT in use" "$WORK/report" || fail "no Bail out!: $(cat "$WORK/report")"
  meson_tap "$WORK/report"
  expect_counts "$TAP_COUNTS" "ok=1 fail=1 skip=0 bailout=1 errors=0 unknown=0 plan=2"
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
  expect_counts "$JUNIT_COUNTS" "suites=1 tests=4 failures=0 errors=1 skipped=0"
  grep -q '<error message="interrupted by SIGINT before the checks were done" type="interrupted">' "$WORK/junit.xml" \
    || fail "no <error> saying the run was interrupted"
  expect_nothing_left
}

# --format jsonl: one JSON object per line as the run goes, from run_started through every
# check to the summary, each line read by Python's json.
case_jsonl_is_one_event_per_line() {
  "$HIVETEST" --no-color --port auto --hive-port auto --model "$MODEL" --model-ref "$MARK" --format jsonl \
    >"$WORK/report" 2>"$WORK/out"; rc=$?
  expect_rc 0
  python3 - "$WORK/report" <<'PY' || fail "not one JSON event per line: $(head -c 400 "$WORK/report")"
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
kinds = [e["event"] for e in events]
assert kinds[0] == "run_started" and kinds[-1] == "summary", kinds
assert "check_started" in kinds and "check_finished" in kinds and "worker_finished" in kinds, kinds
assert events[-1]["summary"]["workers"]["pass"] == 1, events[-1]
PY
}

# SIGTERM during a TAP run: Bail out!, exit 143, the worker stopped.
case_tap_bails_out_on_sigterm() {
  start_bg --format tap --worker "$(rw --load-ms 600000)" --timeout 60
  wait_line "Waiting for worker to be ready" 20
  kill -TERM "$BG"
  finish_bg
  expect_rc 143
  expect_out "Bail out! Interrupted by SIGTERM; every worker was stopped"
  expect_nothing_left
}

# Ctrl-C while four workers load: no worker counts as passed, in the JSON report or the
# human summary (each said "pass" before the interrupted outcome).
case_interrupted_workers_are_not_passed() {
  start_bg --format json --workers 4 --worker "$(rw --load-ms 5000)" --timeout 60
  wait_line "Waiting for worker to be ready" 20
  kill -INT "$BG"
  finish_bg
  expect_rc 130
  python3 - "$WORK/out" <<'PY' || fail "a worker of the interrupted run counts as passed"
import json, sys
text = open(sys.argv[1]).read()
doc = json.loads(text[text.index("{"):text.rindex("}") + 1])
outcomes = [w["outcome"] for w in doc["workers"]]
print("outcomes:", outcomes)
assert outcomes == ["interrupted"] * 4, outcomes
assert doc["summary"]["workers"]["interrupted"] == 4, doc["summary"]
PY
  expect_out "0 passed, 0 failed, 0 skipped, 4 interrupted of 4 workers"
  expect_nothing_left
}

case_junit_is_read_by_junitparser_and_xmllint() {
  three_worker_matrix
  run_report --matrix "$WORK/matrix.json" --junit "$WORK/junit.xml"
  expect_rc 1
  junit_counts "$WORK/junit.xml"
  expect_counts "$JUNIT_COUNTS" "suites=3 tests=22 failures=1 errors=0 skipped=5"
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
  expect_counts "$JSON_COUNTS" "version=1 outcome=fail workers=3 checks=22 log_lines=* log_bytes=* hive_log=*"
  expect_out "1 passed, 1 failed, 1 skipped of 3 workers"  # the human summary, on stderr
}

# ready_seen_monotonic_us is on CLOCK_MONOTONIC: after the moment the worker logged that it
# listened (its own clock_gettime), between the moments before and after the run as Python's
# time.monotonic() reads them; null for a worker that never was ready.
case_json_ready_seen_is_on_the_workers_clock() {
  cat >"$WORK/matrix.json" <<JSON
{"workers": [
  {"name": "good worker", "worker": "$(rw)", "max_tokens": 3},
  {"name": "broken worker", "worker": "sh -c 'echo cannot load >&2; exit 5'"}
]}
JSON
  local before after
  before=$(/usr/bin/python3 -c 'import time; print(int(time.monotonic() * 1e6))')
  run_report --format json --log-lines 100 --matrix "$WORK/matrix.json"
  after=$(/usr/bin/python3 -c 'import time; print(int(time.monotonic() * 1e6))')
  expect_rc 1
  /usr/bin/python3 - "$WORK/report" "$before" "$after" <<'PY' || fail "ready_seen_monotonic_us is not when hivetest saw the worker ready"
import json, re, sys
workers = json.load(open(sys.argv[1]))["workers"]
before, after = int(sys.argv[2]), int(sys.argv[3])
good, broken = workers
seen = good["ready_seen_monotonic_us"]
assert isinstance(seen, int), f"ready_seen_monotonic_us is {seen!r}"
listening = [m for l in good["log"]["lines"] if (m := re.search(r"listening on .* monotonic=(\d+)\.(\d{6})$", l["text"]))]
assert len(listening) == 1, "no one 'listening on ... monotonic=' line in the worker's log"
listened = int(listening[0].group(1)) * 1_000_000 + int(listening[0].group(2))
assert before <= listened <= seen <= after, f"not before {before} <= listened {listened} <= seen {seen} <= after {after}"
assert broken["ready_seen_monotonic_us"] is None, f"a worker never ready has {broken['ready_seen_monotonic_us']!r}"
PY
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
  expect_counts "$JSON_COUNTS" "version=1 outcome=fail workers=1 checks=4 log_lines=6 log_bytes=* hive_log=*"
  /usr/bin/python3 -c '
import json, sys
lines = json.load(open(sys.argv[1]))["workers"][0]["log"]["lines"]
long = [l for l in lines if l["cut"]]
assert len(long) == 1 and long[0]["text"] == "x" * 16384, "the 5 MiB line is not kept cut at 16 KiB"
assert any(l["text"].startswith("\x1b[31mred\x1b[0m nul:\x00: bad:\ufffd\ufffd:") for l in lines), lines
' "$WORK/report" || fail "the JSON log lines are not what the worker printed"
}

run_case "$@"
