// Tests of finding a worker's processes by their marks: environment entries, groups, cgroups.
#include <doctest/doctest.h>

#include <csignal>
#include <string>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hivetest/process/cgroup.hpp"
#include "hivetest/process/process_sweep.hpp"

using namespace hivetest::process;
using namespace std::string_literals;

TEST_CASE("an environment entry matches whole, or as a prefix when asked") {
  const auto block = "A=1\0HIVETEST_WORKER_TAG=9-ab.12\0B=2\0"s;
  CHECK(environment_has(block, "HIVETEST_WORKER_TAG=9-ab.12", false));
  CHECK_FALSE(environment_has(block, "HIVETEST_WORKER_TAG=9-ab.1", false));
  CHECK(environment_has(block, "HIVETEST_WORKER_TAG=9-ab.", true));
  CHECK_FALSE(environment_has(block, "HIVETEST_WORKER_TAG=9-a.", true));
  CHECK(environment_has(block, "A=1", false));
  CHECK(environment_has("LAST=x"s, "LAST=x", false));  // no final NUL
  // Inside another entry's value is not an entry.
  CHECK_FALSE(environment_has("X=HIVETEST_WORKER_TAG=9-ab.12\0"s, "HIVETEST_WORKER_TAG=9-ab.12", false));
  CHECK_FALSE(environment_has(""s, "A=1", false));
}

TEST_CASE("a cgroup contains itself and what is below it, not its namesakes") {
  CHECK(cgroup_contains("/a/hivetest-1", "/a/hivetest-1"));
  CHECK(cgroup_contains("/a/hivetest-1", "/a/hivetest-1/worker-2"));
  CHECK_FALSE(cgroup_contains("/a/hivetest-1", "/a/hivetest-12"));
  CHECK_FALSE(cgroup_contains("/a/hivetest-1", "/a"));
  CHECK(cgroup_contains("/", "/anything"));
}

TEST_CASE("processes are found by their environment entry and group, and signalled by pidfd") {
  const std::string entry = "HIVETEST_SWEEP_TEST=" + std::to_string(::getpid());
  std::string env = entry;
  char* envp[] = {env.data(), nullptr};
  int execd[2];  // closed by the exec: from then on the child has the entry
  REQUIRE(::pipe2(execd, O_CLOEXEC) == 0);
  const pid_t leader = ::fork();
  REQUIRE(leader >= 0);
  if (leader == 0) {
    ::setpgid(0, 0);
    ::execle("/bin/sleep", "sleep", "1000", nullptr, envp);
    ::_exit(127);
  }
  ::setpgid(leader, leader);
  ::close(execd[1]);
  char byte;
  REQUIRE(::read(execd[0], &byte, 1) == 0);
  ::close(execd[0]);

  ProcessSelector by_entry;
  by_entry.env_entry = entry;
  ProcessSelector by_prefix;
  by_prefix.env_entry = "HIVETEST_SWEEP_TEST=";
  by_prefix.env_entry_prefix = true;
  ProcessSelector by_group;
  by_group.groups = {leader};
  ProcessSelector outside_group = by_entry;
  outside_group.except_group = leader;

  CHECK(find_processes(by_group, 10).size() == 1);
  const auto held = find_processes(by_entry, 10);
  REQUIRE(held.size() == 1);
  CHECK(held[0].pid == leader);
  CHECK(find_processes(by_prefix, 10).size() == 1);
  CHECK(find_processes(outside_group, 10).empty());
  CHECK(find_processes(by_entry, 10, {leader}).empty());

  std::vector<HeldProcess> signalled;
  signal_processes(by_entry, SIGKILL, signalled, 10);
  REQUIRE(signalled.size() == 1);
  int status = 0;
  REQUIRE(::waitpid(leader, &status, 0) == leader);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK(find_processes(by_group, 10).empty());  // a zombie is done
}
