// One worker's session of the flow: recording its steps, and the ports workers get.
#include "hivetest/flow/session.hpp"

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

namespace {

// Ports for `auto`: from 10000 up to where the kernel's ephemeral range starts.
std::pair<uint16_t, uint16_t> auto_port_range() {
  unsigned ephemeral_low = 32768, ephemeral_high = 60999;
  if (std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    if (std::fscanf(f, "%u %u", &ephemeral_low, &ephemeral_high) != 2) ephemeral_low = 32768;
    std::fclose(f);
  }
  if (ephemeral_low > 12000 && ephemeral_low <= 65535) return {10000, static_cast<uint16_t>(ephemeral_low)};
  return {static_cast<uint16_t>(std::min(ephemeral_high + 1u, 64000u)), 65535};
}

}  // namespace

std::optional<uint16_t> PortPicker::pick(asio::any_io_executor ex, std::string& why) {
  // A port counts as free when we can bind it; the worker binds it right after.
  auto try_bind = [&](uint16_t port, std::error_code& ec) -> uint16_t {
    asio::ip::tcp::acceptor probe(ex);
    asio::ip::tcp::endpoint ep(asio::ip::make_address_v4("127.0.0.1"), port);
    probe.open(ep.protocol(), ec);
    if (!ec) probe.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec) probe.bind(ep, ec);
    if (ec) return 0;
    uint16_t bound = probe.local_endpoint(ec).port();
    return !ec && given_.insert(bound).second ? bound : 0;
  };
  std::error_code ec;
  if (!next_) {
    // Not a port the kernel would pick: between our probe and the worker's bind, another
    // process's bind(0) could take it. Below the ephemeral range, from a random start, two
    // hivetests rarely try the same port at the same moment.
    auto [low, high] = auto_port_range();
    std::mt19937 random(std::random_device{}());
    uint16_t start = static_cast<uint16_t>(low + random() % (high - low));
    for (uint32_t i = 0; i < 2000; ++i) {
      auto candidate = static_cast<uint16_t>(low + (start - low + i) % (high - low));
      if (auto port = try_bind(candidate, ec)) return port;
    }
    if (auto port = try_bind(0, ec)) return port;
    why = ec ? ec.message() : "no port free that was not handed out already";
    return std::nullopt;
  }
  for (int attempts = 0; attempts < 1000 && *next_ != 0; ++attempts) {
    uint16_t candidate = (*next_)++;
    if (auto port = try_bind(candidate, ec)) return port;
    if (!ec) continue;  // handed out already
    if (ec != asio::error::address_in_use || !skip_in_use_) {
      why = ec == asio::error::address_in_use ? fmt::format("port {} in use", candidate) : ec.message();
      return std::nullopt;
    }
  }
  why = "no free port found counting up from the first one";
  return std::nullopt;
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
  if (c.duration == std::chrono::milliseconds(0))
    c.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - step_started);
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

Endpoint Session::endpoint() const {
  Endpoint w{.ex = ex, .host = cfg.attach ? cfg.attach->host : "127.0.0.1", .port = result.worker_port, .config = cfg};
  auto json = [](const std::string& text) { return fmt::format("\"{}\"", http::json_escape(text)); };
  w.json_values = {
      {"prompt", json(cfg.prompt)},
      {"max_tokens", std::to_string(cfg.max_tokens)},
      {"temperature", fmt::format("{}", cfg.temperature)},
      {"model_id", json(model_id.empty() ? model_file_name(cfg.model) : model_id)},
      {"model", json(cfg.model)},
      {"model_ref", json(model_ref(cfg))},
      {"worker_id", json(result.worker_id)},
      {"job_id", json(fmt::format("hivetest-job-{}", result.worker_port))},
      {"hive_id", json("hivetest")},
  };
  return w;
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
