// The result model the flow fills in and every report reads.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "hivetest/hive/log.hpp"
#include "hivetest/process/log_ring.hpp"

namespace hivetest::flow {

// warn: shown, counted and reported, but the run passes unless --strict. interrupted: a
// worker's run cut short by Ctrl-C or SIGTERM (runs only; no check has it).
enum class Outcome { pass, warn, fail, skip, error, interrupted };

// The steps of the flow and its checks (flow/checks.hpp has their names and labels).
enum class Step {
  model, hive, spawn, ready, ready_means_ready, heartbeats, heartbeat_cadence, health, ready_endpoint, progress,
  models, inference, stream_accounting, concurrent_streams, disconnect_cancels, client_errors, cleanup, shutdown
};

struct CheckResult {
  Step step;
  std::string name;       // short and stable: "health", "inference", ...
  Outcome outcome = Outcome::pass;
  std::string message;    // one line: what happened
  std::string expected;   // on failure: what should have come
  std::string got;        // on failure: what came
  std::string hint;       // on failure: what to try
  std::chrono::milliseconds duration{0};
};

// A check of that step, named, passed until it says otherwise.
inline CheckResult named(Step step, std::string name) {
  CheckResult c;
  c.step = step;
  c.name = std::move(name);
  return c;
}

// The check failed: what happened, what should have come, what came, what to try.
inline CheckResult& fail(CheckResult& c, std::string message, std::string expected, std::string got, std::string hint = {}) {
  c.outcome = Outcome::fail;
  c.message = std::move(message);
  c.expected = std::move(expected);
  c.got = std::move(got);
  c.hint = std::move(hint);
  return c;
}

// What one stream came to, with the figures people compare workers by.
struct InferenceStats {
  std::size_t tokens = 0;
  std::string text;
  std::chrono::microseconds time_to_first_token{0};  // from the request (or the job's GET) to the first token
  std::string stop_reason;
  double tokens_per_second = 0;           // decode: tokens after the first over the time they took
  std::chrono::microseconds inter_token_p50{0}, inter_token_p99{0};  // gaps between tokens' arrivals
};

// Exit codes (README, "Using it"; hivetest --help).
namespace exit_code {
constexpr int passed = 0, failed = 1, setup_error = 2, skipped = 77, interrupted = 130, terminated = 143;
}

// One worker's run.
struct RunResult {
  std::string worker_id;
  std::string label;                            // what the worker is: its command, or the matrix entry's name
  std::optional<int> pid;
  uint16_t worker_port = 0;
  std::vector<CheckResult> checks;
  std::optional<InferenceStats> inference;      // the first stream's
  std::optional<InferenceStats> concurrent;     // concurrent-streams in all: tokens, tokens/s, slowest first token
  std::optional<std::chrono::microseconds> time_to_ready;  // spawn to ready
  // When hivetest saw the worker ready, on the steady clock (CLOCK_MONOTONIC on Linux): the
  // moment to set against a worker's own log of when it started listening.
  std::optional<std::chrono::steady_clock::time_point> ready_seen;
  std::size_t heartbeats = 0;                   // received from this worker
  bool interrupted = false;                     // Ctrl-C or SIGTERM came before its steps were done
  std::vector<process::LogLine> worker_log;     // the last lines
  std::size_t worker_log_total = 0;             // lines ever written
  std::string exit_description;                 // how the worker ended
  int exit_code = exit_code::passed;
  std::chrono::milliseconds duration{0};

  const CheckResult* first_failure() const;
};

// Every worker's run, and what the one mock hive saw.
struct SuiteResult {
  std::vector<RunResult> runs;
  std::vector<hive::HiveLogEntry> hive_log;        // the latest entries, bounded
  std::vector<hive::HiveLogGroup> hive_log_groups;  // every entry, grouped, with exact counts
  std::size_t unknown_worker_heartbeats = 0;
  int interrupted_by = 0;  // the signal, when interrupted
  int exit_code = exit_code::passed;
  std::chrono::system_clock::time_point started_at;  // for reports' timestamps
  std::chrono::steady_clock::time_point started;     // what log lines' times count from
  std::chrono::milliseconds duration{0};
  std::chrono::microseconds cpu_time{0};  // hivetest's own, user and system
  std::size_t peak_rss_kib = 0;           // hivetest's own
};

// A worker not ready yet: how long, what it last answered, and how far its loading is
// when its profile has a progress stream that says.
struct Waiting {
  std::chrono::seconds elapsed{0};
  std::string last_answer;
  std::optional<std::pair<long long, long long>> loaded;  // done, of total: 0 <= done <= total, 0 < total <= 1e9
};

// What the flow tells as it goes, for live output; `worker` indexes SuiteResult::runs.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void suite_started(const std::vector<std::string>& worker_labels) = 0;
  virtual void step_started(std::size_t worker, Step step) = 0;
  virtual void step_finished(std::size_t worker, const CheckResult& check) = 0;
  virtual void worker_line(std::size_t worker, const process::LogLine& line) = 0;  // only under --verbose
  // A sign of life while the worker is not ready yet, once a second: how long, and what
  // its last answer said.
  virtual void still_waiting(std::size_t /*worker*/, const Waiting& /*waiting*/) {}
};

}  // namespace hivetest::flow
