// Pidfds: a handle on one process that signals and waits can use without ever reaching a
// later process given the same pid (Linux 5.3; waitid on one, 5.4).
#pragma once

#include <csignal>

#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hivetest/process/fd.hpp"

#ifndef P_PIDFD
#define P_PIDFD 3  // older C libraries lack the name
#endif

namespace hivetest::process {

// Invalid when the process is gone (or pidfds are missing).
inline Fd open_pidfd(pid_t pid) { return Fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))); }

// 0 on success; sig 0 only asks whether the process is still there.
inline int signal_pidfd(const Fd& pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd.get(), sig, nullptr, 0));
}

// waitid on the pidfd, for WEXITED with `options` (WNOHANG, WNOWAIT); fails with ECHILD
// when the process is not our child. Retries on EINTR.
inline int waitid_pidfd(int pidfd, siginfo_t* info, int options) {
  int r;
  do r = ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), info, WEXITED | options);
  while (r < 0 && errno == EINTR);
  return r;
}

}  // namespace hivetest::process
