// The isolation test of one worker (README, "What happens, step by step"), as one coroutine.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "hivetest/flow/result.hpp"
#include "hivetest/profile/profile.hpp"
#include "hivetest/util/event.hpp"

namespace hivetest::flow {

// A worker hivetest does not start: it is running already, somewhere it can be reached.
struct AttachTo {
  std::string url;   // as given, for messages
  std::string host;
  uint16_t port = 0;
};

// One worker: how to start it and what to ask of it.
struct Config {
  std::string label;                     // a name for reports; "" = the worker command
  std::vector<std::string> worker_argv;  // the worker command, already split
  std::string model;                     // "" = none given (an attached worker)
  bool model_defaulted = false;          // the model is the default for a worker given with --worker
  std::string model_ref;                 // "" = "file:" + model file name
  std::string backend = "cpu";
  int device = 0;
  std::optional<uint16_t> port = 18081;  // nullopt = auto
  bool port_fixed = false;               // this port exactly (a matrix entry's), not counting up from it
  std::chrono::milliseconds ready_timeout{30'000};
  std::size_t heartbeats = 1;
  std::chrono::milliseconds heartbeat_timeout{35'000};
  std::chrono::milliseconds inference_timeout{30'000};
  std::chrono::milliseconds grace{5'000};  // between SIGTERM and SIGKILL
  std::string prompt = "The capital of France is";
  int max_tokens = 50;
  double temperature = 0.7;
  const profile::Profile* profile = nullptr;
  std::string api_key;                   // sent as a bearer token on every request to the worker
  std::optional<AttachTo> attach;        // set: test this running worker instead of starting one
  std::size_t concurrency = 4;           // streams at once in concurrent-streams
  std::optional<std::chrono::milliseconds> heartbeat_interval;  // unset: the profile's
  std::set<Step> skipped;                // checks not chosen (--checks, --skip-check)
  std::size_t log_lines = 30;
  bool verbose = false;
};

struct Session;

// "http://HOST:PORT" (a trailing / allowed) as an attach target, or nullopt with `error` set.
std::optional<AttachTo> parse_attach_url(const std::string& url, std::string& error);

// Step 1 for one worker: the model file's header, or a skip when there is none.
bool check_model(Session& s);

// Steps 3 to 6 for one worker against the suite's running hive, then its cleanup (8).
// Stops early at the interrupt; cleanup still runs.
asio::awaitable<void> isolation_test(Session* s, Event* interrupt);

}  // namespace hivetest::flow
