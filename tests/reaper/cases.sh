#!/usr/bin/env bash
# Reaper cases: hivetest killed with SIGKILL at random moments of a run, interrupted, or ending
# normally leaves no worker process and no listening port behind, whatever the worker did; with
# the workers in cgroups, or (HIVETEST_NO_CGROUP=1) found by their tag alone.
# Usage: HIVETEST=… REFERENCE_WORKER=… TINY_MODEL=… [HIVETEST_NO_CGROUP=1] cases.sh CASE
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

# Given to hivetest's environment only, so every process it starts inherits it (the reaper,
# the worker and its children, whatever group or session they move to), and none of ours has it.
ENTRY="REAPER_TEST_MARK=$MARK"

# Pids of the running processes that carry ENTRY (a zombie's environment is empty).
marked_pids() {
  grep -lzxF -- "$ENTRY" /proc/[0-9]*/environ 2>/dev/null | sed 's|^/proc/\([0-9]*\)/environ$|\1|'
}

describe() { [[ -n $1 ]] && ps -o pid=,pgid=,sid=,stat=,comm= -p "${1//$'\n'/,}"; }

 # As root, some runs drop to an unprivileged user, who may not make cgroups: then only the
# workers' environment tag finds what left their group, and that path is tested too.
AS=()
AS_NOBODY=()
# Only where that user can reach the build: a checkout under a private folder (mktemp -d
# makes 0700 ones) is out of its reach.
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
if [[ $EUID == 0 ]] && "${nobody[@]}" "$HIVETEST" --version >/dev/null 2>&1 &&
   "${nobody[@]}" test -r "$MODEL" -a -x "$REFERENCE_WORKER"; then
  AS_NOBODY=("${nobody[@]}")
fi

# Like start_bg, with ENTRY in hivetest's environment and hivetest leading a session of its
# own, so that its whole job can be signalled as a terminal or a shell's `kill %1` would.
# AS is a command prefix to run it as another user (empty: as we are).
start_marked() {
  rm -f "$WORK/fifo"
  mkfifo "$WORK/fifo"
  env "$ENTRY" setsid "${AS[@]}" "$HIVETEST" --no-color --port auto --hive-port auto --model "$MODEL" --model-ref "$MARK" "$@" >"$WORK/fifo" 2>&1 &
  BG=$!
  exec 3<"$WORK/fifo"
  : >"$WORK/out"
  wait_line "Worker Isolation Test" 20  # hivetest runs: env and setsid have made way for it
  [[ $(ps -o sid= -p "$BG" | tr -d ' ') == "$BG" ]] || fail "hivetest does not lead a session of its own"
}

# Our own cgroup v2 folder, where cgroup2 is mounted so that we see it (as own_cgroup() finds it).
own_cgroup_dir() {
  local own; own=$(sed -n 's/^0:://p' /proc/self/cgroup)
  awk -v own="$own" '{
    for (i = 7; $i != "-"; i++) {}
    if ($(i + 1) != "cgroup2") next
    root = $4 == "/" ? "" : $4
    if (own == root || index(own, root "/") == 1) { print $5 substr(own, length(root) + 1); exit }
  }' /proc/self/mountinfo
}
# Whether we may make a cgroup below our own, as hivetest does for its workers.
can_make_cgroups() {
  local dir; dir=$(own_cgroup_dir)
  [[ -n $dir ]] || return 1
  mkdir "$dir/hivetest-probe-$$" 2>/dev/null || return 1
  rmdir "$dir/hivetest-probe-$$"
}

# The reaper's path for workers run as we are. With HIVETEST_NO_CGROUP=1 (src/process/cgroup.cpp;
# tests/reaper/meson.build runs every case a second time with it) hivetest makes no cgroups and
# only the workers' tag finds what left their group. Without it, the workers run in cgroups; a
# machine that lets us make none cannot test that path, and the case says so and is skipped (77).
if [[ ${HIVETEST_NO_CGROUP:-} == 1 ]]; then
  OUR_PATH=tag
elif can_make_cgroups; then
  OUR_PATH=cgroup
else
  echo "SKIP: no cgroup v2 here that we may make cgroups in, so the reaper's cgroup path cannot be tested (the 'reaper tag only' cases test the other)"
  exit 77
fi
# The path the reaper has for running worker $1 of hivetest $2: "cgroup" when the worker is in
# the run's cgroup, else "tag"; nothing when it is gone.
worker_path() {
  local groups; groups=$(cat "/proc/$1/cgroup" 2>/dev/null) || return 0
  if [[ $groups == *"/hivetest-$2-"* ]]; then echo cgroup; else echo tag; fi
}
PATHS_SEEN=0  # runs whose worker's path was checked

hive_port() { sed -n 's/.*Mock hive server started on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/out" | head -n 1; }
worker_port() { sed -n 's/.*Worker started (PID [0-9]*, port \([0-9]*\)).*/\1/p' "$WORK/out" | head -n 1; }
listening() { ss -Hltn "sport = :$1" | grep -q .; }
# Members of process group $1 that still run: a zombie waits only for init to reap it.
running_in_group() { ps -e -o pid=,pgid=,stat=,comm= | awk -v g="$1" '$2 == g && $3 !~ /^Z/'; }

FAULTS=(fork-grandchild setsid-grandchild ignore-sigterm)
# The output lines after which hivetest may be killed: every step of the flow, cleanup included.
MOMENTS=("Mock hive server started" "Worker started (PID" "Waiting for worker to be ready" "Worker is ready"
         "heartbeat(s) received" "Testing health endpoint" "Testing inference endpoint" "Stopping worker")

# One run with a random fault, killed by SIGKILL right after output line MOMENTS[$2], one time
# in four as a whole job; everything it started must be gone within 3 s. The worker loads and
# streams slowly enough that a kill can land inside those steps, not only after them. Returns 1
# when the kill came too late: hivetest had already ended by itself (status 0, not 137).
kill_9_run() {
  local n=$1 moment=${MOMENTS[$2]} fault=${FAULTS[RANDOM % ${#FAULTS[@]}]} whom=hivetest
  (( RANDOM % 4 == 0 )) && whom="hivetest's job"
  local user; user=$(id -un)
  local AS=() expect=$OUR_PATH
  if (( ${#AS_NOBODY[@]} && RANDOM % 2 )); then user=nobody AS=("${AS_NOBODY[@]}") expect=tag; fi
  start_marked --worker "$(rw --fault "$fault" --load-ms 300 --token-delay-ms 5)"
  wait_line "$moment" 20
  local hivetest=$BG t0 marked status path="" worker; marked=$(marked_pids)
  local what="run $n ($fault, $whom as $user killed after '$moment')"
  worker=$(worker_pid)
  [[ -n $worker && $'\n'$marked$'\n' == *$'\n'$worker$'\n'* ]] && path=$(worker_path "$worker" "$hivetest")
  t0=$(now_ms)
  if [[ $whom == hivetest ]]; then kill -KILL "$hivetest"; else kill -KILL -- "-$hivetest"; fi
  wait "$hivetest"; status=$?
  BG=""
  timeout 3 cat <&3 >>"$WORK/out" || fail "$what: hivetest's output still held open 3 s after the kill"
  exec 3<&-
  [[ $status == 137 || $status == 0 ]] || fail "$what: hivetest exited with status $status, neither killed (137) nor done (0)"
  if [[ -n $path ]]; then
    [[ $path == "$expect" ]] || fail "$what: the worker ran with the $path path, expected the $expect path"
    (( PATHS_SEEN += 1 ))
  fi

  # Each process that carries the mark must end by the deadline; the reaper carries it too.
  local pid left
  for pid in $marked $(marked_pids); do
    left=$(( 3000 - ($(now_ms) - t0) ))
    (( left > 0 )) || break
    echo "$pid" >"$WORK/pidfile"
    timeout "$(printf '%d.%03d' $(( left / 1000 )) $(( left % 1000 )))" pidwait -F "$WORK/pidfile"
  done
  local took=$(( $(now_ms) - t0 ))
  local still; still=$(marked_pids)
  [[ -z $still ]] || fail "$what: still running $took ms after the kill: $(describe "$still")"
  (( took <= 3000 )) || fail "$what: the last process ended $took ms after the kill"

  local port pgid
  for port in $(hive_port) $(worker_port); do
    ! listening "$port" || fail "$what: port $port still listening: $(ss -Hltnp "sport = :$port")"
  done
  pgid=$(worker_pid)
  if [[ -n $pgid ]] && running_in_group "$pgid" | grep -q .; then fail "$what: process group $pgid still has: $(running_in_group "$pgid")"; fi
  local cgroups; cgroups=$(find /sys/fs/cgroup -maxdepth 10 -type d -name "hivetest-$hivetest-*" 2>/dev/null)
  [[ -z $cgroups ]] || fail "$what: cgroups left: $cgroups"
  if [[ $status == 0 ]]; then
    echo "$what: missed, hivetest had already ended (status 0); nothing was left"
    return 1
  fi
  echo "$what: $(wc -w <<<"$marked") processes were running, none after $took ms (${path:-no worker running}): $(tr '\n' ' ' <<<"$marked")"
}

# 20 runs whose kill ended hivetest (status 137): a kill that came after hivetest had ended is
# tried again at an earlier moment, and does not count.
case_kill_9_at_20_random_moments() {
  local t0 n at missed=0; t0=$(now_ms)
  for n in $(seq 1 20); do
    at=$(( RANDOM % ${#MOMENTS[@]} ))
    until kill_9_run "$n" "$at"; do
      (( at > 0 )) || fail "run $n: hivetest had ended before a kill at its first moment"
      at=$(( at - 1 )) missed=$(( missed + 1 ))
    done
  done
  (( PATHS_SEEN > 0 )) || fail "no run was killed while its worker ran: the reaper's path went unchecked"
  echo "20 runs killed (status 137) and cleaned up in $(( $(now_ms) - t0 )) ms, $PATHS_SEEN of them with the worker running;" \
       "$missed kills that came after hivetest had ended were tried again at an earlier moment"
}

# A grandchild in a session of its own that ignores SIGTERM gets the grace period and then
# SIGKILL, like the worker; it, the worker and the reaper are gone when hivetest returns.
case_setsid_grandchild_ignoring_sigterm_ends_with_the_run() {
  # graceful-shutdown would fail the run for the worker's own deafness to SIGTERM, not this
  # case's matter; the whole worker log is shown, so that the grandchild's PID is in it.
  run --worker "$(rw --fault setsid-grandchild --fault ignore-sigterm)" --grace 0.5 --skip-check graceful-shutdown \
      --log-lines 1000
  expect_rc 0
  expect_out "ALL TESTS PASSED"
  expect_out "in a session of its own"
  local grandchild; grandchild=$(sed -n 's/.*fault setsid-grandchild: started child PID \([0-9]*\).*/\1/p' "$WORK/out" | head -n 1)
  [[ -n $grandchild ]] || fail "no grandchild PID in the worker log"
  ! kill -0 "$grandchild" 2>/dev/null || fail "grandchild $grandchild still there: $(describe "$grandchild")"
  (( elapsed_ms >= 500 )) || fail "the run ended after $elapsed_ms ms, before the 0.5 s grace"
  expect_nothing_left  # the grandchild and the reaper have the worker's and hivetest's command lines
}

# Ctrl-C reaches hivetest's whole job, the reaper's own session excepted: hivetest cleans up
# (the grandchild that left the group included) and exits 130, and nothing is left.
case_interrupting_the_whole_job_leaves_nothing() {
  start_marked --worker "$(rw --fault setsid-grandchild --load-ms 600000)" --timeout 60
  wait_line "Waiting for worker to be ready" 20
  local reaper; reaper=$(pgrep -P "$BG" -x hivetest-reaper)
  [[ -n $reaper ]] || fail "no reaper among hivetest's children: $(pgrep -a -P "$BG")"
  [[ $(ps -o sid= -p "$reaper" | tr -d ' ') == "$reaper" ]] || fail "the reaper is in hivetest's session"
  local path; path=$(worker_path "$(worker_pid)" "$BG")
  [[ $path == "$OUR_PATH" ]] || fail "the worker ran with the ${path:-(gone)} path, expected the $OUR_PATH path"
  kill -INT -- "-$BG"
  finish_bg
  expect_rc 130
  expect_out "INTERRUPTED"
  local still; still=$(marked_pids)
  [[ -z $still ]] || fail "still running after hivetest exited: $(describe "$still")"
}

run_case "$@"
