// Tests of the worker process on real processes: spawn, exit status, logs, terminate, cleanup.
#include <doctest/doctest.h>

#include <cerrno>
#include <csignal>
#include <functional>
#include <string>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "hivetest/process/child.hpp"
#include "hivetest/util/event.hpp"

using namespace hivetest::process;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using hivetest::Event;

namespace {

// Every wait below ends on its event; this deadline only stops a broken test.
constexpr auto deadline = 10s;

using Body = std::function<asio::awaitable<void>(asio::any_io_executor)>;

void run(const Body& body) {
  asio::io_context io;
  bool done = false;
  std::exception_ptr failure;
  asio::co_spawn(io, body(io.get_executor()), [&](std::exception_ptr e) {
    done = true;
    failure = e;
  });
  io.run_for(2 * deadline);
  if (failure) std::rethrow_exception(failure);
  REQUIRE(done);
}

asio::awaitable<void> after(std::chrono::steady_clock::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  std::error_code ec;
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// The guard of this test program's run, as main makes one for hivetest's.
RunGuard& guard() {
  static RunGuard run;
  return run;
}

SpawnOptions command(std::vector<std::string> argv) {
  SpawnOptions opts;
  opts.argv = std::move(argv);
  return opts;
}

SpawnOptions sh(std::string script) { return command({"sh", "-c", std::move(script)}); }

std::unique_ptr<Child> start(asio::any_io_executor ex, const SpawnOptions& opts) {
  SpawnError error;
  auto child = Child::spawn(ex, guard(), opts, &error);
  INFO("spawn error: ", error.message);
  REQUIRE(child);
  return child;
}

// Sets an event when the child prints a given line, so a test can wait until the child
// has reached that point.
struct LineSeen {
  LineSeen(asio::any_io_executor ex, std::string line) : event(ex), want(std::move(line)) {}
  Event event;
  std::string want;
  void watch(SpawnOptions& opts) {
    opts.on_line = [this](Stream, std::string_view line, bool) {
      if (line == want) event.set();
    };
  }
};

asio::awaitable<void> wait_line(LineSeen& seen) {
  co_await (seen.event.wait() || after(deadline));
  REQUIRE(seen.event.is_set());
}

asio::awaitable<void> wait_exit(Child& child) {
  co_await (child.wait_exit() || after(deadline));
  REQUIRE(child.exited());
}

bool has_line(const Child& child, Stream stream, std::string_view text) {
  for (const auto& l : child.log().tail(child.log().size()))
    if (l.stream == stream && l.text == text) return true;
  return false;
}

bool group_gone(pid_t pgid) { return ::kill(-pgid, 0) != 0 && errno == ESRCH; }

}  // namespace

TEST_CASE("exit status and both streams reach the log") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto child = start(ex, sh("echo out; echo err >&2; exit 3"));
    co_await wait_exit(*child);
    REQUIRE(child->status());
    CHECK(child->status()->code == 3);
    CHECK(child->status()->signal == 0);
    CHECK_FALSE(child->status()->success());
    CHECK(child->status()->describe() == "exited with status 3");
    CHECK(has_line(*child, Stream::out, "out"));
    CHECK(has_line(*child, Stream::err, "err"));
  });
}

TEST_CASE("the last lines are in the log when the exit is reported") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto child = start(ex, sh("i=0; while [ $i -lt 200 ]; do echo line$i; i=$((i+1)); done"));
    co_await wait_exit(*child);
    CHECK(child->status()->success());
    CHECK(child->log().total() == 200);
    CHECK(child->log().tail(1).at(0).text == "line199");
  });
}

TEST_CASE("a command that cannot run fails at spawn and leaves nothing behind") {
  asio::io_context io;
  SpawnError error;
  CHECK_FALSE(Child::spawn(io.get_executor(), guard(), command({"hivetest-no-such-command"}), &error));
  CHECK(error.message == "cannot run 'hivetest-no-such-command': No such file or directory");
  CHECK(error.errno_value == ENOENT);
  CHECK_FALSE(Child::spawn(io.get_executor(), guard(), command({"/etc/passwd"}), &error));
  CHECK(error.message == "cannot run '/etc/passwd': Permission denied");
  CHECK(error.errno_value == EACCES);
  CHECK_FALSE(Child::spawn(io.get_executor(), guard(), command({}), &error));
  CHECK(error.message == "cannot run an empty command");
  CHECK(error.errno_value == 0);
  // The failed children were reaped by spawn itself: no child of ours has ended unreaped
  // (the reaper, a child too, runs until we exit).
  CHECK(::waitpid(-1, nullptr, WNOHANG) <= 0);
}

TEST_CASE("the child leads its own process group") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto child = start(ex, command({"sleep", "1000"}));
    CHECK(::getpgid(child->pid()) == child->pid());
    co_await child->terminate(5s);
  });
}

TEST_CASE("terminate ends a child with SIGTERM") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto child = start(ex, command({"sleep", "1000"}));
    const auto status = co_await child->terminate(5s);
    CHECK(status.signal == SIGTERM);
    CHECK(status.describe() == "killed by signal 15 (SIGTERM)");
    CHECK(child->exited());
    CHECK(group_gone(child->pid()));
  });
}

TEST_CASE("terminate uses SIGKILL on a child that ignores SIGTERM") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    LineSeen ready(ex, "ready");
    auto opts = sh("trap '' TERM; echo ready; exec sleep 1000");
    ready.watch(opts);
    auto child = start(ex, opts);
    co_await wait_line(ready);
    const auto status = co_await child->terminate(200ms);
    CHECK(status.signal == SIGKILL);
    CHECK(status.describe() == "killed by signal 9 (SIGKILL)");
    CHECK(group_gone(child->pid()));
  });
}

TEST_CASE("terminate leaves nothing of the group, even members that outlive the leader") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    LineSeen started(ex, "started");
    // The background sleep ignores SIGTERM, so only the group SIGKILL can end it.
    auto opts = sh("trap '' TERM; sleep 1000 & trap - TERM; echo started; wait");
    started.watch(opts);
    auto child = start(ex, opts);
    co_await wait_line(started);
    const auto status = co_await child->terminate(5s);
    CHECK(status.signal == SIGTERM);
    CHECK(group_gone(child->pid()));
  });
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    LineSeen started(ex, "started");
    auto opts = sh("sleep 1000 & echo started; wait");
    started.watch(opts);
    auto child = start(ex, opts);
    co_await wait_line(started);
    co_await child->terminate(5s);
    CHECK(group_gone(child->pid()));
  });
}

TEST_CASE("terminate of a child that has exited returns its status") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto child = start(ex, sh("exit 7"));
    co_await wait_exit(*child);
    const auto status = co_await child->terminate(5s);
    CHECK(status.code == 7);
    CHECK(group_gone(child->pid()));
  });
}

TEST_CASE("wait_exit on a child that has exited returns at once") {
  asio::io_context io;
  std::unique_ptr<Child> child;
  bool first = false;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    child = start(io.get_executor(), command({"true"}));
    co_await wait_exit(*child);
    first = true;
  }, asio::detached);
  io.run_for(deadline);
  REQUIRE(first);

  io.restart();
  int waits = 0;
  for (int i = 0; i < 3; ++i)
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      co_await child->wait_exit();
      ++waits;
    }, asio::detached);
  io.poll();  // runs only what is ready: nothing here may need to wait
  CHECK(waits == 3);
  CHECK(child->status()->success());
  child.reset();
}

TEST_CASE("destroying a Child kills and reaps its whole group") {
  pid_t pgid = 0;
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    LineSeen started(ex, "started");
    auto opts = sh("sleep 1000 & echo started; wait");
    started.watch(opts);
    auto child = start(ex, opts);
    pgid = child->pid();
    co_await wait_line(started);
  });
  CHECK(group_gone(pgid));
}

TEST_CASE("the child gets stdin from /dev/null and the extra environment") {
  // Our own stdin becomes a pipe holding a line, so that a child that inherited it would
  // print that line.
  const int saved_stdin = ::fcntl(0, F_DUPFD_CLOEXEC, 3);  // -1: we have none
  int in[2];
  REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
  REQUIRE(::write(in[1], "inherited\n", 10) == 10);
  ::close(in[1]);
  if (in[0] != 0) {
    REQUIRE(::dup2(in[0], 0) == 0);
    ::close(in[0]);
  }

  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto opts = sh("cat; readlink /proc/self/fd/0; echo \"[$HIVETEST_X]\"; echo \"[$HOME]\"");
    opts.extra_env = {"HIVETEST_X=a b", "HOME=/nowhere"};
    auto child = start(ex, opts);
    co_await wait_exit(*child);
    CHECK(child->status()->success());
    std::string lines;  // cat printed nothing, and nothing went to stderr
    for (const auto& l : child->log().tail(child->log().size())) lines += l.text + '\n';
    CHECK(lines == "/dev/null\n[a b]\n[/nowhere]\n");
  });

  if (saved_stdin >= 0) ::dup2(saved_stdin, 0);
  else ::close(0);
  ::close(saved_stdin);
}

TEST_CASE("the child keeps no descriptor of ours, close-on-exec or not") {
  // A descriptor left inheritable on purpose, at a number the child can look for.
  int p[2];
  REQUIRE(::pipe(p) == 0);
  constexpr int ours = 47;
  REQUIRE(::dup2(p[0], ours) == ours);
  ::close(p[0]);
  ::close(p[1]);
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto child = start(ex, sh("if [ -e /proc/$$/fd/47 ]; then echo open; else echo closed; fi"));
    co_await wait_exit(*child);
    CHECK(has_line(*child, Stream::out, "closed"));
  });
  ::close(ours);
}

TEST_CASE("the child is in the worker's cgroup from its first instruction, where the run has cgroups") {
  const auto& run_cgroup = guard().marks().cgroup();
  if (!run_cgroup) {
    MESSAGE("no cgroup v2 of ours here: the worker's tag alone marks it");
    return;
  }
  const std::string run_path = run_cgroup->path;
  run([&run_path](asio::any_io_executor ex) -> asio::awaitable<void> {
    // cat reads its own cgroup at once: had the child joined after exec, it would show ours.
    auto child = start(ex, command({"cat", "/proc/self/cgroup"}));
    co_await wait_exit(*child);
    bool inside = false;
    for (const auto& l : child->log().tail(child->log().size()))
      inside = inside || (l.text.rfind("0::", 0) == 0 && l.text.substr(3).rfind(run_path + "/worker-", 0) == 0);
    CHECK(inside);
  });
}

TEST_CASE("the child does not inherit ignored or blocked signals") {
  struct sigaction ignore {}, old_int {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ignore, &old_int);
  sigset_t usr1, old_mask;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ::sigprocmask(SIG_BLOCK, &usr1, &old_mask);

  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto a = start(ex, command({"sleep", "1000"}));
    auto b = start(ex, command({"sleep", "1000"}));
    ::kill(a->pid(), SIGINT);
    ::kill(b->pid(), SIGUSR1);
    co_await wait_exit(*a);
    co_await wait_exit(*b);
    CHECK(a->status()->signal == SIGINT);
    CHECK(b->status()->signal == SIGUSR1);
  });

  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGINT, &old_int, nullptr);
}

TEST_CASE("a long line is cut and the next one kept") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto opts = sh("head -c 100000 /dev/zero | tr '\\0' x; echo; echo after");
    opts.max_line = 1000;
    auto child = start(ex, opts);
    co_await wait_exit(*child);
    const auto lines = child->log().tail(10);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].cut);
    CHECK(lines[0].text == std::string(1000, 'x'));
    CHECK(lines[1].text == "after");
  });
}

TEST_CASE("on_line sees every line with its stream") {
  run([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::vector<std::pair<Stream, std::string>> seen;
    auto opts = sh("echo a; echo b >&2; printf 'c'");
    opts.on_line = [&](Stream s, std::string_view line, bool) { seen.emplace_back(s, line); };
    auto child = start(ex, opts);
    co_await wait_exit(*child);
    co_await child->terminate(1s);  // the pipes reach EOF once nothing of the group is left
    CHECK(seen.size() == 3);
    CHECK(has_line(*child, Stream::out, "a"));
    CHECK(has_line(*child, Stream::err, "b"));
    CHECK(has_line(*child, Stream::out, "c"));
  });
}
