// Cgroup v2 directories for workers: found from /proc/self, made, killed and removed.
#include "hivetest/process/cgroup.hpp"

#include <charconv>
#include <cstdlib>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hivetest/process/kernel_file.hpp"

namespace hivetest::process {

namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  while (!text.empty()) {
    const auto at = text.find(sep);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return parts;
}

// mountinfo writes a space in a path as \040, and likewise tab, newline and backslash.
std::string unescape_octal(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto octal = [&](std::size_t at) { return at < s.size() && s[at] >= '0' && s[at] <= '7'; };
    if (s[i] == '\\' && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string joined(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out.push_back('/');
  out.append(name);
  return out;
}

// Nested cgroups deeper than this are neither listed nor removed: a worker that nests
// them without end must not keep us here.
constexpr int max_depth = 8;

std::vector<std::string> subdirectories(const std::string& dir) {
  std::vector<std::string> children;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d))
      if (e->d_type == DT_DIR && e->d_name[0] != '.') children.push_back(joined(dir, e->d_name));
    ::closedir(d);
  }
  return children;
}

// Removes a cgroup tree bottom up.
void remove_tree(const std::string& dir, int depth) {
  if (depth > 0)
    for (const auto& child : subdirectories(dir)) remove_tree(child, depth - 1);
  ::rmdir(dir.c_str());
}

void list_members(const std::string& dir, int depth, std::size_t max, std::vector<pid_t>& out) {
  if (const auto procs = read_kernel_file(dir + "/cgroup.procs", 1024 * 1024))
    for (const auto line : split(*procs, '\n')) {
      if (out.size() >= max) return;
      pid_t pid = 0;
      if (std::from_chars(line.data(), line.data() + line.size(), pid).ec == std::errc() && pid > 0)
        out.push_back(pid);
    }
  if (depth > 0)
    for (const auto& child : subdirectories(dir)) list_members(child, depth - 1, max, out);
}

}  // namespace

bool cgroup_contains(std::string_view path, std::string_view member_path) {
  if (!member_path.starts_with(path)) return false;
  return member_path.size() == path.size() || path == "/" || member_path[path.size()] == '/';
}

std::optional<std::string> cgroup_of(const std::string& proc) {
  const auto text = read_kernel_file(proc + "/cgroup");
  if (!text) return std::nullopt;
  for (const auto line : split(*text, '\n'))
    if (line.starts_with("0::/")) return std::string(line.substr(3));
  return std::nullopt;
}

std::vector<pid_t> cgroup_members(const Cgroup& cg, std::size_t max) {
  std::vector<pid_t> pids;
  list_members(cg.dir, max_depth, max, pids);
  return pids;
}

std::optional<Cgroup> own_cgroup() {
  // HIVETEST_NO_CGROUP=1: none, as where cgroups cannot be made, so that the tests take
  // the tag-only path on any machine.
  if (const char* no = std::getenv("HIVETEST_NO_CGROUP"); no && std::string_view(no) == "1") return std::nullopt;
  const auto path = cgroup_of("/proc/self");
  const auto mounts = read_kernel_file("/proc/self/mountinfo", 1024 * 1024);
  if (!path || !mounts) return std::nullopt;
  for (const auto line : split(*mounts, '\n')) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS
    const auto dash = line.find(" - ");
    if (dash == std::string_view::npos || !line.substr(dash + 3).starts_with("cgroup2 ")) continue;
    const auto fields = split(line.substr(0, dash), ' ');
    if (fields.size() < 5) continue;
    const std::string root = unescape_octal(fields[3]);
    if (!cgroup_contains(root, *path)) continue;  // a mount of another part of the tree
    const std::string below = root == "/" ? *path : path->substr(root.size());
    std::string dir = unescape_octal(fields[4]);
    if (below != "/") dir += below;
    return Cgroup{std::move(dir), *path};
  }
  return std::nullopt;
}

std::optional<Cgroup> make_cgroup(const Cgroup& parent, std::string_view name) {
  Cgroup cg{joined(parent.dir, name), joined(parent.path, name)};
  if (::mkdir(cg.dir.c_str(), 0755) != 0) return std::nullopt;
  // A directory is not enough: cgroup.procs must be there and ours to write.
  if (::access((cg.dir + "/cgroup.procs").c_str(), W_OK) != 0) {
    ::rmdir(cg.dir.c_str());
    return std::nullopt;
  }
  return cg;
}

bool kill_cgroup(const Cgroup& cg) { return write_kernel_file(cg.dir + "/cgroup.kill", "1"); }

void remove_cgroup(const Cgroup& cg) { remove_tree(cg.dir, max_depth); }

int open_cgroup_procs(const Cgroup& cg) {
  return ::open((cg.dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
}

}  // namespace hivetest::process
