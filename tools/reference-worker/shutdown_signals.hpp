// How the worker takes SIGTERM and SIGINT, and the faults that change that (ignore-sigterm, default-sigterm, crash-on-sigterm).
#pragma once

#include <asio/awaitable.hpp>
#include <asio/signal_set.hpp>

#include "worker.hpp"

namespace reference_worker {

class ShutdownSignals {
 public:
  // Catches SIGINT, and SIGTERM unless default-sigterm leaves it its default action.
  explicit ShutdownSignals(Worker& w);

  // Returns once the worker is to shut down. crash-on-sigterm ends the process here instead.
  asio::awaitable<void> wait();

 private:
  Worker& w_;
  asio::signal_set signals_;
};

}  // namespace reference_worker
