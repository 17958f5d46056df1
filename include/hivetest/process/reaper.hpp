// The reaper: a watchdog process, forked before the first worker, that outlives hivetest
// to kill every worker process hivetest leaves behind when it dies in any way, SIGKILL
// included.
#pragma once

#include <memory>

#include <sys/types.h>

#include "hivetest/process/fd.hpp"
#include "hivetest/process/worker_marks.hpp"

namespace hivetest::process {

// We hold one end of a socket pair, the reaper the other. It learns each worker's process
// group through it ("group PGID", and "gone PGID" once the group is reaped and its id may
// go to a stranger). When our end closes, because we exited or were killed, it SIGKILLs
// the groups it knows, the run's cgroup and every process carrying a worker tag of the
// run, waits for them to end, removes the run's cgroups and exits.
//
// The reaper leads a session of its own, so that the terminal's and the shell's signals
// for hivetest's job (Ctrl-C, kill %1) do not take it away too; it ignores SIGINT,
// SIGTERM and SIGHUP, keeps only its end of the socket (stdio on /dev/null, no listening
// socket, no worker pipe) and is named "hivetest-reaper".
class Reaper {
 public:
  // Forks a reaper for the run and returns once it has left our job and closed what is
  // ours, so that no worker can start before it guards them; nullptr when it cannot.
  static std::unique_ptr<Reaper> start(const RunMarks& run);
  // Closes our end, so the reaper sweeps and exits, and waits for that (bounded): once
  // we have exited, nothing of ours is left, the reaper included.
  ~Reaper();
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

  void watch(pid_t pgid);
  void forget(pid_t pgid);
  pid_t pid() const { return pid_; }

 private:
  Reaper(pid_t pid, Fd pidfd, Fd socket) : pid_(pid), pidfd_(std::move(pidfd)), socket_(std::move(socket)) {}
  void tell(const char* verb, pid_t pgid);
  bool wait_ready() const;  // the reaper has left our job and closed what is ours
  pid_t pid_;
  Fd pidfd_;
  Fd socket_;
};

}  // namespace hivetest::process
