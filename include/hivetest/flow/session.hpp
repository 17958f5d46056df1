// One worker's session of the flow: what it owns, so that cleanup reaches it on every path.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <asio/any_io_executor.hpp>

#include "hivetest/flow/endpoint_checks.hpp"
#include "hivetest/flow/loading_probe.hpp"
#include "hivetest/flow/port_picker.hpp"
#include "hivetest/flow/isolation.hpp"
#include "hivetest/flow/result.hpp"
#include "hivetest/hive/mock_hive.hpp"
#include "hivetest/process/child.hpp"
#include "hivetest/process/run_guard.hpp"
#include "hivetest/util/event.hpp"

namespace hivetest::flow {


// The model's file name, and the reference the worker is given ("file:" + that name by default).
std::string model_file_name(const std::string& model);
std::string model_ref(const Config& cfg);

// Sessions live on the heap and are reached through pointers: g++ 12 miscompiles
// reference variables and aggregates with reference members kept in a coroutine frame.
struct Session {
  using Clock = std::chrono::steady_clock;

  asio::any_io_executor ex;
  const Config& cfg;
  Observer& observer;
  std::size_t index;
  RunResult result;
  hive::MockHive* hive = nullptr;  // shared by every session of the suite
  PortPicker* ports = nullptr;
  process::RunGuard* guard = nullptr;  // the run's, made in main
  std::optional<PortReservation> port_hold;  // the worker's port, kept from other hivetests until it is ready
  Pulse worker_spoke;  // the worker wrote a line: workers say when they listen or have loaded (before child: it outlives it)
  std::unique_ptr<process::Child> child;
  Clock::time_point started = Clock::now();
  Clock::time_point step_started = started;
  Step current_step = Step::model;
  std::string last_ready_answer;  // what the worker last said while not ready, for signs of life
  std::optional<std::pair<long long, long long>> loaded;  // from the loading progress stream, while waiting
  LoadingProbe loading_probe;  // the inference sent while the worker said it was loading

  Session(asio::any_io_executor e, const Config& c, Observer& o, std::size_t i)
      : ex(e), cfg(c), observer(o), index(i), worker_spoke(e) {}

  void begin(Step step);
  // Records the step's outcome; true when the flow may go on.
  bool finish(CheckResult c);
  bool pass(Step step, std::string name, std::string message);
  bool fail(Step step, std::string name, std::string message, std::string expected, std::string got,
            std::string hint, Outcome outcome = Outcome::fail);
  std::string model_id;            // what the worker calls its model, once its model list said
  // Where the worker answers, with the values its profile's request bodies use. Made again
  // only when one of those changes (the worker started again, the model list read), and
  // kept for the session: a check may still hold the one before.
  const Endpoint& endpoint();
  std::unique_ptr<http::Connections> worker_connections;  // to the worker's port, kept open between checks
  std::vector<std::unique_ptr<Endpoint>> endpoints;
  // Completes when the worker exits; never for an attached worker (until cancelled).
  asio::awaitable<void> worker_exit();
  bool worker_exited() const { return child && child->exited(); }
  // After a step raced against worker_exit(): the exit side won (`winner` 1) with the
  // worker still running, so an interruption cancelled the step, which records nothing.
  bool step_interrupted(std::size_t winner) const { return winner == 1 && !worker_exited(); }
  // Since the current step began.
  std::chrono::milliseconds step_elapsed() const;
  // Why the worker is gone, for messages about a worker that exited mid-step.
  std::string exit_text() const;
};

}  // namespace hivetest::flow
