// The flow for every worker at once: one mock hive, many sessions on one event loop.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "hivetest/flow/isolation.hpp"
#include "hivetest/flow/result.hpp"
#include "hivetest/process/run_guard.hpp"
#include "hivetest/util/event.hpp"

namespace hivetest::flow {

struct SuitePlan {
  std::vector<Config> workers;
  std::optional<uint16_t> hive_port = 19200;  // nullopt = auto
  std::string hive_bind = "127.0.0.1";        // the address the mock hive listens on
  std::chrono::milliseconds hive_head_timeout{10'000};  // a hive client's request head must arrive within this
  std::chrono::milliseconds hive_body_timeout{30'000};  // and its body within this after the head (sooner under pressure)
  std::size_t max_parallel = 0;               // 0 = all at once
  bool strict = false;                        // a warning fails the run
};

// Runs the flow (README, "What happens, step by step") for every worker; cleanup happens on every path. `interrupt`, set by a
// signal handler, stops every session at its current step; `signal` says which it was.
// `guard` (made in main) guards the workers it starts against our death.
asio::awaitable<SuiteResult> run_suite(asio::any_io_executor ex, const SuitePlan& plan, process::RunGuard& guard,
                                       Observer& observer, Event& interrupt, const int& signal);

}  // namespace hivetest::flow
