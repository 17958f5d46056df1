// Tests of the reaper on real processes: what it kills when our end closes, what it
// spares, and what it keeps of ours; with the run in a cgroup, and by the tag alone.
#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hivetest/process/cgroup.hpp"
#include "hivetest/process/kernel_file.hpp"
#include "hivetest/process/reaper.hpp"
#include "hivetest/process/worker_marks.hpp"

using namespace hivetest::process;

namespace {

// Every wait below ends on its event; this deadline only stops a broken test.
constexpr int deadline_ms = 10000;

// A worker stand-in: `script` run by sh in a process group of its own, with only the
// given environment, moved into `cgroup` first when there is one. What the script
// prints, one pid per line, is read back into `pids`.
struct Started {
  pid_t leader = 0;
  std::vector<pid_t> pids;
};

Started start_group(const std::string& script, std::vector<std::string> env,
                    const std::optional<Cgroup>& cgroup, std::size_t lines) {
  int out[2];
  REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
  const int join = cgroup ? open_cgroup_procs(*cgroup) : -1;
  env.push_back("PATH=/usr/bin:/bin");
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setpgid(0, 0);
    if (join >= 0 && ::write(join, "0", 1) != 1) ::_exit(126);
    ::dup2(out[1], 1);
    ::execle("/bin/sh", "sh", "-c", script.c_str(), nullptr, envp.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  ::close(out[1]);
  if (join >= 0) ::close(join);
  Started s{pid, {}};
  std::string text;
  char buf[256];
  while (std::count(text.begin(), text.end(), '\n') < static_cast<long>(lines)) {
    pollfd p{out[0], POLLIN, 0};
    REQUIRE(::poll(&p, 1, deadline_ms) == 1);
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    REQUIRE(n > 0);
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  for (std::size_t at = 0; at < text.size();) {
    const auto nl = text.find('\n', at);
    s.pids.push_back(std::atoi(text.substr(at, nl - at).c_str()));
    at = nl + 1;
  }
  return s;
}

// Gone, or a zombie: nothing left running.
bool ended(pid_t pid) {
  const auto stat = read_kernel_file("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  const auto paren = stat->rfind(')');
  return paren != std::string::npos && paren + 2 < stat->size() &&
         ((*stat)[paren + 2] == 'Z' || (*stat)[paren + 2] == 'X');
}

void kill_and_reap(pid_t leader) {
  ::kill(-leader, SIGKILL);
  ::waitpid(leader, nullptr, 0);
}

// A run with a cgroup where this machine lets us make one, or without one, as where it
// does not: HIVETEST_NO_CGROUP=1 makes own_cgroup() find none.
std::unique_ptr<RunMarks> run_marks(bool with_cgroup) {
  if (with_cgroup) return RunMarks::create();
  ::setenv("HIVETEST_NO_CGROUP", "1", 1);
  auto run = RunMarks::create();
  ::unsetenv("HIVETEST_NO_CGROUP");
  return run;
}

// Cgroup v2 delegated to us, or root: only then can the cgroup path be tested.
bool cgroups_here() { return RunMarks::create()->cgroup().has_value(); }

// The reaper's sweep when our end closes, over a run with or without a cgroup.
void sweep_kills_the_run(bool with_cgroup) {
  auto run = run_marks(with_cgroup);
  auto worker = run->next_worker();
  REQUIRE(worker.cgroup.has_value() == with_cgroup);
  auto reaper = Reaper::start(*run);
  REQUIRE(reaper);

  // A member of the group, one that left it with setsid, and one that left it with a
  // scrubbed environment too, which only a cgroup can still find; that one says its pid
  // itself, once its environment is scrubbed.
  const auto a = start_group(
      "sleep 1000 & echo $!; setsid sleep 1000 & echo $!; env -i setsid sh -c 'echo $$; exec sleep 1000' & "
      "exec sleep 1000",
      {worker.env_entry}, worker.cgroup, 3);
  // Another worker of the run that the reaper was never told of, outside the run's
  // cgroup: found by its tag.
  auto other = run->next_worker();
  const auto b = start_group("setsid sleep 1000 & echo $!; exec sleep 1000", {other.env_entry}, std::nullopt, 1);
  reaper->watch(a.leader);

  reaper.reset();  // as when hivetest dies: the reaper sweeps, and this waits for it

  CHECK(ended(a.leader));
  CHECK(ended(a.pids[0]));
  CHECK(ended(a.pids[1]));
  // Without a cgroup the scrubbed one is missed, as the README says.
  CHECK(ended(a.pids[2]) == with_cgroup);
  if (with_cgroup) CHECK_FALSE(std::filesystem::exists(run->cgroup()->dir));
  CHECK(ended(b.leader));
  CHECK(ended(b.pids[0]));
  // What the reaper spared, or missed when a check above failed.
  for (const pid_t pid : {a.pids[1], a.pids[2], b.pids[0]}) ::kill(pid, SIGKILL);
  kill_and_reap(a.leader);
  kill_and_reap(b.leader);
}

}  // namespace

TEST_CASE("when our end closes, the reaper kills the watched groups and every process of the run, "
          "in the run's cgroup (skipped where no cgroup can be made)" * doctest::skip(!cgroups_here())) {
  sweep_kills_the_run(true);
}

TEST_CASE("when our end closes, the reaper kills the watched groups and every process of the run, by the tag alone") {
  sweep_kills_the_run(false);
}

TEST_CASE("a group the reaper was told is gone is never signalled") {
  auto run = RunMarks::create();
  auto reaper = Reaper::start(*run);
  REQUIRE(reaper);
  // Untagged, so only the group id could lead the reaper to it: a stranger's group
  // that got the id of a reaped worker's.
  const auto s = start_group("echo $$; exec sleep 1000", {}, std::nullopt, 1);
  reaper->watch(s.leader);
  reaper->forget(s.leader);
  reaper.reset();
  CHECK_FALSE(ended(s.leader));
  kill_and_reap(s.leader);
}

TEST_CASE("the reaper keeps nothing of ours open and no job signal ends it") {
  auto run = RunMarks::create();
  auto reaper = Reaper::start(*run);
  REQUIRE(reaper);
  const pid_t pid = reaper->pid();
  // Its own session, so the terminal's and the shell's signals for our job miss it.
  CHECK(::getsid(pid) == pid);
  CHECK(read_kernel_file("/proc/" + std::to_string(pid) + "/comm") == "hivetest-reaper\n");

  // stdio on /dev/null and its end of the socket: not our pipes, not our sockets.
  const std::string fds = "/proc/" + std::to_string(pid) + "/fd";
  std::vector<std::string> targets;
  for (const auto& e : std::filesystem::directory_iterator(fds))
    targets.push_back(std::filesystem::read_symlink(e.path()).string());
  std::sort(targets.begin(), targets.end());
  REQUIRE(targets.size() == 4);
  CHECK(targets[0] == "/dev/null");
  CHECK(targets[2] == "/dev/null");
  CHECK(targets[3].starts_with("socket:"));

  const auto status = read_kernel_file("/proc/" + std::to_string(pid) + "/status");
  REQUIRE(status);
  const auto at = status->find("SigIgn:\t");
  REQUIRE(at != std::string::npos);
  const auto ignored = std::stoull(status->substr(at + 8, 16), nullptr, 16);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    INFO("signal ", sig);
    CHECK((ignored >> (sig - 1) & 1) == 1);
  }
}
