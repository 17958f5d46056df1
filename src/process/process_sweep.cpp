// Finding a worker's processes anywhere in /proc and signalling them through pidfds.
#include "hivetest/process/process_sweep.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include <dirent.h>
#include <unistd.h>

#include "hivetest/process/cgroup.hpp"
#include "hivetest/process/kernel_file.hpp"
#include "hivetest/process/pidfd.hpp"

namespace hivetest::process {

namespace {

// A worker's environment is a few KiB; the bound only keeps a huge one from costing much.
constexpr std::size_t max_environ = 1024 * 1024;
// Looks for new processes after signalling; each look needs a fork to have raced the last.
constexpr int max_looks = 16;

std::optional<pid_t> pid_of(const char* name) {
  pid_t pid = 0;
  const std::string_view s(name);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), pid);
  if (ec != std::errc() || end != s.data() + s.size() || pid <= 0) return std::nullopt;
  return pid;
}

struct Status {
  char state = '?';
  pid_t pgid = 0;
};

// From /proc/PID/stat: "PID (COMM) STATE PPID PGRP …"; COMM may hold anything, ')' too.
std::optional<Status> status_of(const std::string& proc) {
  const auto text = read_kernel_file(proc + "/stat", 4096);
  if (!text) return std::nullopt;
  const auto paren = text->rfind(')');
  if (paren == std::string::npos || paren + 2 >= text->size()) return std::nullopt;
  Status st;
  st.state = (*text)[paren + 2];
  const char* p = text->data() + paren + 3;
  const char* end = text->data() + text->size();
  pid_t ppid = 0;
  auto r = std::from_chars(p + 1, end, ppid);
  if (r.ec != std::errc()) return std::nullopt;
  r = std::from_chars(r.ptr + 1, end, st.pgid);
  if (r.ec != std::errc()) return std::nullopt;
  return st;
}

bool matches(pid_t pid, const ProcessSelector& sel) {
  const std::string proc = "/proc/" + std::to_string(pid);
  const auto st = status_of(proc);
  if (!st || st->state == 'Z' || st->state == 'X') return false;
  if (sel.except_group != 0 && st->pgid == sel.except_group) return false;
  if (std::find(sel.groups.begin(), sel.groups.end(), st->pgid) != sel.groups.end()) return true;
  if (!sel.cgroup_path.empty()) {
    const auto path = cgroup_of(proc);
    if (path && cgroup_contains(sel.cgroup_path, *path)) return true;
  }
  if (sel.env_entry.empty()) return false;
  const auto env = read_kernel_file(proc + "/environ", max_environ);
  return env && environment_has(*env, sel.env_entry, sel.env_entry_prefix);
}

// Every pid in /proc, or in the cgroup that holds all that can match.
std::vector<pid_t> candidates(const ProcessSelector& sel) {
  constexpr std::size_t max_candidates = 1 << 20;
  if (sel.all_within) return cgroup_members(*sel.all_within, max_candidates);
  std::vector<pid_t> pids;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return pids;
  while (const dirent* e = ::readdir(proc))
    if (const auto pid = pid_of(e->d_name); pid && pids.size() < max_candidates) pids.push_back(*pid);
  ::closedir(proc);
  return pids;
}

}  // namespace

bool environment_has(std::string_view block, std::string_view entry, bool prefix) {
  while (!block.empty()) {
    const auto nul = block.find('\0');
    const auto e = block.substr(0, nul);
    if (prefix ? e.starts_with(entry) : e == entry) return true;
    if (nul == std::string_view::npos) break;
    block.remove_prefix(nul + 1);
  }
  return false;
}

std::vector<HeldProcess> find_processes(const ProcessSelector& sel, std::size_t max,
                                        const std::vector<pid_t>& skip) {
  std::vector<HeldProcess> found;
  const pid_t self = ::getpid();
  for (const pid_t pid : candidates(sel)) {
    if (found.size() >= max) break;
    if (pid == self || std::find(skip.begin(), skip.end(), pid) != skip.end()) continue;
    if (!matches(pid, sel)) continue;
    Fd pidfd = open_pidfd(pid);
    // The pid may have changed hands between the look and the open: look again, now that
    // the pidfd pins whoever has it, and make sure that one is still alive.
    if (!pidfd || !matches(pid, sel) || signal_pidfd(pidfd, 0) != 0) continue;
    found.push_back(HeldProcess{pid, std::move(pidfd)});
  }
  return found;
}

void signal_processes(const ProcessSelector& sel, int sig, std::vector<HeldProcess>& held,
                      std::size_t max) {
  for (const auto& p : held) signal_pidfd(p.pidfd, sig);
  for (int look = 0; look < max_looks && held.size() < max; ++look) {
    std::vector<pid_t> known;
    for (const auto& p : held) known.push_back(p.pid);
    auto found = find_processes(sel, max - held.size(), known);
    if (found.empty()) return;
    for (auto& p : found) {
      signal_pidfd(p.pidfd, sig);
      held.push_back(std::move(p));
    }
  }
}

}  // namespace hivetest::process
