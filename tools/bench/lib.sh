# Shared by the benchmark scripts: a scratch folder, free ports, servers started and waited for.
set -euo pipefail
BUILD=${BUILD:-build}
[[ -x $BUILD/hivetest ]] || { echo "build first: meson setup $BUILD && meson compile -C $BUILD" >&2; exit 2; }
WORK=$(mktemp -d)
PIDS=()
bench_cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap bench_cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Starts a server whose first output line is "listening on PORT"; sets PORT.
start_listening() {
  local fifo=$WORK/fifo-$RANDOM
  mkfifo "$fifo"
  "$@" >"$fifo" &
  PIDS+=($!)
  local line
  IFS= read -r -t 10 line <"$fifo" || { echo "no 'listening' line from: $*" >&2; exit 1; }
  PORT=${line##* }
}

# Waits until something accepts on the port, up to 5 s (for servers that do not say when).
wait_accepting() {
  timeout 5 bash -c "until exec 3<>/dev/tcp/127.0.0.1/$1; do :; done" 2>/dev/null
}

ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}' if b else 'n/a')" "$1" "$2"; }
