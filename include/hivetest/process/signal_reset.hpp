// A freshly forked child's signal state made its own: no handler of the parent's can run in it.
#pragma once

#include <csignal>
#include <initializer_list>

namespace hivetest::process {

// Every disposition to its default except those in `ignored`, then an empty mask. Dispositions
// first, mask second: a signal pending from the parent's blocked mask must not run one of the
// parent's handlers here. Async-signal-safe, for use between fork and exec.
inline void reset_signals(std::initializer_list<int> ignored = {}) {
  struct sigaction act {};
  act.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &act, nullptr);  // some fail: fine
  act.sa_handler = SIG_IGN;
  for (const int sig : ignored) ::sigaction(sig, &act, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace hivetest::process
