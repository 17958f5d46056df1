// A worker process: spawned into its own process group, its pipes read into a log ring,
// its exit watched through a pidfd, and terminated with a grace period.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sys/types.h>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "hivetest/process/log_ring.hpp"
#include "hivetest/process/run_guard.hpp"
#include "hivetest/process/spawn.hpp"

namespace hivetest::process {

struct ExitStatus {
  int code = -1;    // exit status when it exited, -1 when killed by a signal
  int signal = 0;   // the signal that killed it, 0 when it exited
  bool success() const { return signal == 0 && code == 0; }
  std::string describe() const;  // "exited with status 3", "killed by signal 9 (SIGKILL)"
};

struct SpawnOptions {
  std::vector<std::string> argv;          // argv[0] is looked up in PATH like execvp
  std::vector<std::string> extra_env;     // "NAME=value", added to the environment
  std::size_t ring_lines = 2000;
  std::size_t ring_bytes = 512 * 1024;
  std::size_t max_line = 16 * 1024;
  // Called for each line as it is read (for -v); may be empty.
  std::function<void(Stream, std::string_view line, bool cut)> on_line;
};

class Child {
 public:
  // Starts the command (spawn.hpp says how, and what the process gets: its own process
  // group, stdin from /dev/null, stdout and stderr on pipes, the parent-death signal, its
  // signals reset, no other descriptor). On failure (exec failing included: command not
  // found, not executable) returns nullptr and sets error (spawn.hpp's SpawnError). From
  // `guard`: HIVETEST_WORKER_TAG in its environment and, where the system allows, a cgroup
  // of its own, by which its processes that leave the group are found (worker_marks.hpp);
  // the reaper, which kills the workers if we die, knows its group until it is reaped.
  // The io_context and the guard must outlive the Child; on_line must not throw and is
  // not called once the Child is destroyed.
  static std::unique_ptr<Child> spawn(asio::any_io_executor ex, RunGuard& guard, const SpawnOptions& opts,
                                      SpawnError* error);
  ~Child();  // kills the process group and the strays with SIGKILL and reaps, if still needed
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const;  // also the process group id
  // Completes when the process has exited (at once if it already has); the status is
  // then in status(). Any number of coroutines may wait; a cancelled wait just returns.
  asio::awaitable<void> wait_exit();
  bool exited() const;
  std::optional<ExitStatus> status() const;

  // SIGTERM to the group and to the worker's processes that left it; wait for the leader
  // to exit up to grace; then SIGKILL to all of them (always, to catch those that outlived
  // the leader); reap the leader and those handed to us, up to kill_wait; drain the pipes. If the leader is somehow still
  // there after kill_wait, reports it as killed by SIGKILL and leaves it to the destructor.
  asio::awaitable<ExitStatus> terminate(
      std::chrono::milliseconds grace,
      std::chrono::milliseconds kill_wait = std::chrono::seconds(5));

  const LogRing& log() const;

  struct Impl;

 private:
  explicit Child(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hivetest::process
