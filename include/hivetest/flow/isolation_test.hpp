// The isolation test of SPEC.md §1 for one worker, as one coroutine.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "hivetest/flow/result.hpp"
#include "hivetest/profile/profile.hpp"
#include "hivetest/util/event.hpp"

namespace hivetest::flow {

struct Config {
  std::vector<std::string> worker_argv;  // the worker command, already split
  std::string model;
  std::string model_ref;                 // "" = "file:" + model file name
  std::string backend = "cpu";
  int device = 0;
  std::optional<uint16_t> port = 18081;       // nullopt = auto
  std::optional<uint16_t> hive_port = 19200;  // nullopt = auto
  std::chrono::milliseconds ready_timeout{30'000};
  std::size_t heartbeats = 1;
  std::chrono::milliseconds heartbeat_timeout{35'000};
  std::chrono::milliseconds inference_timeout{30'000};
  std::chrono::milliseconds grace{5'000};  // between SIGTERM and SIGKILL
  std::chrono::milliseconds hive_head_timeout{10'000};  // a hive client's request head must arrive within this
  std::string prompt = "The capital of France is";
  int max_tokens = 50;
  double temperature = 0.7;
  const profile::Profile* profile = nullptr;
  std::size_t log_lines = 30;
  bool verbose = false;
};

// Runs the whole flow; cleanup happens on every path. `interrupt` set by a signal
// handler cancels whatever step is running; `signal` says which signal it was.
asio::awaitable<RunResult> isolation_test(asio::any_io_executor ex, const Config& config, Observer& observer,
                                          Event& interrupt, const int& signal);

}  // namespace hivetest::flow
