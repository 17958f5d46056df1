// Starting a worker's process with every guarantee the reaper relies on, without copying
// this process to do it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/types.h>

#include "hivetest/process/fd.hpp"
#include "hivetest/process/reaper.hpp"

namespace hivetest::process {

struct StartRequest {
  std::vector<std::string> argv;       // argv[0] is looked up in PATH like execvp
  std::vector<std::string> extra_env;  // "NAME=value", replacing or added to our environment
  int stdout_fd = -1;
  int stderr_fd = -1;
  int cgroup_procs = -1;     // the cgroup.procs file of a cgroup to join before exec, or -1
  Reaper* reaper = nullptr;  // told of the process group as soon as it exists; may be null
  std::optional<rlimit> descriptor_limit;  // set before exec: the limit as it was before we raised ours
};

// Why a command was not started: the words for the user ("cannot run 'x': No such file or
// directory") and the errno behind them, 0 when there is none.
struct SpawnError {
  std::string message;
  int errno_value = 0;
};

struct Started {
  pid_t pid = -1;    // also the process group id; -1 when it was not started
  Fd pidfd;          // valid whenever pid is
  SpawnError error;  // why not
};

// How processes are started. `clone` is CLONE_VM | CLONE_VFORK | CLONE_PIDFD, as
// posix_spawn does it: no page table is copied and we wait only for the exec. `fork` is
// used where the kernel lacks CLONE_PIDFD (before Linux 5.2), or when the environment
// says HIVETEST_SPAWN=fork (tests and benchmarks compare the two).
enum class StartMethod { clone, fork };
StartMethod start_method();

// Returns once the command has been executed, or has failed to be (then nothing of it is
// left). The process: its own process group (pgid == pid), stdin from /dev/null, stdout
// and stderr on the given descriptors and no other descriptor of ours,
// PR_SET_PDEATHSIG(SIGKILL), its cgroup joined, its signal dispositions and mask reset,
// and the descriptor limit given back.
Started start_process(const StartRequest& request);

}  // namespace hivetest::process
