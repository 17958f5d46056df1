// The isolation test of SPEC.md §1 for one worker, as one coroutine.
#include "hivetest/flow/isolation_test.hpp"

#include <csignal>
#include <filesystem>
#include <unistd.h>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/redirect_error.hpp>
#include <fmt/format.h>

#include "hivetest/flow/endpoint_checks.hpp"
#include "hivetest/flow/session.hpp"
#include "hivetest/gguf/gguf.hpp"
#include "hivetest/hive/mock_hive.hpp"
#include "hivetest/process/child.hpp"

namespace hivetest::flow {

using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

milliseconds since(Clock::time_point t) { return std::chrono::duration_cast<milliseconds>(Clock::now() - t); }

// The exit watch also ends when an interruption cancels the step: then the worker is
// still running, and the step records nothing.
bool interrupted(const Session& s, std::size_t winner) { return winner == 1 && !s.child->exited(); }

std::string seconds(milliseconds d) {
  if (d.count() % 1000 == 0) return fmt::format("{}s", d.count() / 1000);
  return fmt::format("{:.1f}s", d.count() / 1000.0);
}

}  // namespace

// 1. The model file: its GGUF header, or a skip when it is not there.
bool check_model(Session& s) {
  s.begin(Step::model);
  auto read = gguf::read_file(s.cfg.model);
  if (read.failure == gguf::Failure::missing)
    return s.fail(Step::model, "model", fmt::format("Model not found: {}", s.cfg.model), "a GGUF model file",
                  "no file at that path", "pass one with --model PATH", Outcome::skip) && false;
  if (!read)
    return s.fail(Step::model, "model", fmt::format("Model file unusable: {}", read.error), "a GGUF v2 or v3 file",
                  read.error, "check the file, or pass another with --model PATH", Outcome::error);
  auto name = std::filesystem::path(s.cfg.model).filename().string();
  return s.pass(Step::model, "model", fmt::format("Model found: {}", gguf::summary_line(name, read.model)));
}

namespace {

// 3. The worker, started with the profile's arguments.
bool start_worker(Session& s) {
  s.begin(Step::spawn);
  std::string why;
  auto port = s.ports->pick(s.ex, why);
  if (!port)
    return s.fail(Step::spawn, "spawn", fmt::format("Cannot use the worker port: {}", why), "a free port for the worker",
                  why, "try --port auto", Outcome::error);
  s.result.worker_port = *port;

  profile::WorkerParams params{
      .worker_id = s.result.worker_id,
      .model_path = s.cfg.model,
      .model_ref = s.cfg.model_ref.empty()
                       ? "file:" + std::filesystem::path(s.cfg.model).filename().string()
                       : s.cfg.model_ref,
      .backend = s.cfg.backend,
      .device = s.cfg.device,
      .port = *port,
      .hive_url = s.hive->url(),
  };
  process::SpawnOptions opts;
  opts.argv = s.cfg.worker_argv;
  for (auto& a : s.cfg.profile->arguments(params)) opts.argv.push_back(std::move(a));
  if (s.cfg.verbose)
    opts.on_line = [&obs = s.observer, i = s.index](process::Stream stream, std::string_view text, bool cut) {
      obs.worker_line(i, {stream, Clock::now(), std::string(text), cut});
    };
  std::string error;
  s.child = process::Child::spawn(s.ex, opts, &error);
  if (!s.child)
    return s.fail(Step::spawn, "spawn", fmt::format("Worker not started: {}", error), "a worker command that runs",
                  error, "check --worker (it is split like a shell would, and run without one)", Outcome::error);
  s.result.pid = s.child->pid();
  return s.pass(Step::spawn, "spawn", fmt::format("Worker started (PID {}, port {})", s.child->pid(), *port));
}

// Polls readiness from 1 ms on, each wait a quarter longer than the last (up to 50 ms):
// a worker that starts fast is seen within a fraction of its start-up time, and one that
// loads for a minute is asked a few times a second, not hammered.
asio::awaitable<bool> poll_until_ready(Session& s, Clock::time_point deadline, std::string& why_not) {
  asio::steady_timer timer(s.ex);
  std::chrono::microseconds interval(1000);
  for (;;) {
    auto attempt_deadline = std::min(deadline, Clock::now() + milliseconds(2000));
    std::string reason;
    if (co_await poll_ready(s.endpoint(), attempt_deadline, reason)) co_return true;
    // An attempt cut short by the overall deadline says less than the one before it.
    if (Clock::now() < deadline || why_not.empty()) why_not = reason;
    if (Clock::now() >= deadline) co_return false;
    timer.expires_at(std::min(deadline, Clock::now() + interval));
    co_await timer.async_wait(asio::use_awaitable);
    interval = std::min(interval * 5 / 4, std::chrono::microseconds(50'000));
  }
}

// 4. Ready, or the worker exited, or the deadline: whichever comes first.
asio::awaitable<bool> wait_ready(Session& s) {
  s.begin(Step::ready);
  auto deadline = Clock::now() + s.cfg.ready_timeout;
  std::string why_not;
  auto outcome = co_await (poll_until_ready(s, deadline, why_not) || s.child->wait_exit());
  if (interrupted(s, outcome.index())) co_return false;
  if (outcome.index() == 1)
    co_return s.fail(Step::ready, "ready", fmt::format("Worker exited before it was ready: {}", s.exit_text()),
                     "the worker running until it is ready", s.exit_text(),
                     "run the worker command by hand, or with -v, to see why it stops");
  if (!std::get<0>(outcome))
    co_return s.fail(Step::ready, "ready",
                     fmt::format("Worker did not become ready within {}", seconds(s.cfg.ready_timeout)),
                     "health 200 and ready:true", why_not,
                     fmt::format("try --timeout {}", std::max<long>(60, 2 * s.cfg.ready_timeout.count() / 1000)));
  s.result.time_to_ready = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - s.step_started);
  co_return s.pass(Step::ready, "ready", fmt::format("Worker is ready! ({:.1f} ms)", s.result.time_to_ready->count() / 1000.0));
}

// 5. The heartbeats, awaited as they arrive.
asio::awaitable<bool> wait_heartbeats(Session& s) {
  s.begin(Step::heartbeats);
  auto n = s.cfg.heartbeats;
  if (n == 0 || !s.cfg.profile->sends_heartbeats) {
    CheckResult c{.step = Step::heartbeats, .name = "heartbeats", .outcome = Outcome::skip,
                  .message = n == 0 ? "Not waiting for heartbeats (--heartbeats 0)" : "This worker kind sends no heartbeats"};
    co_return s.finish(std::move(c));
  }
  auto deadline = Clock::now() + s.cfg.heartbeat_timeout;
  auto outcome = co_await (s.hive->wait_heartbeats(s.result.worker_id, n, deadline) || s.child->wait_exit());
  if (interrupted(s, outcome.index())) co_return false;
  auto got = s.hive->heartbeat_count(s.result.worker_id);
  if (outcome.index() == 1)
    co_return s.fail(Step::heartbeats, "heartbeats",
                     fmt::format("Worker exited while waiting for heartbeats: {}", s.exit_text()),
                     fmt::format("{} heartbeat(s)", n), fmt::format("{}, then the worker {}", got, s.exit_text()), "");
  auto wait = std::get<0>(std::move(outcome));
  if (wait.outcome == hive::HeartbeatWait::Outcome::rejected)
    co_return s.fail(Step::heartbeats, "heartbeats", fmt::format("Heartbeat rejected by the hive: {}", wait.reason),
                     fmt::format("heartbeats from {} the hive accepts: a JSON object with the worker id",
                                 s.result.worker_id),
                     fmt::format("400 for the body {}", wait.body),
                     "check the payload the worker sends; the hive log below has every heartbeat it got");
  if (wait.outcome == hive::HeartbeatWait::Outcome::deadline) {
    std::string others;
    if (s.hive->unknown_worker_heartbeats() > 0)
      others = fmt::format(" ({} from other worker ids)", s.hive->unknown_worker_heartbeats());
    co_return s.fail(Step::heartbeats, "heartbeats",
                     fmt::format("Received {} of {} heartbeat(s) within {}", got, n, seconds(s.cfg.heartbeat_timeout)),
                     fmt::format("{} heartbeat(s) from {} at {}/v1/heartbeat", n, s.result.worker_id, s.hive->url()),
                     fmt::format("{}{}", got, others),
                     fmt::format("try --heartbeat-timeout {} (workers send one every 30 s)",
                                 std::max<long>(65, 2 * s.cfg.heartbeat_timeout.count() / 1000)));
  }
  co_return s.pass(Step::heartbeats, "heartbeats",
                   fmt::format("{} heartbeat(s) received ({} ms)", got, since(s.step_started).count()));
}

// A worker that dies mid-request closes its sockets a moment before the kernel tells us it
// exited, so a request it broke off fails first: that failure is the exit, if one follows.
constexpr milliseconds exit_after_failure_within{100};

// One endpoint check, unless the worker exits first: then the check fails at once with
// the exit status, and false stops the flow. A check that fails does not stop the others.
asio::awaitable<bool> endpoint_step(Session& s, Step step, const char* name, asio::awaitable<CheckResult> check) {
  s.begin(step);
  auto outcome = co_await (std::move(check) || s.child->wait_exit());
  if (interrupted(s, outcome.index())) co_return false;
  bool failed = outcome.index() == 0 && std::get<0>(outcome).outcome == Outcome::fail;
  if (failed) {
    asio::steady_timer timer(s.ex, Clock::now() + exit_after_failure_within);
    co_await (s.child->wait_exit() || timer.async_wait(asio::use_awaitable));
  }
  if (outcome.index() == 1 || (failed && s.child->exited())) {
    s.fail(step, name, fmt::format("Worker exited during the {} check: {}", name, s.exit_text()),
           "the worker running until the end of the test", s.exit_text(),
           "run the worker command by hand, or with -v, to see why it stops");
    co_return false;
  }
  s.finish(std::get<0>(std::move(outcome)));
  co_return true;
}

// 6. The endpoints of the ready worker.
asio::awaitable<void> check_endpoints(Session& s) {
  auto w = s.endpoint();
  InferenceStats stats;
  bool running = co_await endpoint_step(s, Step::health, "health", check_health(w)) &&
                 co_await endpoint_step(s, Step::ready_endpoint, "ready-endpoint", check_ready_endpoint(w)) &&
                 co_await endpoint_step(s, Step::progress, "loading-progress", check_loading_progress(w)) &&
                 co_await endpoint_step(s, Step::inference, "inference", check_inference(w, stats));
  s.result.inference = stats;
  if (running) co_await endpoint_step(s, Step::invalid_request, "invalid-requests", check_invalid_requests(w));
}

asio::awaitable<void> run_steps(Session* session) {
  Session& s = *session;
  if (!start_worker(s)) co_return;                // 3
  if (!co_await wait_ready(s)) co_return;         // 4
  if (!co_await wait_heartbeats(s)) co_return;    // 5
  co_await check_endpoints(s);                    // 6
}

// 8: stop the worker's whole process group and keep what it logged.
asio::awaitable<void> clean_up(Session* session) {
  Session& s = *session;
  if (!s.child) co_return;
  s.begin(Step::cleanup);
  bool had_exited = s.child->exited();
  auto status = co_await s.child->terminate(s.cfg.grace);
  s.result.exit_description = had_exited ? status.describe() : fmt::format("stopped: {}", status.describe());
  if (!had_exited && status.signal == SIGKILL)
    s.result.exit_description += fmt::format(", still running {} after SIGTERM", seconds(s.cfg.grace));
  auto& log = s.child->log();
  s.result.worker_log = log.tail(s.cfg.log_lines);
  s.result.worker_log_total = log.total();
  s.observer.step_finished(s.index, CheckResult{.step = Step::cleanup, .name = "cleanup", .outcome = Outcome::pass,
                                                .message = fmt::format("Worker {}", s.result.exit_description),
                                                .duration = since(s.step_started)});
}

}  // namespace

asio::awaitable<void> isolation_test(Session* s, Event* interrupt) {
  co_await (run_steps(s) || interrupt->wait());
  co_await clean_up(s);
  s->result.heartbeats = s->hive->heartbeat_count(s->result.worker_id);
  s->result.duration = since(s->started);
}

}  // namespace hivetest::flow
