// Starting a worker's process: clone sharing our memory until exec (as posix_spawn does),
// or fork where the kernel cannot; the child's side sets up what posix_spawn cannot.
#include "hivetest/process/spawn.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "hivetest/process/pidfd.hpp"
#include "hivetest/process/signal_reset.hpp"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000  // older C libraries lack the name
#endif

extern char** environ;

namespace hivetest::process {

namespace {

std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
  const auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    bool overridden = false;
    for (const auto& x : extra) overridden = overridden || name_of(x) == name_of(entry);
    if (!overridden) env.emplace_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> c_array(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// What the child needs, prepared before it starts: it makes no allocation and calls only
// async-signal-safe functions, since it shares our memory (clone) or may have been forked
// while a lock was held.
struct ChildSetup {
  char* const* argv;
  char* const* envp;
  pid_t parent;
  int in, out, err, report;
  int cgroup_procs;  // the worker's cgroup to move into, or -1
  int max_fd;        // for the fallback when close_range is missing
  const rlimit* descriptor_limit;  // the worker's, or null to leave ours
};

// The child's report through the CLOEXEC pipe: which step failed and why. A successful
// exec closes the pipe and the parent reads nothing.
enum Step : int { step_setpgid, step_deathsig, step_stdio, step_exec };
struct Report {
  int step;
  int error;
};

// The child's side runs on a stack of its own (clone) and never returns, so the address
// sanitizer must not poison frames on it that nothing would ever unpoison.
#define HIVETEST_CHILD_SIDE __attribute__((no_sanitize("address", "undefined")))

[[noreturn]] HIVETEST_CHILD_SIDE void report_and_exit(int fd, Step step) {
  const Report r{step, errno};
  [[maybe_unused]] const auto n = ::write(fd, &r, sizeof r);
  ::_exit(127);
}

[[noreturn]] HIVETEST_CHILD_SIDE void run_child(const ChildSetup& c) {
  if (::setpgid(0, 0) != 0) report_and_exit(c.report, step_setpgid);
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) report_and_exit(c.report, step_deathsig);
  // The parent may have died before prctl took effect; then nobody would ever kill us.
  if (::getppid() != c.parent) ::_exit(127);
  // Before exec, so that nothing the worker starts is ever outside its cgroup. Without it
  // the worker runs all the same: its tag still finds what leaves its group.
  if (c.cgroup_procs >= 0) {
    [[maybe_unused]] const auto n = ::write(c.cgroup_procs, "0", 1);
  }

  reset_signals();

  if (::dup2(c.in, 0) < 0 || ::dup2(c.out, 1) < 0 || ::dup2(c.err, 2) < 0)
    report_and_exit(c.report, step_stdio);
  // The hive's sockets and other workers' pipes must not reach the worker, CLOEXEC or not.
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
    for (int fd = 3; fd < c.max_fd; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  // Lowering a soft limit never fails; a worker that cannot stand a high one gets its own.
  if (c.descriptor_limit != nullptr) ::setrlimit(RLIMIT_NOFILE, c.descriptor_limit);

  ::execvpe(c.argv[0], c.argv, c.envp);
  report_and_exit(c.report, step_exec);
}

HIVETEST_CHILD_SIDE int clone_entry(void* setup) { run_child(*static_cast<const ChildSetup*>(setup)); }

std::string describe_failure(const std::string& name, const Report& r) {
  const char* why = std::strerror(r.error);
  switch (r.step) {
    case step_exec: return fmt::format("cannot run '{}': {}", name, why);
    case step_setpgid: return fmt::format("cannot start '{}': setpgid: {}", name, why);
    case step_deathsig: return fmt::format("cannot start '{}': prctl: {}", name, why);
    default: return fmt::format("cannot start '{}': redirecting stdio: {}", name, why);
  }
}

void wait_blocking(pid_t pid) {
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// The cloned child's stack, with a guard page below it. Sized for what exec may put on
// it: execvpe keeps the PATH entry it tries and, for a script, a copy of argv there.
class ChildStack {
 public:
  explicit ChildStack(std::size_t argc) {
    const char* path = std::getenv("PATH");
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t want = 64 * 1024 + (argc + 3) * sizeof(char*) + (path ? std::strlen(path) : 0) + 4096;
    size_ = (want + page - 1) / page * page + page;
    base_ = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (base_ != MAP_FAILED) ::mprotect(base_, page, PROT_NONE);
  }
  ~ChildStack() {
    if (base_ != MAP_FAILED) ::munmap(base_, size_);
  }
  ChildStack(const ChildStack&) = delete;
  ChildStack& operator=(const ChildStack&) = delete;
  bool valid() const { return base_ != MAP_FAILED; }
  void* top() const { return static_cast<char*>(base_) + size_; }  // stacks grow down

 private:
  std::size_t size_ = 0;
  void* base_ = MAP_FAILED;
};

// A started child: its pid and pidfd; pid -1 and why when it could not be started, or no
// pidfd and why when it cannot be watched.
struct ChildStart {
  pid_t pid = -1;
  Fd pidfd;
  int start_errno = 0;
  int pidfd_errno = 0;
};

ChildStart start_child(const ChildSetup& setup, std::size_t argc) {
  ChildStart child;
  // Blocked across the start so that none of our handlers (Asio's among them) can run in
  // the child, on our memory, before it has reset them.
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  if (start_method() == StartMethod::clone) {
    ChildStack stack(argc);
    int pidfd = -1;
    // Suspends us until the child has called exec or exited.
    if (stack.valid())
      child.pid = ::clone(clone_entry, stack.top(), CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD,
                          const_cast<ChildSetup*>(&setup), &pidfd);
    child.start_errno = errno;
    child.pidfd.reset(pidfd);
  }
  const bool no_clone = child.start_errno == EINVAL || child.start_errno == ENOSYS;
  if (child.pid < 0 && (start_method() == StartMethod::fork || no_clone)) {
    child.pid = ::fork();
    if (child.pid == 0) run_child(setup);
    child.start_errno = errno;
    // The child does the same; doing it here too means the group exists before we go on,
    // whichever of us runs first.
    if (child.pid > 0) ::setpgid(child.pid, child.pid);
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  // A kernel that ignores CLONE_PIDFD leaves no pidfd: then open one (the child is ours
  // and not reaped, so its pid is still its own).
  if (child.pid > 0 && !child.pidfd) {
    child.pidfd = open_pidfd(child.pid);
    child.pidfd_errno = errno;
  }
  return child;
}

}  // namespace

StartMethod start_method() {
  static const StartMethod method = [] {
    const char* asked = std::getenv("HIVETEST_SPAWN");
    return asked != nullptr && std::string_view(asked) == "fork" ? StartMethod::fork : StartMethod::clone;
  }();
  return method;
}

Started start_process(const StartRequest& request) {
  Started started;
  const std::string& name = request.argv.at(0);
  std::vector<std::string> args = request.argv;
  std::vector<std::string> env = environment_with(request.extra_env);
  const std::vector<char*> argv = c_array(args);
  const std::vector<char*> envp = c_array(env);

  Fd null_in = above_stdio(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null_in) {
    started.error = {fmt::format("cannot open /dev/null: {}", std::strerror(errno)), errno};
    return started;
  }
  Fd report_r, report_w;
  if (!make_pipe(report_r, report_w)) {
    started.error = {fmt::format("cannot run '{}': pipe: {}", name, std::strerror(errno)), errno};
    return started;
  }
  const ChildSetup setup{argv.data(),       envp.data(),      ::getpid(),           null_in.get(),
                         request.stdout_fd, request.stderr_fd, report_w.get(),      request.cgroup_procs,
                         fd_scan_limit(),    request.descriptor_limit ? &*request.descriptor_limit : nullptr};

  ChildStart child = start_child(setup, args.size());
  const pid_t pid = child.pid;
  if (pid < 0) {
    started.error = {fmt::format("cannot run '{}': fork: {}", name, std::strerror(child.start_errno)), child.start_errno};
    return started;
  }
  // At once: should we die before exec returns, the reaper must already know the group.
  if (request.reaper) request.reaper->watch(pid);
  report_w.reset();

  Report report{};
  ssize_t n;
  do n = ::read(report_r.get(), &report, sizeof report);
  while (n < 0 && errno == EINTR);
  const bool failed = n == static_cast<ssize_t>(sizeof report);
  if (failed || !child.pidfd) {
    if (!failed) ::kill(-pid, SIGKILL);  // running, but we cannot watch it
    wait_blocking(pid);
    if (request.reaper) request.reaper->forget(pid);
    started.error = failed ? SpawnError{describe_failure(name, report), report.error}
                           : SpawnError{fmt::format("cannot watch '{}': pidfd_open: {}", name, std::strerror(child.pidfd_errno)),
                                        child.pidfd_errno};
    return started;
  }
  started.pid = pid;
  started.pidfd = std::move(child.pidfd);
  return started;
}

}  // namespace hivetest::process
