// Finding a worker's processes anywhere in /proc, by what they carry whatever group or
// session they moved to, and signalling them through pidfds.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "hivetest/process/cgroup.hpp"
#include "hivetest/process/fd.hpp"

namespace hivetest::process {

// A process matches when any one of these holds.
struct ProcessSelector {
  std::vector<pid_t> groups;      // it is in one of these process groups
  std::string env_entry;          // its environment has this entry ("NAME=value")...
  bool env_entry_prefix = false;  // ...or, when set, an entry starting with it
  std::string cgroup_path;        // it is in this cgroup v2 (as /proc/PID/cgroup says) or below
  pid_t except_group = 0;         // never a member of this group (signalled as a group already)
  // When every process that can match is known to be in this cgroup, only its members are
  // looked at, not all of /proc: the cost no longer grows with the machine's processes.
  std::optional<Cgroup> all_within;
};

// A process held by a pidfd: signals and waits through it can never reach a later process
// that was given the same pid.
struct HeldProcess {
  pid_t pid = 0;
  Fd pidfd;
};

// Live processes (zombies are done) that match, never this one nor those in `skip`; at
// most `max`. Each is matched again after its pidfd is open, so the pidfd is the match.
std::vector<HeldProcess> find_processes(const ProcessSelector& sel, std::size_t max,
                                        const std::vector<pid_t>& skip = {});

// Sends `sig` to what `held` has, then finds the others and sends it to them too, and looks
// again until a look finds nothing new (a process may fork while the first look runs).
// The new ones join `held`, which stays at most `max` long.
void signal_processes(const ProcessSelector& sel, int sig, std::vector<HeldProcess>& held,
                      std::size_t max);

// Whether the environment block (NUL-separated "NAME=value" entries, as in
// /proc/PID/environ) has the entry, or with `prefix` an entry starting with it.
bool environment_has(std::string_view environ_block, std::string_view entry, bool prefix);

}  // namespace hivetest::process
