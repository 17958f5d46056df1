# Helpers shared by the case scripts that run the real hivetest against the real reference
# worker: sourced by tests/integration/cases.sh and tests/faults/cases.sh.
# Needs HIVETEST, REFERENCE_WORKER and TINY_MODEL. Nothing here sleeps: every wait reads an
# output line, a process exit or a socket, with a deadline.
set -u
: "${HIVETEST:?}" "${REFERENCE_WORKER:?}" "${TINY_MODEL:?}"

WORK=$(mktemp -d)
BG=""
MODEL=$TINY_MODEL         # the model a case runs with
MARK="case-$$-$RANDOM"  # in the worker's --model-ref, to find its processes by command line
# Kills what a case left running, which only a failed case may have (run_case checks it),
# and says what it killed.
cleanup() {
  local left; left=$(leftovers)
  if [[ -n $left ]]; then
    echo "--- killed what the case left running:"
    echo "$left"
    kill -KILL $(awk '{print $1}' <<<"$left") 2>/dev/null
  fi
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
# The summary names the check that failed, e.g. "Readiness".
expect_failed_check() { expect_out "❌ $1 test FAILED"; }
# The worker's last log lines are shown, and they hold this.
expect_worker_log() {
  sed -n '/Worker logs (last/,/Test Summary/p' "$WORK/out" | grep -qF -- "$1" || fail "the worker log shown lacks: $1"
}
# A case that calls what does not exist fails, not just says so and goes on: bash runs this
# in a subshell, so the case's own shell is told by a signal.
command_not_found_handle() {
  echo "FAIL: no such command: $1"
  kill -s USR1 $$
}
trap 'exit 1' USR1
worker_pids() { sed -n 's/.*Worker started (PID \([0-9]*\).*/\1/p' "$WORK/out" 2>/dev/null; }
worker_pid() { worker_pids | head -n 1; }

# The processes still running (zombies aside) with this case's mark in their command line or
# in the process group of a worker named in $WORK/out: "PID PGID STAT COMMAND" each.
leftovers() {
  local groups; groups=$(worker_pids | tr '\n' ' ')
  # The mark reaches awk through its environment: in its command line, awk would find itself.
  ps -e -o pid=,pgid=,stat=,args= |
    LEFT_MARK=$MARK LEFT_GROUPS=" $groups" awk '$3 !~ /^Z/ && (index($0, ENVIRON["LEFT_MARK"]) || index(ENVIRON["LEFT_GROUPS"], " " $2 " "))'
}

# A worker was started, and nothing of it or with this case's mark is left.
expect_nothing_left() {
  [[ -n $(worker_pid) ]] || fail "no worker PID in the output"
  local left; left=$(leftovers)
  [[ -z $left ]] || fail "processes left running:"$'\n'"$left"
}

# A listener on a free port, held until the case ends; sets HELD_PORT.
hold_port() {
  coproc HOLDER { python3 -c 'import socket,sys
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen()
print(s.getsockname()[1], flush=True); sys.stdin.read()'; }
  read -r -t 10 HELD_PORT <&"${HOLDER[0]}" || fail "could not hold a port"
}

rw() { printf '%q ' "$REFERENCE_WORKER" "$@"; }

# Runs the case named by the script's first argument; it passes only if it leaves nothing
# running (what it started itself, it must have ended and awaited), and says so.
run_case() {
  local name=${1:?usage: cases.sh CASE}
  declare -F "case_$name" >/dev/null || fail "no such case: $name"
  "case_$name"
  local left; left=$(leftovers)
  [[ -z $left ]] || fail "the case left processes running:"$'\n'"$left"
  echo "ok: $name"
}
