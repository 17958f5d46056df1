// Steps 4 and 6: readiness, and the checks of a ready worker's endpoints, as its profile describes them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "hivetest/flow/isolation.hpp"
#include "hivetest/flow/result.hpp"
#include "hivetest/http/connections.hpp"
#include "hivetest/profile/profile.hpp"

namespace hivetest::flow {

// Where a worker answers, and what fills the placeholders of the profile's request bodies.
struct Endpoint {
  asio::any_io_executor ex;
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  const Config& config;
  http::Connections* connections = nullptr;  // kept open between requests (the session's, or a probe's own); required
  std::string worker_id;                     // the worker's and the model's names the values were made with
  std::string model_id;
  profile::Placeholders json_values;  // "prompt" -> "\"The capital…\"", "max_tokens" -> "50", …

  const profile::Profile& profile() const { return *config.profile; }
};

// One poll of readiness, over every probe of the profile.
struct Readiness {
  enum class State { ready, waiting, broken } state = State::waiting;
  std::string why;  // what the last answer said, when not ready
  int status = 0;   // the last answer's status, 0 when none came
  bool loading = false;  // the last answer is one the profile names as loading
};
asio::awaitable<Readiness> poll_ready(const Endpoint& w, std::chrono::steady_clock::time_point deadline);

asio::awaitable<CheckResult> check_health(const Endpoint& w);
asio::awaitable<CheckResult> check_ready_endpoint(const Endpoint& w);
asio::awaitable<CheckResult> check_loading_progress(const Endpoint& w);
// Sets `model_id` to the first model the worker lists, for the streams' requests.
asio::awaitable<CheckResult> check_models(const Endpoint& w, std::string& model_id);
// The profile's invalid requests: each must get its 4xx, never a 5xx.
asio::awaitable<CheckResult> check_client_errors(const Endpoint& w);

}  // namespace hivetest::flow
