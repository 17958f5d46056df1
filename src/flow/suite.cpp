// The flow for every worker at once: one mock hive, many sessions on one event loop.
#include "hivetest/flow/suite.hpp"

#include <algorithm>
#include <fstream>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <fmt/format.h>

#include "hivetest/flow/session.hpp"

namespace hivetest::flow {

namespace {

using Clock = std::chrono::steady_clock;

// 2. The mock hive, listening before any worker starts; every session records the step.
bool start_hive(const std::vector<Session*>& sessions, std::unique_ptr<hive::MockHive>& hive,
                asio::any_io_executor ex, const SuitePlan& plan) {
  for (auto& s : sessions) s->begin(Step::hive);
  std::error_code ec;
  http::ServerOptions server_opts;
  server_opts.head_timeout = plan.hive_head_timeout;
  server_opts.body_timeout = plan.hive_body_timeout;
  auto port = plan.hive_port;
  hive = hive::MockHive::start(ex, plan.hive_bind, port.value_or(0), ec, server_opts);
  bool ok = true;
  for (auto& s : sessions) {
    if (!hive) {
      std::string what = ec == asio::error::address_in_use ? fmt::format("port {} in use", *port) : ec.message();
      ok = s->fail(Step::hive, "hive", fmt::format("Failed to start mock hive server: {}", what),
                   "a free port for the mock hive", what, "try --hive-port auto", Outcome::error);
      continue;
    }
    s->hive = hive.get();
    hive->expect_worker(s->result.worker_id);
    s->pass(Step::hive, "hive", fmt::format("Mock hive server started on {}:{}", plan.hive_bind, hive->port()));
  }
  return ok;
}

// What a run comes to: a setup error outranks a failure, which outranks a skip.
int exit_code_of(const RunResult& r, bool strict) {
  int code = exit_code::passed;
  for (const auto& c : r.checks) {
    if (c.outcome == Outcome::error) return exit_code::setup_error;
    if (c.outcome == Outcome::fail || (strict && c.outcome == Outcome::warn)) code = exit_code::failed;
    // A skipped model check skips the run when nothing came after it (no model file); a
    // check skipped for a model id or an attached worker lets the run go on.
    if (c.outcome == Outcome::skip && c.step == Step::model && r.checks.size() == 1) return exit_code::skipped;
  }
  return code;
}

int exit_code_of(const SuiteResult& r) {
  bool all_skipped = !r.runs.empty(), failed = false, setup_error = false;
  for (const auto& run : r.runs) {
    all_skipped = all_skipped && run.exit_code == exit_code::skipped;
    failed = failed || run.exit_code == exit_code::failed;
    setup_error = setup_error || run.exit_code == exit_code::setup_error;
  }
  if (setup_error) return exit_code::setup_error;
  if (failed) return exit_code::failed;
  return all_skipped ? exit_code::skipped : exit_code::passed;
}

// Runs the sessions that got this far, at most max_parallel at a time, and waits for all.
asio::awaitable<void> run_sessions(asio::any_io_executor ex, std::vector<Session*> ready, std::size_t max_parallel,
                                   Event* interrupt) {
  if (ready.empty()) co_return;
  if (max_parallel == 0) max_parallel = ready.size();
  std::size_t running = 0, done = 0;
  Pulse finished(ex);
  for (Session* s : ready) {
    while (running >= max_parallel) co_await finished.wait();
    if (interrupt->is_set()) break;
    ++running;
    asio::co_spawn(ex, isolation_test(s, interrupt), [&, s](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& what) {
          s->fail(Step::cleanup, "internal", fmt::format("hivetest failed inside: {}", what.what()), "", "", "",
                  Outcome::error);
        }
      }
      --running;
      ++done;
      finished.notify();
    });
  }
  std::size_t started = done + running;
  while (done < started) co_await finished.wait();
}

// This process's own peak resident set: VmHWM, since ru_maxrss keeps the peak of the
// process that forked us across exec.
std::size_t peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  return 0;
}

}  // namespace

asio::awaitable<SuiteResult> run_suite(asio::any_io_executor ex, const SuitePlan& plan, process::RunGuard& guard,
                                       Observer& observer, Event& interrupt, const int& signal) {
  auto started = Clock::now();
  auto started_at = std::chrono::system_clock::now();
  std::vector<std::unique_ptr<Session>> sessions;
  PortPicker ports(plan.workers.empty() ? std::nullopt : plan.workers.front().port, plan.workers.size() > 1);
  static int count = 0;  // distinct worker ids across every session of this process
  for (std::size_t i = 0; i < plan.workers.size(); ++i) {
    auto s = std::make_unique<Session>(ex, plan.workers[i], observer, i);
    s->result.worker_id = fmt::format("test-worker-{}-{}", ::getpid(), ++count);
    s->result.label = plan.workers[i].label;
    s->ports = &ports;
    s->guard = &guard;
    sessions.push_back(std::move(s));
  }

  // Workers are shown by their labels: a matrix entry's name, or the worker program's.
  std::vector<std::string> labels;
  for (auto& s : sessions) labels.push_back(s->result.label.empty() ? s->result.worker_id : s->result.label);
  observer.suite_started(labels);

  std::vector<Session*> with_model;
  for (auto& s : sessions)                                       // 1
    if (check_model(*s)) with_model.push_back(s.get());
  std::unique_ptr<hive::MockHive> hive;
  if (!with_model.empty() && start_hive(with_model, hive, ex, plan))  // 2
    co_await run_sessions(ex, with_model, plan.max_parallel, &interrupt);      // 3-6, 8 for each

  SuiteResult result;                                            // 7
  if (hive) {
    hive->stop();
    result.hive_log.assign(hive->log().begin(), hive->log().end());
    result.hive_log_groups = hive->grouped_log();
    result.unknown_worker_heartbeats = hive->unknown_worker_heartbeats();
  }
  for (auto& s : sessions) {
    // A run the interrupt cut short, or that it kept from starting, is neither passed nor failed.
    bool never_started = interrupt.is_set() && s->result.checks.size() <= 2 && s->result.exit_code == exit_code::passed;
    if (never_started && std::none_of(s->result.checks.begin(), s->result.checks.end(),
                                      [](const CheckResult& c) { return c.outcome == Outcome::skip || c.outcome == Outcome::error; }))
      s->result.interrupted = true;
    s->result.exit_code = s->result.interrupted ? 128 + signal : exit_code_of(s->result, plan.strict);
    result.runs.push_back(std::move(s->result));
  }
  result.exit_code = exit_code_of(result);
  if (interrupt.is_set()) {
    result.interrupted_by = signal;
    result.exit_code = 128 + signal;  // 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP, as shells report them
  }
  result.started_at = started_at;
  result.started = started;
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  rusage self{};
  if (::getrusage(RUSAGE_SELF, &self) == 0) {
    auto us = [](timeval t) { return std::chrono::microseconds(t.tv_sec * 1'000'000LL + t.tv_usec); };
    result.cpu_time = us(self.ru_utime) + us(self.ru_stime);
  }
  result.peak_rss_kib = peak_rss_kib();
  co_return result;
}

}  // namespace hivetest::flow
