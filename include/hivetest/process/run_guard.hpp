// What guards one run's workers, made once in main: the run's marks, this process as the
// workers' subreaper, and the reaper that outlives us.
#pragma once

#include <memory>
#include <optional>

#include <sys/resource.h>

#include "hivetest/process/reaper.hpp"
#include "hivetest/process/worker_marks.hpp"

namespace hivetest::process {

class RunGuard {
 public:
  // The run's tag and cgroup (worker_marks.hpp), and this process made a child subreaper,
  // so that orphans of a worker's group come to us rather than to init (which, in a
  // container, may never reap them) and terminate can see the group really gone. The
  // descriptor limit is raised for the run (descriptor_limit.hpp).
  RunGuard();
  // The reaper goes first: it sweeps whatever of the run is left and removes the run's
  // cgroups; then the marks remove what is still there.
  ~RunGuard() = default;
  RunGuard(const RunGuard&) = delete;
  RunGuard& operator=(const RunGuard&) = delete;

  // The marks of the next worker.
  WorkerMarks next_worker() { return marks_->next_worker(); }
  // The reaper (reaper.hpp), started on the first call, before the first worker, so that
  // it never holds a worker's pipe; nullptr when it cannot be (workers then run without a
  // guard against our death).
  Reaper* reaper();
  const RunMarks& marks() const { return *marks_; }
  // The descriptor limit the workers get: ours as it was before the run raised it.
  const std::optional<rlimit>& worker_descriptor_limit() const { return worker_descriptor_limit_; }

 private:
  std::unique_ptr<RunMarks> marks_;  // declared first: outlives the reaper
  std::unique_ptr<Reaper> reaper_;
  bool reaper_tried_ = false;
  std::optional<rlimit> worker_descriptor_limit_;
};

}  // namespace hivetest::process
