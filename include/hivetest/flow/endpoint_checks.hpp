// Step 6: the checks of a ready worker's endpoints, each one request and its answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "hivetest/flow/isolation_test.hpp"
#include "hivetest/flow/result.hpp"

namespace hivetest::flow {

struct Endpoint {
  asio::any_io_executor ex;
  uint16_t port = 0;
  const Config& config;
  std::string host = "127.0.0.1";
};

asio::awaitable<CheckResult> check_health(const Endpoint& w);
asio::awaitable<CheckResult> check_ready_endpoint(const Endpoint& w);
asio::awaitable<CheckResult> check_loading_progress(const Endpoint& w);
// Fills `stats` as the stream goes, so that what came before a failure is known.
asio::awaitable<CheckResult> check_inference(const Endpoint& w, InferenceStats& stats);
asio::awaitable<CheckResult> check_invalid_requests(const Endpoint& w);

// One poll of readiness: health answers 200 and, where the profile has one, the ready
// endpoint says ready. Sets `why_not` to what the last answer said.
asio::awaitable<bool> poll_ready(const Endpoint& w, std::chrono::steady_clock::time_point deadline,
                                 std::string& why_not);

}  // namespace hivetest::flow
