// One worker's session of the flow: recording its steps, and the ports workers get.
#include "hivetest/flow/session.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <random>

#include <filesystem>

#include <asio/ip/tcp.hpp>
#include <fmt/format.h>

#include "hivetest/flow/checks.hpp"
#include "hivetest/http/message.hpp"

namespace hivetest::flow {


const CheckResult* RunResult::first_failure() const {
  for (const auto& c : checks)
    if (c.outcome == Outcome::fail || c.outcome == Outcome::error) return &c;
  return nullptr;
}

std::string model_file_name(const std::string& model) { return std::filesystem::path(model).filename().string(); }

std::string model_ref(const Config& cfg) {
  return cfg.model_ref.empty() ? "file:" + model_file_name(cfg.model) : cfg.model_ref;
}

void Session::begin(Step step) {
  step_started = Clock::now();
  current_step = step;
  // The tests' way to make a step throw, as a bug in hivetest would
  // (tests/integration/cases.sh, a_step_that_throws_ends_the_run).
  if (const char* inject = std::getenv("HIVETEST_THROW_IN_STEP"); inject && check_info(step).name == std::string_view(inject))
    throw std::runtime_error("injected by HIVETEST_THROW_IN_STEP");
  observer.step_started(index, step);
}

bool Session::finish(CheckResult c) {
  if (c.duration == std::chrono::milliseconds(0)) c.duration = step_elapsed();
  observer.step_finished(index, c);
  bool ok = c.outcome == Outcome::pass || c.outcome == Outcome::skip || c.outcome == Outcome::warn;
  result.checks.push_back(std::move(c));
  return ok;
}

bool Session::pass(Step step, std::string name, std::string message) {
  return finish(CheckResult{.step = step, .name = std::move(name), .outcome = Outcome::pass, .message = std::move(message)});
}

bool Session::fail(Step step, std::string name, std::string message, std::string expected, std::string got,
                   std::string hint, Outcome outcome) {
  return finish(CheckResult{.step = step, .name = std::move(name), .outcome = outcome, .message = std::move(message),
                            .expected = std::move(expected), .got = std::move(got), .hint = std::move(hint)});
}

std::chrono::milliseconds Session::step_elapsed() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - step_started);
}

const Endpoint& Session::endpoint() {
  const std::string host = cfg.attach ? cfg.attach->host : "127.0.0.1";
  const uint16_t port = result.worker_port;
  const std::string& names_model = model_id.empty() ? model_file_name(cfg.model) : model_id;
  if (!endpoints.empty()) {
    const Endpoint& last = *endpoints.back();
    if (last.port == port && last.host == host && last.worker_id == result.worker_id && last.model_id == names_model)
      return last;
  }
  // A worker started again is on another port: connections to the one before are of no use.
  // As many are kept as concurrent-streams opens at once, the most any check uses.
  if (!worker_connections || worker_connections->port() != port)
    worker_connections = std::make_unique<http::Connections>(ex, host, port, std::max<std::size_t>(1, cfg.concurrency));
  auto w = std::make_unique<Endpoint>(Endpoint{.ex = ex, .host = host, .port = port, .config = cfg});
  w->connections = worker_connections.get();
  w->worker_id = result.worker_id;
  w->model_id = names_model;
  auto json = [](const std::string& text) { return fmt::format("\"{}\"", http::json_escape(text)); };
  w->json_values = {
      {"prompt", json(cfg.prompt)},
      {"max_tokens", std::to_string(cfg.max_tokens)},
      {"temperature", fmt::format("{}", cfg.temperature)},
      {"model_id", json(names_model)},
      {"model", json(cfg.model)},
      {"model_ref", json(model_ref(cfg))},
      {"worker_id", json(result.worker_id)},
      {"job_id", json(fmt::format("hivetest-job-{}", port))},
      {"hive_id", json("hivetest")},
  };
  endpoints.push_back(std::move(w));
  return *endpoints.back();
}

asio::awaitable<void> Session::worker_exit() {
  if (child) {
    co_await child->wait_exit();
  } else {
    Event never(ex);  // an attached worker's exit is not ours to see
    co_await never.wait();
  }
}

std::string Session::exit_text() const {
  auto st = child ? child->status() : std::nullopt;
  return st ? st->describe() : "still running";
}

}  // namespace hivetest::flow
