// The marks by which a worker's processes are found again once they have left its process
// group: a tag in their environment and, where the system allows, a cgroup of their own.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "hivetest/process/cgroup.hpp"
#include "hivetest/process/process_sweep.hpp"

namespace hivetest::process {

// Every worker gets WORKER_TAG_VARIABLE=RUN.N in its environment, which its descendants
// keep through fork, setsid and exec unless they replace their environment.
inline constexpr std::string_view worker_tag_variable = "HIVETEST_WORKER_TAG";

struct WorkerMarks {
  std::string env_entry;         // HIVETEST_WORKER_TAG=RUN.N
  // The worker's own cgroup, when the run has one and the worker is in it; then it holds
  // all the worker's processes, and only its members need a look.
  std::optional<Cgroup> cgroup;

  // The worker's processes other than the members of its process group `pgid`.
  ProcessSelector strays(pid_t pgid) const;
};

// One run of hivetest: the tag that all its workers' tags start with, and the cgroup
// that holds theirs.
class RunMarks {
 public:
  // A new run: a tag made of our pid and random bits, and a cgroup where we may make one.
  static std::unique_ptr<RunMarks> create();
  ~RunMarks();  // removes the run's cgroups that are empty
  RunMarks(const RunMarks&) = delete;
  RunMarks& operator=(const RunMarks&) = delete;

  WorkerMarks next_worker();
  // Every process of the run: members of `groups`, any worker's tag, the run's cgroup.
  ProcessSelector everything(std::vector<pid_t> groups) const;
  const std::string& tag() const { return tag_; }
  const std::optional<Cgroup>& cgroup() const { return cgroup_; }

 private:
  RunMarks(std::string tag, std::optional<Cgroup> cgroup);
  std::string tag_;
  std::optional<Cgroup> cgroup_;
  unsigned next_ = 1;
};

}  // namespace hivetest::process
