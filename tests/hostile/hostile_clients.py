#!/usr/bin/env python3
"""Hostile clients of the mock hive, against a real hivetest run whose worker keeps sending heartbeats.

Usage: HIVETEST=... REFERENCE_WORKER=... TINY_MODEL=... hostile_clients.py CASE

hivetest runs with a worker that never opens its port (--fault never-ready) and beats every
500 ms, so the hive serves for as long as the case needs; -v streams the worker's log, where each heartbeat
and its answer is a line. Each case attacks the hive, checks the answers, and checks that
the worker's heartbeats were answered 200 before, between and after the attacks. Nothing
sleeps: every wait is on a line of output, a socket or a process exit, with a deadline.
"""
import os
import re
import resource
import select
import signal
import socket
import subprocess
import sys
import threading
import time

HIVETEST = os.environ["HIVETEST"]
REFERENCE_WORKER = os.environ["REFERENCE_WORKER"]
TINY_MODEL = os.environ["TINY_MODEL"]

HEARTBEAT_INTERVAL_MS = 500  # also the worker's deadline for each beat: room for a loaded machine
# A phase counts as served throughout when the worker's heartbeats kept being answered
# across this many beats of it.
BEATS_PER_PHASE = 3
WORKER_BEAT = re.compile(r"heartbeat #(\d+) sent to \S+: (\d+)")
WORKER_BEAT_FAILED = re.compile(r"heartbeat #(\d+) to \S+ failed: (.*)")
# A heartbeat in the hive's log, alone ("Heartbeat #7 from worker …") or grouped with
# others of the worker ("Heartbeats #1–#40 from worker …").
HIVE_BEAT = re.compile(r"Heartbeats? #(\d+)(?:\s*[–-]\s*#?(\d+))? from worker test-worker-")


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Hivetest:
    """A background hivetest run, its output collected line by line as it comes."""

    def __init__(self, *extra):
        worker = f"{REFERENCE_WORKER} --heartbeat-interval-ms {HEARTBEAT_INTERVAL_MS} --fault never-ready"
        argv = [HIVETEST, "--no-color", "-v", "--port", "auto", "--hive-port", "auto", "--model", TINY_MODEL,
                "--worker", worker, "--timeout", "60", *extra]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines = []  # (arrival time, text)
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        line = self.wait_line(re.compile(r"Mock hive server started on 127\.0\.0\.1:(\d+)"), 20)
        self.hive_port = int(line.group(1))

    def _read(self):
        for raw in self.proc.stdout:
            with self.changed:
                self.lines.append((time.monotonic(), raw.decode("utf-8", "replace").rstrip("\n")))
                self.changed.notify_all()
        with self.changed:
            self.lines.append((time.monotonic(), None))  # end of output
            self.changed.notify_all()

    def output(self):
        with self.changed:
            return "\n".join(text for _, text in self.lines if text is not None)

    def wait_line(self, pattern, seconds):
        """The first line matching pattern, waiting for it at most `seconds`."""
        deadline = time.monotonic() + seconds
        seen = 0
        with self.changed:
            while True:
                for _, text in self.lines[seen:]:
                    check(text is not None, f"hivetest ended without a line matching {pattern.pattern}")
                    if m := pattern.search(text):
                        return m
                seen = len(self.lines)
                left = deadline - time.monotonic()
                check(left > 0, f"no line matching {pattern.pattern} within {seconds} s")
                self.changed.wait(left)

    def worker_beats(self, since=0.0):
        """Numbers of the worker's heartbeats answered 200 whose line came at or after `since`."""
        with self.changed:
            return [int(m.group(1)) for at, text in self.lines
                    if text and at >= since and (m := WORKER_BEAT.search(text)) and m.group(2) == "200"]

    def last_beat(self):
        beats = self.worker_beats()
        return max(beats) if beats else 0

    def wait_beat_after(self, n, seconds=10):
        """Waits until the worker's heartbeat number n+1 or later has been answered 200."""
        deadline = time.monotonic() + seconds
        with self.changed:
            while self.last_beat() <= n:
                left = deadline - time.monotonic()
                check(left > 0, f"no heartbeat from the worker answered 200 after #{n} within {seconds} s")
                self.changed.wait(left)
        return self.last_beat()

    def interrupt(self):
        """Ctrl-C, then the run must end with 130 after cleanup."""
        self.proc.send_signal(signal.SIGINT)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise Failure("hivetest did not end within 30 s of SIGINT")
        self.reader.join(timeout=10)
        check(rc == 130, f"hivetest exited with {rc} after SIGINT, expected 130")

    def stop(self):
        """Leaves nothing running whatever happened to the case."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def check_beats_served_throughout(self, phase_start_beat):
        """Every worker heartbeat was answered 200, and the hive's own log agrees."""
        out = self.output()
        failed = WORKER_BEAT_FAILED.findall(out)
        check(not failed, f"worker heartbeats failed: {failed[:5]}")
        refused = [(n, status) for n, status in WORKER_BEAT.findall(out) if status != "200"]
        check(not refused, f"worker heartbeats not answered 200: {refused[:5]}")
        last = self.last_beat()
        check(last >= phase_start_beat + BEATS_PER_PHASE,
              f"only heartbeats up to #{last} answered, #{phase_start_beat} before the hostile phase")
        hive_log = out.split("Hive server logs:", 1)
        check(len(hive_log) == 2, "no hive log in the output")
        hive_beats = [int(n) for numbers in HIVE_BEAT.findall(hive_log[1]) for n in numbers if n]
        check(hive_beats and max(hive_beats) >= last,
              f"the hive logged heartbeats up to #{max(hive_beats, default=0)}, the worker had #{last} answered")


# --- raw HTTP on sockets ---------------------------------------------------------------

def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.settimeout(10)
    return s


def read_to_close(s):
    """All the bytes the hive sends until it closes the connection (a reset ends it too)."""
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


def split_responses(data):
    """Responses with a Content-Length body, in order: [(status, body)]."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        check(sep, f"incomplete response head: {head[:100]!r}")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        length = next(int(l.split(":", 1)[1]) for l in lines[1:] if l.lower().startswith("content-length:"))
        check(len(rest) >= length, "incomplete response body")
        out.append((status, rest[:length].decode("utf-8", "replace")))
        data = rest[length:]
    return out


def heartbeat_request(worker_id, path="/v1/heartbeat", extra=b""):
    body = ('{"worker_id":"%s","timestamp":"2026-01-01T00:00:00Z","health_status":"healthy"}' % worker_id).encode()
    return (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: hive\r\nContent-Type: application/json\r\n" + extra +
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def expect_answer_then_close(port, wire, status, reason_part):
    """Sends wire on a new connection; the hive must answer `status` with a reason, then close."""
    s = connect(port)
    s.sendall(wire)
    answers = split_responses(read_to_close(s))
    s.close()
    check(len(answers) == 1, f"{wire[:60]!r}: {len(answers)} answers, expected one then a close")
    got, body = answers[0]
    check(got == status, f"{wire[:60]!r}: answered {got}, expected {status}: {body}")
    check(reason_part in body, f"{wire[:60]!r}: answer lacks '{reason_part}': {body}")


def expect_hive_serves(port):
    """A valid heartbeat from another client on a new connection is answered 200."""
    s = connect(port)
    s.sendall(heartbeat_request("hostile-check", extra=b"Connection: close\r\n"))
    answers = split_responses(read_to_close(s))
    s.close()
    check([a[0] for a in answers] == [200], f"a valid heartbeat got {answers}")


def between_beats(run, attacks):
    """Each attack, then the hive still serves another client, then a new worker beat is answered."""
    for attack in attacks:
        attack()
        expect_hive_serves(run.hive_port)
        run.wait_beat_after(run.last_beat())


# --- the cases ---------------------------------------------------------------------------

def case_malformed_request_lines(run):
    bad = [
        b"GARBAGE\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET /v1/heartbeat HTTP/9.9\r\n\r\n",
        b"\x00\x01\x02\xff\xfe /v1/heartbeat HTTP/1.1\r\n\r\n",
        b"GET /v1/heartbeat\x7f HTTP/1.1\r\n\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        b"POST /v1/heartbeat HTTP/1.1\r\nNo colon here\r\n\r\n",
        b"POST /v1/heartbeat HTTP/1.1\r\nContent-Length: ten\r\n\r\n",
        b"POST /v1/heartbeat HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST /v1/heartbeat HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    ]
    attacks = [lambda w=w: expect_answer_then_close(run.hive_port, w, 400, '"error"') for w in bad]
    between_beats(run, attacks)


def case_header_block_over_limit(run):
    port = run.hive_port
    big_value = b"POST /v1/heartbeat HTTP/1.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"
    many_fields = b"POST /v1/heartbeat HTTP/1.1\r\n" + b"".join(b"X-F%d: v\r\n" % i for i in range(150)) + b"\r\n"
    long_target = b"GET /v1/" + b"x" * 20000 + b" HTTP/1.1\r\n\r\n"
    between_beats(run, [
        lambda: expect_answer_then_close(port, big_value, 431, "header block over"),
        lambda: expect_answer_then_close(port, many_fields, 431, "header fields"),
        lambda: expect_answer_then_close(port, long_target, 431, "header block over"),
    ])


def case_body_over_limit(run):
    port = run.hive_port

    def declared_too_big():
        # Refused at the head; the client sends part of the body anyway and must still
        # be able to finish sending and read the answer.
        head = b"POST /v1/heartbeat HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n"
        expect_answer_then_close(port, head + b"x" * 300000, 413, "over the limit")

    def declared_too_big_with_continue():
        head = (b"POST /v1/heartbeat HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2000000\r\n\r\n")
        expect_answer_then_close(port, head, 413, "over the limit")  # no 100 Continue before it

    def chunked_growing_too_big():
        chunk = b"%x\r\n" % 65536 + b"y" * 65536 + b"\r\n"
        wire = b"POST /v1/heartbeat HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk * 17
        expect_answer_then_close(port, wire, 413, "over the limit")

    between_beats(run, [declared_too_big, declared_too_big_with_continue, chunked_growing_too_big])


def served_meanwhile(run, since, start_beat, during):
    """The worker's heartbeats were answered during a slow client's stay, another client is
    served after it, and the phase lasts its beats."""
    served = run.worker_beats(since=since)
    check(len(served) >= 2, f"only {len(served)} worker heartbeats answered {during}")
    expect_hive_serves(run.hive_port)
    while run.last_beat() < start_beat + BEATS_PER_PHASE:
        run.wait_beat_after(run.last_beat())


# The head deadline the README documents for a run that leaves --hive-head-timeout alone.
DEFAULT_HEAD_TIMEOUT = 10.0
# How long a client that never finishes its head waits to be disconnected: well past the
# default, so that a hive that never closes it fails here instead of hanging.
PARTIAL_HEAD_PATIENCE = 60.0


def case_partial_head_default_timeout(run):
    """Part of a request head, then nothing: with the run's default settings the hive closes
    the connection at its default head deadline, not before it, and keeps serving."""
    start_beat = run.last_beat()
    s = connect(run.hive_port)
    first = time.monotonic()
    s.sendall(b"POST /v1/heartbeat HTTP/1.1\r\nHost: hive\r\nX-Partial: the head stops here")
    readable, _, _ = select.select([s], [], [], PARTIAL_HEAD_PATIENCE)
    closed_at = time.monotonic()
    check(readable, f"the hive kept a client with half a request head for {PARTIAL_HEAD_PATIENCE:.0f} s")
    s.settimeout(PARTIAL_HEAD_PATIENCE)
    check(read_to_close(s) == b"", "the hive answered a request whose head never finished")
    s.close()
    held = closed_at - first
    check(held >= DEFAULT_HEAD_TIMEOUT,
          f"closed {held:.2f} s after the partial head, before the default head deadline of {DEFAULT_HEAD_TIMEOUT:.0f} s")
    served_meanwhile(run, first, start_beat, "while the partial head was held")

    def named_the_head_deadline(output):
        want = re.compile(rf"request head not complete within {DEFAULT_HEAD_TIMEOUT:.0f} ?s\b")
        check(want.search(output), f"the hive log does not say why it closed the connection: no '{want.pattern}'")
    return named_the_head_deadline


def case_one_byte_a_second(run):
    head_timeout = 3.0  # the run's --hive-head-timeout
    start_beat = run.last_beat()
    s = connect(run.hive_port)
    wire = b"POST /v1/heartbeat HTTP/1.1\r\nX-Slow: " + b"a" * 60
    first = time.monotonic()
    closed_at = None
    for byte in wire:
        try:
            s.send(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            closed_at = time.monotonic()
            break
        # The client's own pace, one byte a second; a close from the hive ends it sooner.
        readable, _, _ = select.select([s], [], [], 1.0)
        if readable:
            check(read_to_close(s) == b"", "the hive answered a request whose head never finished")
            closed_at = time.monotonic()
            break
    s.close()
    check(closed_at is not None, "the hive never closed a connection sending one byte a second")
    held = closed_at - first
    check(head_timeout - 0.5 <= held <= head_timeout + 2.0,
          f"closed {held:.1f} s after the first byte, expected about {head_timeout} s (the head deadline)")
    served_meanwhile(run, first, start_beat, "while the slow client held on")


def case_thousand_idle_connections(run):
    count = 1000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = count + 100
    if soft < want:
        check(hard == resource.RLIM_INFINITY or hard >= want, f"cannot open {want} descriptors (hard limit {hard})")
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    start_beat = run.last_beat()
    idle = [connect(run.hive_port) for _ in range(count)]
    # Served while they are all held: a heartbeat from another client and the worker's.
    expect_hive_serves(run.hive_port)
    for _ in range(BEATS_PER_PHASE):
        run.wait_beat_after(run.last_beat())
    expect_hive_serves(run.hive_port)
    # The hive has a cap below 1000 and made room by closing the oldest idle connections.
    poller = select.poll()
    for s in idle:
        poller.register(s, select.POLLIN)
    ready = {fd for fd, _ in poller.poll(0)}
    closed = [s.fileno() in ready and read_to_close(s) == b"" for s in idle]
    evicted = sum(closed)
    check(0 < evicted < count, f"{evicted} of {count} idle connections closed by the hive")
    check(closed == [True] * evicted + [False] * (count - evicted),
          "the hive did not close the oldest idle connections first")
    for s in idle:
        s.close()
    check(run.last_beat() >= start_beat + BEATS_PER_PHASE, "worker heartbeats stalled")


def case_busy_body_connections(run):
    """As many clients as the hive's connection cap each send a request head and one byte of its body, then hold."""
    count = 256  # the hive's cap
    port = run.hive_port
    start_beat = run.last_beat()
    head = (b"POST /v1/heartbeat HTTP/1.1\r\nHost: hive\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{")
    held = []
    for _ in range(count):
        s = connect(port)
        s.sendall(head)
        held.append(s)
    # Served while they all hold: a heartbeat from another client, and the worker's. The
    # first may wait for the oldest body to have had its window (ServerOptions::body_window).
    first_wait = time.monotonic()
    expect_hive_serves(port)
    first_wait = time.monotonic() - first_wait
    for _ in range(BEATS_PER_PHASE):
        run.wait_beat_after(run.last_beat())
    later_wait = time.monotonic()
    expect_hive_serves(port)
    later_wait = time.monotonic() - later_wait
    print(f"another client's heartbeat answered 200 in {first_wait * 1000:.0f} ms at once, "
          f"{later_wait * 1000:.1f} ms {BEATS_PER_PHASE} beats later")
    # The hive made room by cutting the bodies that made no progress, oldest first, without an answer.
    poller = select.poll()
    for s in held:
        poller.register(s, select.POLLIN)
    ready = {fd for fd, _ in poller.poll(0)}
    closed = [s.fileno() in ready and read_to_close(s) == b"" for s in held]
    cut = sum(closed)
    check(0 < cut < count, f"{cut} of {count} stalled bodies cut by the hive")
    check(closed == [True] * cut + [False] * (count - cut), "the hive did not cut the stalled bodies oldest first")
    for s in held:
        s.close()
    check(run.last_beat() >= start_beat + BEATS_PER_PHASE, "worker heartbeats stalled")


def case_hundred_pipelined_requests(run):
    port = run.hive_port
    rounds = []

    def pipeline():
        tag = len(rounds)
        rounds.append(tag)
        wire, expected = b"", []
        for i in range(100):
            kind = i % 4
            if kind == 0:
                wire += heartbeat_request(f"hostile-pipe-{tag}-{i}")
                expected.append((200, '"ok"'))
            elif kind == 1:
                body = b"{not json %d" % i
                wire += b"POST /v1/heartbeat HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(body) + body
                expected.append((400, "not valid JSON"))
            elif kind == 2:
                wire += b"GET /v1/heartbeat HTTP/1.1\r\n\r\n"
                expected.append((405, "not allowed"))
            else:
                close = b"Connection: close\r\n" if i == 99 else b""
                wire += b"POST /v1/nothing-%d HTTP/1.1\r\n%sContent-Length: 0\r\n\r\n" % (i, close)
                expected.append((404, f"/v1/nothing-{i}"))
        s = connect(port)
        s.sendall(wire)  # one write
        answers = split_responses(read_to_close(s))
        s.close()
        check(len(answers) == 100, f"{len(answers)} answers to 100 pipelined requests")
        for i, ((status, body), (want_status, want_part)) in enumerate(zip(answers, expected)):
            check(status == want_status and want_part in body,
                  f"answer {i}: {status} {body}, expected {want_status} with '{want_part}'")

    between_beats(run, [pipeline] * BEATS_PER_PHASE)

    def handled_in_order(output):
        logged = [int(i) for i in re.findall(r"unexpected worker hostile-pipe-0-(\d+)", output)]
        check(logged == list(range(0, 100, 4)),
              f"the hive log lists the first pipeline's heartbeats as {logged}, expected each once, in order")
    return handled_in_order


CASES = {
    "malformed_request_lines": ([], case_malformed_request_lines),
    "header_block_over_limit": ([], case_header_block_over_limit),
    "body_over_limit": ([], case_body_over_limit),
    "one_byte_a_second": (["--hive-head-timeout", "3"], case_one_byte_a_second),
    # No --hive-head-timeout: the default the product applies.
    "partial_head_default_timeout": ([], case_partial_head_default_timeout),
    # A head deadline longer than the case, so that only eviction closes the idle ones.
    "thousand_idle_connections": (["--hive-head-timeout", "120"], case_thousand_idle_connections),
    "hundred_pipelined_requests": (["--hive-log-lines", "1000"], case_hundred_pipelined_requests),
    "busy_body_connections": ([], case_busy_body_connections),
}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print(f"usage: {sys.argv[0]} {'|'.join(CASES)}", file=sys.stderr)
        return 2
    options, case = CASES[sys.argv[1]]
    run = Hivetest(*options)
    try:
        first_beat = run.wait_beat_after(0, 20)
        check_log = case(run)  # a case may return a check of the final output
        run.interrupt()
        run.check_beats_served_throughout(first_beat)
        if check_log:
            check_log(run.output())
    except Failure as e:
        run.stop()
        print(f"FAIL: {e}")
        print("--- hivetest output (last 60 lines):")
        print("\n".join(run.output().splitlines()[-60:]))
        return 1
    finally:
        run.stop()
    print(f"ok: {sys.argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
