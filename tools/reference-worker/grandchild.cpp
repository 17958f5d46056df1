// The grandchild faults: a process the worker starts that keeps running, as a leaked helper would.
#include "grandchild.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <sys/prctl.h>
#include <unistd.h>

namespace reference_worker {

pid_t start_grandchild(bool leave_group, bool ignore_sigterm, std::string& error) {
  const pid_t pid = ::fork();
  if (pid < 0) {
    error = std::strerror(errno);
    return -1;
  }
  if (pid > 0) return pid;

  // The child of a single-threaded process: any call is safe here.
  if (leave_group) ::setsid();
  ::prctl(PR_SET_NAME, leave_group ? "rw-setsid-child" : "rw-fork-child");
  ::close_range(3, ~0U, 0);  // not the worker's port: the leak is a process, not a listener
  if (ignore_sigterm) std::signal(SIGTERM, SIG_IGN);
  for (;;) ::pause();
}

}  // namespace reference_worker
