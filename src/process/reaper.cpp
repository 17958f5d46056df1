// The reaper: a watchdog process that kills the workers left behind when hivetest dies.
#include "hivetest/process/reaper.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include "hivetest/process/pidfd.hpp"
#include "hivetest/process/signal_reset.hpp"

namespace hivetest::process {

namespace {

using Clock = std::chrono::steady_clock;

// Bounds: workers one run may have at once, processes held by pidfds while they die,
// and how long their deaths are awaited before the reaper gives up on them.
constexpr std::size_t max_groups = 4096;
constexpr std::size_t max_held = 512;
constexpr auto exit_wait = std::chrono::seconds(5);
// How long our own exit waits for the reaper's last sweep: its wait and the looks.
constexpr auto sweep_wait = exit_wait + std::chrono::seconds(5);
// A fork and a few system calls: only a machine out of resources takes this long.
constexpr auto ready_wait = std::chrono::seconds(5);

// Away from hivetest's session and job, deaf to what ends a job, holding nothing but the
// socket: the hive's port and the workers' pipes must close when their owners die.
void become_reaper(int& sock) {
  ::setsid();  // never fails here: a forked child leads no group
  ::prctl(PR_SET_NAME, "hivetest-reaper");
  [[maybe_unused]] const int cwd = ::chdir("/");  // keeps no file system busy

  reset_signals({SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU});

  if (sock <= 2) sock = ::fcntl(sock, F_DUPFD_CLOEXEC, 3);
  const int null = ::open("/dev/null", O_RDWR);
  for (int fd = 0; fd <= 2; ++fd) {
    if (null >= 0) ::dup2(null, fd);
    else ::close(fd);
  }
  const bool closed = (sock == 3 || ::close_range(3, sock - 1, 0) == 0) &&
                      ::close_range(sock + 1, ~0U, 0) == 0;
  if (!closed)
    for (int fd = 3, end = fd_scan_limit(); fd < end; ++fd)
      if (fd != sock) ::close(fd);
}

// Reads "group PGID" and "gone PGID", one to a packet, until the other end is closed.
std::vector<pid_t> learn_groups(int sock) {
  std::vector<pid_t> groups;
  char msg[64];
  for (;;) {
    const ssize_t n = ::recv(sock, msg, sizeof msg - 1, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return groups;
    msg[n] = '\0';
    int pgid = 0;
    char verb[8] = {};
    if (std::sscanf(msg, "%7s %d", verb, &pgid) != 2 || pgid <= 1) continue;
    const auto known = std::find(groups.begin(), groups.end(), pgid);
    if (std::strcmp(verb, "group") == 0 && known == groups.end() && groups.size() < max_groups)
      groups.push_back(pgid);
    else if (std::strcmp(verb, "gone") == 0 && known != groups.end())
      groups.erase(known);
  }
}

// Until every held process has ended (its pidfd is readable) or the deadline passes.
void wait_for_ends(const std::vector<HeldProcess>& held, Clock::time_point deadline) {
  std::vector<pollfd> fds;
  for (const auto& p : held) fds.push_back(pollfd{p.pidfd.get(), POLLIN, 0});
  while (!fds.empty()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return;
    const int r = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return;
    std::erase_if(fds, [](const pollfd& p) { return p.revents != 0; });
  }
}

// Nobody is left to wait a grace period for: SIGKILL at once, everything of the run.
void sweep(const RunMarks& run, const std::vector<pid_t>& groups) {
  for (const pid_t g : groups) ::kill(-g, SIGKILL);
  if (run.cgroup()) kill_cgroup(*run.cgroup());
  std::vector<HeldProcess> held;
  signal_processes(run.everything(groups), SIGKILL, held, max_held);
  wait_for_ends(held, Clock::now() + exit_wait);
  if (run.cgroup()) remove_cgroup(*run.cgroup());
}

[[noreturn]] void run_reaper(int sock, const RunMarks& run) noexcept {
  try {
    become_reaper(sock);
    // Out of the job now: the first worker may start.
    if (::send(sock, "ready", 5, MSG_NOSIGNAL) != 5) ::_exit(0);
    const auto groups = learn_groups(sock);
    sweep(run, groups);
  } catch (...) {
  }
  ::_exit(0);  // never hivetest's atexit handlers or stdio buffers
}

}  // namespace

std::unique_ptr<Reaper> Reaper::start(const RunMarks& run) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return nullptr;
  Fd ours(sv[0]), theirs(sv[1]);

  // Blocked across fork so that none of our handlers (Asio's among them) runs in the
  // reaper before it has reset them.
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid = ::fork();
  if (pid == 0) run_reaper(theirs.get(), run);
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) return nullptr;
  auto reaper = std::unique_ptr<Reaper>(new Reaper(pid, open_pidfd(pid), std::move(ours)));
  if (!reaper->wait_ready()) {
    ::kill(pid, SIGKILL);
    return nullptr;  // the destructor has reaped it
  }
  return reaper;
}

bool Reaper::wait_ready() const {
  pollfd p{socket_.get(), POLLIN, 0};
  const int ms = static_cast<int>(std::chrono::milliseconds(ready_wait).count());
  int r;
  while ((r = ::poll(&p, 1, ms)) < 0 && errno == EINTR) {
  }
  char msg[8];
  return r == 1 && ::recv(socket_.get(), msg, sizeof msg, MSG_DONTWAIT) == 5 && std::memcmp(msg, "ready", 5) == 0;
}

Reaper::~Reaper() {
  socket_.reset();
  if (!pidfd_) return;
  pollfd p{pidfd_.get(), POLLIN, 0};
  const int ms = static_cast<int>(std::chrono::milliseconds(sweep_wait).count());
  while (::poll(&p, 1, ms) < 0 && errno == EINTR) {
  }
  siginfo_t info{};
  waitid_pidfd(pidfd_.get(), &info, WNOHANG);
}

// Never blocks: a reaper that stopped reading costs a message, not a hang; the tag and
// the cgroup still find that worker's processes.
void Reaper::tell(const char* verb, pid_t pgid) {
  const std::string msg = fmt::format("{} {}", verb, pgid);
  [[maybe_unused]] const auto n = ::send(socket_.get(), msg.data(), msg.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

void Reaper::watch(pid_t pgid) { tell("group", pgid); }

void Reaper::forget(pid_t pgid) { tell("gone", pgid); }

}  // namespace hivetest::process
