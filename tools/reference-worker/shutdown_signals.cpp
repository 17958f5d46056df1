// How the worker takes SIGTERM and SIGINT, and the faults that change that (ignore-sigterm, default-sigterm, crash-on-sigterm).
#include "shutdown_signals.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include <sys/resource.h>

#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

namespace reference_worker {

namespace {

// What llama-server b4748 does on SIGTERM once it has served a request: a std::thread
// still joinable at exit calls std::terminate, which prints this and aborts.
[[noreturn]] void terminate_without_exception(Worker& w) {
  w.log("fault crash-on-sigterm: received SIGTERM after answering {} request(s): aborting", w.requests_answered);
  // The death by SIGABRT is the point, a core file in the test's directory is not.
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  std::fputs("terminate called without an active exception\n", stderr);
  std::fflush(stderr);
  std::abort();
}

}  // namespace

ShutdownSignals::ShutdownSignals(Worker& w) : w_(w), signals_(w.ex, SIGINT) {
  if (w.opts.faults.has(Fault::default_sigterm)) {
    std::signal(SIGTERM, SIG_DFL);
    w.log("fault default-sigterm: SIGTERM keeps its default action; only SIGINT shuts down gracefully");
  } else {
    signals_.add(SIGTERM);
  }
}

asio::awaitable<void> ShutdownSignals::wait() {
  for (;;) {
    std::error_code ec;
    int signal = co_await signals_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    if (signal == SIGTERM && w_.opts.faults.has(Fault::ignore_sigterm)) {
      w_.log("received SIGTERM: ignoring it (fault ignore-sigterm)");
      continue;
    }
    if (signal == SIGTERM && w_.opts.faults.has(Fault::crash_on_sigterm)) {
      if (w_.requests_answered > 0) terminate_without_exception(w_);
      w_.log("fault crash-on-sigterm: no request answered yet, so shutting down normally");
    }
    w_.log("received {}: shutting down", signal == SIGTERM ? "SIGTERM" : "SIGINT");
    co_return;
  }
}

}  // namespace reference_worker
