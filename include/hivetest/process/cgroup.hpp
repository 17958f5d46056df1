// Cgroup v2 directories for workers, where the system lets this process make them: a
// worker's cgroup holds every process it starts, whatever group or session they move to.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace hivetest::process {

struct Cgroup {
  std::string dir;   // in the file system: /sys/fs/cgroup/…/NAME
  std::string path;  // in the hierarchy, as /proc/PID/cgroup names it: /…/NAME
};

// This process's own cgroup v2, when the unified hierarchy is mounted where we see it.
std::optional<Cgroup> own_cgroup();

// A new cgroup below `parent`; nullopt when we may not make one (not delegated to us,
// read-only, no cgroup v2).
std::optional<Cgroup> make_cgroup(const Cgroup& parent, std::string_view name);

// SIGKILLs everything in the cgroup and below it at once, forks in flight included
// (cgroup.kill, Linux 5.14). False where the kernel lacks it: then only finding the
// processes one by one is left.
bool kill_cgroup(const Cgroup& cg);

// Removes the cgroup and the cgroups below it; those still holding a live process stay.
void remove_cgroup(const Cgroup& cg);

// Opens the cgroup's cgroup.procs for writing: a forked child writes "0" to it to move
// itself in before it execs, so that nothing it starts is ever outside. -1 on failure.
int open_cgroup_procs(const Cgroup& cg);

// Whether `member_path` (from /proc/PID/cgroup) is the cgroup at `path` or below it.
bool cgroup_contains(std::string_view path, std::string_view member_path);

// The cgroup v2 path of the process whose /proc directory is `proc` ("/proc/self" for us).
std::optional<std::string> cgroup_of(const std::string& proc);

// The processes in the cgroup and below it, at most `max`.
std::vector<pid_t> cgroup_members(const Cgroup& cg, std::size_t max);

}  // namespace hivetest::process
