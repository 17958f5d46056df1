// A worker process: its own group, its pipes in a log ring, its exit seen by a pidfd, its end.
#include "hivetest/process/child.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "hivetest/process/fd.hpp"
#include "hivetest/process/pidfd.hpp"
#include "hivetest/process/process_sweep.hpp"
#include "hivetest/process/reaper.hpp"
#include "hivetest/process/run_guard.hpp"
#include "hivetest/process/spawn.hpp"
#include "hivetest/util/event.hpp"

namespace hivetest::process {

namespace {

using Clock = std::chrono::steady_clock;
using asio::posix::stream_descriptor;

// Processes of one worker outside its group that are held by pidfds at once.
constexpr std::size_t max_strays = 256;

ExitStatus from_wait_status(int st) {
  if (WIFSIGNALED(st)) return {-1, WTERMSIG(st)};
  return {WEXITSTATUS(st), 0};
}

ExitStatus from_siginfo(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED) return {info.si_status, 0};
  return {-1, info.si_status};
}

struct Pipe {
  Pipe(asio::any_io_executor ex, Stream s, std::size_t max_line)
      : fd(ex), stream(s), split(max_line) {}
  stream_descriptor fd;
  Stream stream;
  LineSplitter split;
  bool eof = false;
};

// Shared by the Child and its coroutines, so that whichever finishes last frees it.
struct State {
  State(asio::any_io_executor executor, const SpawnOptions& o, pid_t p, WorkerMarks m, Reaper* r)
      : ex(executor),
        pid(p),
        pidfd(executor),
        pipes{Pipe(executor, Stream::out, o.max_line), Pipe(executor, Stream::err, o.max_line)},
        ring(o.ring_lines, o.ring_bytes),
        on_line(o.on_line),
        exited(executor),
        marks(std::move(m)),
        reaper(r) {}

  asio::any_io_executor ex;
  pid_t pid;  // also the process group id
  stream_descriptor pidfd;
  std::array<Pipe, 2> pipes;
  LogRing ring;
  std::function<void(Stream, std::string_view, bool)> on_line;
  Event exited;
  std::optional<ExitStatus> status;
  // Until the leader is reaped its zombie keeps the group id from being reused, so
  // signalling -pid cannot hit a stranger.
  bool reaped = false;
  bool group_gone = false;  // nothing of the group is left; never signal -pid again
  bool closed = false;      // the Child is gone: the coroutines must not call out any more
  bool all_gone = false;    // the group and every stray found are gone: nothing left to look for
  WorkerMarks marks;        // find the worker's processes that left its group: the strays
  Reaper* reaper;           // knows the group while it may hold something; may be null
  std::vector<HeldProcess> strays;  // signalled, to be waited for
  std::array<char, 16 * 1024> buf{};

  void add_line(Stream s, std::string_view text, bool cut) {
    ring.push(LogLine{s, Clock::now(), std::string(text), cut});
    if (on_line) on_line(s, text, cut);
  }

  // Reads what is in the pipe now, never blocking. Bounded so that a child writing
  // without pause cannot keep the loop here.
  void drain(Pipe& p) {
    const auto sink = [&](std::string_view text, bool cut) { add_line(p.stream, text, cut); };
    for (int round = 0; round < 64 && !p.eof; ++round) {
      const ssize_t n = ::read(p.fd.native_handle(), buf.data(), buf.size());
      if (n > 0) {
        p.split.feed({buf.data(), static_cast<std::size_t>(n)}, sink);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return;
      } else {
        p.split.finish(sink);
        p.eof = true;
        std::error_code ignored;
        p.fd.close(ignored);
      }
    }
  }

  void note_exit(ExitStatus st) {
    if (status) return;
    status = st;
    // Before waking anyone: whoever reports the exit wants the last lines in the ring.
    for (auto& p : pipes) drain(p);
    exited.set();
  }

  void signal_group(int sig) const {
    if (!group_gone) ::kill(-pid, sig);  // ESRCH when nothing is left: fine
  }

  // The worker's processes outside its group get what the group gets (a process that
  // called setsid, or moved to a group of its own), each once.
  void signal_strays(int sig) {
    if (sig == SIGKILL && marks.cgroup) kill_cgroup(*marks.cgroup);
    signal_processes(marks.strays(pid), sig, strays, max_strays);
  }

  // Once nothing of the worker is left: its cgroup goes, and the reaper must never signal
  // the group id again, which may now go to a stranger.
  void release_marks() {
    if (marks.cgroup) remove_cgroup(*marks.cgroup);
    marks.cgroup.reset();
    if (reaper) reaper->forget(pid);
    reaper = nullptr;
  }

  // Reaps whatever of the group has exited and is ours: the leader, and orphans handed to
  // us as their subreaper.
  void reap_members() {
    if (group_gone) return;
    for (;;) {
      int st = 0;
      const pid_t r = ::waitpid(-pid, &st, WNOHANG);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      if (r == pid) {
        reaped = true;
        note_exit(from_wait_status(st));
      }
    }
    if (reaped && ::kill(-pid, 0) < 0 && errno == ESRCH) group_gone = true;
  }
};

asio::awaitable<void> until(Clock::time_point deadline) {
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  std::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> next_signal(asio::signal_set& set) {
  std::error_code ec;
  co_await set.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> read_pipe(std::shared_ptr<State> s, std::size_t index) {
  Pipe& p = s->pipes[index];
  while (!s->closed && !p.eof) {
    s->drain(p);
    if (p.eof) break;
    std::error_code ec;
    co_await p.fd.async_wait(stream_descriptor::wait_read,
                             asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
}

asio::awaitable<void> watch_exit(std::shared_ptr<State> s) {
  std::error_code ec;
  co_await s->pidfd.async_wait(stream_descriptor::wait_read,
                               asio::redirect_error(asio::use_awaitable, ec));
  if (ec || s->closed) co_return;
  // WNOWAIT leaves the zombie in place, keeping the group id ours until terminate or the
  // destructor has finished signalling it. If terminate reaped it first, it noted the exit.
  siginfo_t info{};
  if (waitid_pidfd(s->pidfd.native_handle(), &info, WNOHANG | WNOWAIT) == 0 &&
      info.si_pid == s->pid)
    s->note_exit(from_siginfo(info));
}

// After SIGKILL: reaps until nothing of the group is left or the deadline passes. Deaths of
// members other than the leader are only seen as SIGCHLD (they were handed to us).
asio::awaitable<void> reap_group(std::shared_ptr<State> s, Clock::time_point deadline) {
  using namespace asio::experimental::awaitable_operators;
  asio::signal_set sigchld(s->ex, SIGCHLD);  // before the first look, so no death is missed
  for (;;) {
    s->reap_members();
    if (s->group_gone || s->closed) co_return;
    const auto woke = co_await (next_signal(sigchld) || until(deadline));
    if (woke.index() == 1) co_return;
  }
}

asio::awaitable<void> readable(stream_descriptor* fd) {
  std::error_code ec;
  co_await fd->async_wait(stream_descriptor::wait_read, asio::redirect_error(asio::use_awaitable, ec));
}

// After SIGKILL: waits for each stray's end, up to the deadline, and reaps those that are
// ours (orphans handed to us as their subreaper) so that none stays a zombie.
// True when every one of them was seen to end.
asio::awaitable<bool> reap_strays(std::shared_ptr<State> s, Clock::time_point deadline) {
  using namespace asio::experimental::awaitable_operators;
  bool all_ended = true;
  while (!s->strays.empty() && !s->closed) {
    stream_descriptor pidfd(s->ex);
    pidfd.assign(s->strays.back().pidfd.release());
    s->strays.pop_back();
    const auto woke = co_await (readable(&pidfd) || until(deadline));
    all_ended = all_ended && woke.index() == 0;
    siginfo_t info{};
    waitid_pidfd(pidfd.native_handle(), &info, WNOHANG);
  }
  co_return all_ended && !s->closed;
}

}  // namespace

struct Child::Impl {
  std::shared_ptr<State> state;
};

std::string ExitStatus::describe() const {
  if (signal == 0) return fmt::format("exited with status {}", code);
  const char* name = ::sigabbrev_np(signal);
  if (name == nullptr) return fmt::format("killed by signal {}", signal);
  return fmt::format("killed by signal {} (SIG{})", signal, name);
}

std::unique_ptr<Child> Child::spawn(asio::any_io_executor ex, RunGuard& guard, const SpawnOptions& opts,
                                    SpawnError* error) {
  if (opts.argv.empty() || opts.argv[0].empty()) {
    if (error) *error = {"cannot run an empty command"};
    return nullptr;
  }
  const std::string& name = opts.argv[0];
  Reaper* const reaper = guard.reaper();
  WorkerMarks marks = guard.next_worker();
  const auto fail = [&](SpawnError why) -> std::unique_ptr<Child> {
    if (marks.cgroup) remove_cgroup(*marks.cgroup);
    if (error) *error = std::move(why);
    return nullptr;
  };

  Fd out_r, out_w, err_r, err_w;
  if (!make_pipe(out_r, out_w) || !make_pipe(err_r, err_w))
    return fail({fmt::format("cannot run '{}': pipe: {}", name, std::strerror(errno)), errno});
  if (::fcntl(out_r.get(), F_SETFL, O_NONBLOCK) != 0 || ::fcntl(err_r.get(), F_SETFL, O_NONBLOCK) != 0)
    return fail({fmt::format("cannot run '{}': fcntl: {}", name, std::strerror(errno)), errno});
  const Fd cgroup_procs = marks.cgroup ? above_stdio(open_cgroup_procs(*marks.cgroup)) : Fd();
  StartRequest request{opts.argv, opts.extra_env, out_w.get(), err_w.get(), cgroup_procs.get(), reaper};
  request.extra_env.push_back(marks.env_entry);
  request.descriptor_limit = guard.worker_descriptor_limit();
  Started started = start_process(request);
  if (started.pid < 0) return fail(std::move(started.error));
  const pid_t pid = started.pid;
  out_w.reset();
  err_w.reset();
  // The child moved itself into its cgroup before exec; if it could not, its tag alone
  // finds its strays, with a look through all of /proc.
  if (marks.cgroup && cgroup_of(fmt::format("/proc/{}", pid)) != marks.cgroup->path) {
    remove_cgroup(*marks.cgroup);
    marks.cgroup.reset();
  }

  std::shared_ptr<State> s;
  try {
    s = std::make_shared<State>(ex, opts, pid, std::move(marks), reaper);
    s->pidfd.assign(started.pidfd.get());
    started.pidfd.release();
    s->pipes[0].fd.assign(out_r.get());
    out_r.release();
    s->pipes[1].fd.assign(err_r.get());
    err_r.release();
  } catch (const std::exception& e) {
    // A child is running: take it down before returning.
    if (s) marks = std::move(s->marks);
    ::kill(-pid, SIGKILL);
    if (marks.cgroup) kill_cgroup(*marks.cgroup);
    std::vector<HeldProcess> strays;
    signal_processes(marks.strays(pid), SIGKILL, strays, max_strays);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    if (reaper) reaper->forget(pid);
    return fail({fmt::format("cannot watch '{}': {}", name, e.what())});
  }

  asio::co_spawn(ex, watch_exit(s), asio::detached);
  asio::co_spawn(ex, read_pipe(s, 0), asio::detached);
  asio::co_spawn(ex, read_pipe(s, 1), asio::detached);
  return std::unique_ptr<Child>(new Child(std::make_unique<Impl>(Impl{std::move(s)})));
}

Child::Child(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Child::~Child() {
  State& s = *impl_->state;
  s.closed = true;
  s.on_line = nullptr;
  if (!s.group_gone) {
    // The last line of defence, so synchronous: a SIGKILLed process goes at once.
    ::kill(-s.pid, SIGKILL);
    for (;;) {
      const pid_t r = ::waitpid(-s.pid, nullptr, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
    }
    s.reaped = s.group_gone = true;
  }
  // SIGKILLed, those that are ours end at once; waiting for them leaves no zombie behind.
  // After a terminate that saw everything gone, looking again (through all of /proc, once
  // the cgroup is gone) would only cost time.
  if (!s.all_gone) s.signal_strays(SIGKILL);
  for (const auto& p : s.strays) {
    siginfo_t info{};
    waitid_pidfd(p.pidfd.get(), &info, 0);
  }
  s.strays.clear();
  s.release_marks();
  // Wakes the coroutines, which see `closed` and let go of the state.
  std::error_code ignored;
  s.pidfd.close(ignored);
  for (auto& p : s.pipes) p.fd.close(ignored);
}

pid_t Child::pid() const { return impl_->state->pid; }

asio::awaitable<void> Child::wait_exit() {
  const std::shared_ptr<State> s = impl_->state;
  co_await s->exited.wait();
}

bool Child::exited() const { return impl_->state->status.has_value(); }

std::optional<ExitStatus> Child::status() const { return impl_->state->status; }

asio::awaitable<ExitStatus> Child::terminate(std::chrono::milliseconds grace,
                                             std::chrono::milliseconds kill_wait) {
  using namespace asio::experimental::awaitable_operators;
  const std::shared_ptr<State> s = impl_->state;
  if (!s->exited.is_set()) {
    s->signal_group(SIGTERM);
    s->signal_strays(SIGTERM);
    co_await (s->exited.wait() || until(Clock::now() + grace));
  }
  // Always, to catch members that outlived the leader or ignore SIGTERM.
  s->signal_group(SIGKILL);
  s->signal_strays(SIGKILL);
  const auto deadline = Clock::now() + kill_wait;
  co_await reap_group(s, deadline);
  const bool strays_ended = co_await reap_strays(s, deadline);
  if (s->group_gone && !s->closed) {
    s->all_gone = strays_ended;
    s->release_marks();
  }
  if (!s->closed)
    for (auto& p : s->pipes) s->drain(p);
  // A leader still there kill_wait after SIGKILL is stuck in the kernel; SIGKILL is how it
  // will end, and the destructor waits for it.
  co_return s->status.value_or(ExitStatus{-1, SIGKILL});
}

const LogRing& Child::log() const { return impl_->state->ring; }

}  // namespace hivetest::process
