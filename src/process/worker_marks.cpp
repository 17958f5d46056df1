// The marks by which a worker's processes are found again: an environment tag and a cgroup.
#include "hivetest/process/worker_marks.hpp"

#include <chrono>
#include <cstdint>

#include <sys/random.h>
#include <unistd.h>

#include <fmt/format.h>

namespace hivetest::process {

namespace {

// The pid tells runs apart while they run; the random bits keep a tag from matching a
// leftover of an earlier run that had the same pid.
std::string new_run_tag() {
  std::uint64_t bits = 0;
  if (::getrandom(&bits, sizeof bits, GRND_NONBLOCK) != sizeof bits)
    bits = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  return fmt::format("{}-{:016x}", ::getpid(), bits);
}

std::string tag_entry(std::string_view value) { return fmt::format("{}={}", worker_tag_variable, value); }

}  // namespace

ProcessSelector WorkerMarks::strays(pid_t pgid) const {
  ProcessSelector sel;
  sel.env_entry = env_entry;
  if (cgroup) {
    sel.cgroup_path = cgroup->path;
    sel.all_within = cgroup;  // nothing the worker starts gets out unless privileged
  }
  sel.except_group = pgid;
  return sel;
}

RunMarks::RunMarks(std::string tag, std::optional<Cgroup> cgroup)
    : tag_(std::move(tag)), cgroup_(std::move(cgroup)) {}

RunMarks::~RunMarks() {
  if (cgroup_) remove_cgroup(*cgroup_);
}

std::unique_ptr<RunMarks> RunMarks::create() {
  std::string tag = new_run_tag();
  std::optional<Cgroup> cgroup;
  if (const auto own = own_cgroup()) cgroup = make_cgroup(*own, "hivetest-" + tag);
  return std::unique_ptr<RunMarks>(new RunMarks(std::move(tag), std::move(cgroup)));
}

WorkerMarks RunMarks::next_worker() {
  const unsigned n = next_++;
  WorkerMarks marks{tag_entry(fmt::format("{}.{}", tag_, n)), std::nullopt};
  if (cgroup_) marks.cgroup = make_cgroup(*cgroup_, fmt::format("worker-{}", n));
  return marks;
}

ProcessSelector RunMarks::everything(std::vector<pid_t> groups) const {
  ProcessSelector sel;
  sel.groups = std::move(groups);
  sel.env_entry = tag_entry(tag_ + ".");
  sel.env_entry_prefix = true;
  if (cgroup_) sel.cgroup_path = cgroup_->path;
  return sel;
}

}  // namespace hivetest::process
