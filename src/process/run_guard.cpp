// What guards one run's workers: the run's marks, the subreaper flag, the reaper, the descriptor limit.
#include "hivetest/process/run_guard.hpp"

#include <sys/prctl.h>

#include "hivetest/process/descriptor_limit.hpp"

namespace hivetest::process {

RunGuard::RunGuard() : marks_(RunMarks::create()), worker_descriptor_limit_(raise_descriptor_limit()) {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
}

Reaper* RunGuard::reaper() {
  if (!reaper_tried_) {
    reaper_tried_ = true;
    reaper_ = Reaper::start(*marks_);
  }
  return reaper_.get();
}

}  // namespace hivetest::process
