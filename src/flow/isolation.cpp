// The isolation test of one worker, as one coroutine that reads like its list of steps (README, "What happens").
#include "hivetest/flow/isolation.hpp"

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <unistd.h>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "hivetest/flow/behaviour_checks.hpp"
#include "hivetest/flow/checks.hpp"
#include "hivetest/flow/endpoint_checks.hpp"
#include "hivetest/flow/heartbeat_wait.hpp"
#include "hivetest/flow/kind_guess.hpp"
#include "hivetest/flow/session.hpp"
#include "hivetest/flow/signs_of_life.hpp"
#include "hivetest/flow/stream_check.hpp"
#include "hivetest/flow/worker_http.hpp"
#include "hivetest/gguf/gguf.hpp"
#include "hivetest/hive/mock_hive.hpp"
#include "hivetest/process/child.hpp"
#include "hivetest/util/first_of.hpp"

namespace hivetest::flow {

using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

milliseconds since(Clock::time_point t) { return std::chrono::duration_cast<milliseconds>(Clock::now() - t); }

// What the flow knows of its worker, for the profile's argument placeholders.
profile::Placeholders argument_values(const Session& s, uint16_t port) {
  return {{"worker_id", s.result.worker_id},
          {"model", s.cfg.model},
          {"model_ref", model_ref(s.cfg)},
          {"backend", s.cfg.backend},
          {"device", std::to_string(s.cfg.device)},
          {"port", std::to_string(port)},
          {"host", "127.0.0.1"},
          {"hive_url", s.hive->url()}};
}

}  // namespace

std::optional<AttachTo> parse_attach_url(const std::string& url, std::string& error) {
  constexpr std::string_view scheme = "http://";
  std::string_view rest = url;
  if (!rest.starts_with(scheme)) {
    error = fmt::format("'{}' is not an http:// URL (http://HOST:PORT)", url);
    return std::nullopt;
  }
  rest.remove_prefix(scheme.size());
  if (rest.ends_with('/')) rest.remove_suffix(1);
  auto colon = rest.rfind(':');
  AttachTo a{.url = url};
  if (colon == std::string_view::npos || rest.find('/') != std::string_view::npos) {
    error = fmt::format("'{}' needs a port and no path (http://HOST:PORT)", url);
    return std::nullopt;
  }
  a.host = std::string(rest.substr(0, colon));
  if (a.host.size() > 2 && a.host.front() == '[' && a.host.back() == ']') a.host = a.host.substr(1, a.host.size() - 2);
  auto port_text = rest.substr(colon + 1);
  long port = 0;
  for (char c : port_text) port = (c >= '0' && c <= '9' && port < 65536) ? port * 10 + (c - '0') : 70000;
  if (a.host.empty() || port_text.empty() || port < 1 || port > 65535) {
    error = fmt::format("'{}' needs a host and a port from 1 to 65535", url);
    return std::nullopt;
  }
  a.port = static_cast<uint16_t>(port);
  return a;
}

// 1. The model file: its GGUF header, or a skip when it is not there.
bool check_model(Session& s) {
  s.begin(Step::model);
  auto skip = [&](std::string why) {
    return s.finish(CheckResult{.step = Step::model, .name = "model", .outcome = Outcome::skip, .message = std::move(why)});
  };
  if (s.cfg.model.empty()) return skip("Model check skipped: no --model given for the attached worker");
  std::error_code ec;
  if (!s.cfg.profile->model_is_file && !std::filesystem::exists(s.cfg.model, ec))
    return skip(fmt::format("Model check skipped: {} names no file, so it is taken as a model id", s.cfg.model));
  auto read = gguf::read_file(s.cfg.model);
  if (read.failure == gguf::Failure::missing)
    return s.fail(Step::model, "model",
                  fmt::format("Model not found: {}{}", s.cfg.model,
                              s.cfg.model_defaulted ? " (the default model for a worker given with --worker)" : ""),
                  "a GGUF model file", "no file at that path", "pass one with --model PATH", Outcome::skip) && false;
  if (!read)
    return s.fail(Step::model, "model", fmt::format("Model file unusable: {}", read.error), "a GGUF v2 or v3 file",
                  read.error, "check the file, or pass another with --model PATH", Outcome::error);
  return s.pass(Step::model, "model", fmt::format("Model found: {}", gguf::summary_line(model_file_name(s.cfg.model), read.model)));
}

namespace {

// 3. The worker, started with the profile's arguments; an attached one is already running.
// Its port is held from other hivetests until it is ready, unless `hold_port` is false
// (a worker that could not bind a held port: it binds without SO_REUSEADDR).
bool start_worker(Session& s, bool hold_port) {
  s.begin(Step::spawn);
  if (s.cfg.attach) {
    s.result.worker_port = s.cfg.attach->port;
    return s.finish(CheckResult{.step = Step::spawn, .name = "spawn", .outcome = Outcome::skip,
                                .message = fmt::format("Attached to the worker at {}: not started by hivetest", s.cfg.attach->url)});
  }
  std::string why;
  auto held = s.cfg.port_fixed && s.cfg.port ? s.ports->pick_exact(s.ex, *s.cfg.port, why) : s.ports->pick(s.ex, why);
  if (!held)
    return s.fail(Step::spawn, "spawn", fmt::format("Cannot use the worker port: {}", why), "a free port for the worker",
                  why, "try --port auto", Outcome::error);
  auto port = held->port;
  auto earlier_port = s.result.worker_port;
  s.result.worker_port = port;
  if (hold_port) s.port_hold = std::move(held);

  auto values = argument_values(s, port);
  process::SpawnOptions opts;
  for (const auto& word : s.cfg.worker_argv) opts.argv.push_back(profile::expand(word, values));
  for (const auto& word : s.cfg.profile->arguments) opts.argv.push_back(profile::expand(word, values));
  opts.on_line = [&obs = s.observer, i = s.index, verbose = s.cfg.verbose, spoke = &s.worker_spoke](
                     process::Stream stream, std::string_view text, bool cut) {
    spoke->notify();
    if (verbose) obs.worker_line(i, {stream, Clock::now(), std::string(text), cut});
  };
  process::SpawnError error;
  s.child = process::Child::spawn(s.ex, *s.guard, opts, &error);
  if (!s.child) {
    // Out of descriptors says the run is too big for the limit, not that the command is wrong.
    return s.fail(Step::spawn, "spawn", fmt::format("Worker not started: {}", error.message), "a worker command that runs",
                  error.message,
                  error.errno_value == EMFILE
                      ? "too many workers at once for the open-files limit (ulimit -n): use --max-parallel, or raise the hard limit"
                      : "check --worker (it is split like a shell would, and run without one)",
                  Outcome::error);
  }
  s.result.pid = s.child->pid();
  if (!hold_port)
    return s.pass(Step::spawn, "spawn", fmt::format("Worker started again (PID {}, port {}): it could not bind port {}, "
                                                    "which was in use or held for it",
                                                    s.child->pid(), port, earlier_port));
  return s.pass(Step::spawn, "spawn", fmt::format("Worker started (PID {}, port {})", s.child->pid(), port));
}

// Polls readiness from 1 ms on, each wait a quarter longer than the last (up to 50 ms):
// a worker that starts fast is seen within a fraction of its start-up time, and one that
// loads for a minute is asked a few times a second, not hammered. A line the worker writes
// ends the wait at once: workers say when they listen or have loaded, so that readiness is
// seen a round trip after it.
asio::awaitable<Readiness> poll_until_ready(Session& s, Clock::time_point deadline) {
  asio::steady_timer timer(s.ex);
  std::chrono::microseconds interval(1000);
  Readiness last;
  for (;;) {
    auto attempt_deadline = std::min(deadline, Clock::now() + milliseconds(2000));
    auto now = co_await poll_ready(s.endpoint(), attempt_deadline);
    if (now.state != Readiness::State::waiting) co_return now;
    if (now.loading) s.loading_probe.send(s.endpoint());  // once: ready-means-ready judges its answer
    // An attempt cut short by the overall deadline says less than the one before it.
    if (Clock::now() < deadline || last.why.empty()) last = now;
    s.last_ready_answer = last.why;
    if (Clock::now() >= deadline) co_return last;
    auto asked = Clock::now();
    timer.expires_at(std::min(deadline, asked + interval));
    std::error_code cancelled;  // by a line: no exception for a race lost at every line
    auto woke = co_await first_of(timer.async_wait(asio::redirect_error(asio::use_awaitable, cancelled)),
                                  s.worker_spoke.wait());
    if (woke.index() == 1) {
      // A line may be the worker saying it listens: ask again now, but not sooner than a
      // tenth of the interval after the last asking, so that a worker that logs nonstop
      // while it loads is asked at most ten times as often as a quiet one.
      timer.expires_at(std::min(deadline, asked + interval / 10));
      std::error_code ignored;  // cancelled only when the wait for readiness itself ends
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    interval = std::min(interval * 5 / 4, std::chrono::microseconds(50'000));
  }
}

// Ready, or the worker's exit: whichever comes first.
asio::awaitable<std::variant<Readiness, std::monostate>> ready_or_exit(Session& s, Clock::time_point deadline) {
  co_return co_await first_of(poll_until_ready(s, deadline), s.worker_exit());
}

// Words with which servers say that their address is taken.
bool said_address_in_use(const std::vector<process::LogLine>& log) {
  for (const auto& line : log)
    for (const char* words : {"in use", "EADDRINUSE", "already in use"})
      if (line.text.find(words) != std::string::npos) return true;
  return false;
}

enum class Ready { yes, no, port_taken };

// 4. Ready, or the worker exited, or the deadline: whichever comes first. A worker that
// exits saying its address is in use, while its port was held for it, is port_taken
// (when `may_retry`): it is started once more.
asio::awaitable<Ready> wait_ready(Session& s, bool may_retry) {
  s.begin(Step::ready);
  auto deadline = Clock::now() + s.cfg.ready_timeout;
  auto waited = co_await first_of(ready_or_exit(s, deadline), signs_of_life(s));
  if (waited.index() == 1) co_return Ready::no;  // only a cancellation ends the signs of life
  auto outcome = std::get<0>(std::move(waited));
  if (s.step_interrupted(outcome.index())) co_return Ready::no;
  const auto& name = s.cfg.profile->name;
  if (outcome.index() == 1) {
    auto log = s.child->log().tail(s.cfg.log_lines);
    if (may_retry && s.port_hold && said_address_in_use(log)) co_return Ready::port_taken;
    auto kind = guess_kind_from_log(log, name);
    s.fail(Step::ready, "ready", fmt::format("Worker exited before it was ready: {}", s.exit_text()),
                     "the worker running until it is ready", s.exit_text(),
                     kind.empty() ? "run the worker command by hand, or with -v, to see why it stops"
                                  : fmt::format("it refused the {} profile's arguments; {}", name, wrong_profile_hint(kind)));
    co_return Ready::no;
  }
  auto ready = std::get<0>(std::move(outcome));
  if (ready.state == Readiness::State::broken) {
    // Awaited on its own line: g++ 12 mishandles temporaries around a co_await inside a call.
    std::string hint = "the worker wants a key: pass --api-key KEY";
    if (ready.status != 401 && ready.status != 403)
      hint = co_await kind_hint(s.endpoint(), "check --profile (hivetest --list-profiles)");
    s.fail(Step::ready, "ready", fmt::format("Worker does not answer as the {} profile expects: {}", name, ready.why),
           fmt::format("the {} profile's readiness endpoints", name), ready.why, hint);
    co_return Ready::no;
  }
  if (ready.state != Readiness::State::ready) {
    s.fail(Step::ready, "ready",
                     fmt::format("Worker did not become ready within {}", setting_in_seconds(s.cfg.ready_timeout)),
                     fmt::format("{} answering ready", s.cfg.profile->readiness.front().path), ready.why,
                     fmt::format("try --timeout {}", std::max<long>(60, 2 * s.cfg.ready_timeout.count() / 1000)));
    co_return Ready::no;
  }
  s.port_hold.reset();  // bound by the worker now
  s.result.ready_seen = Clock::now();
  s.result.time_to_ready = std::chrono::duration_cast<std::chrono::microseconds>(*s.result.ready_seen - s.step_started);
  // The streams name the model the worker lists; the models check itself comes later.
  if (s.cfg.profile->models) {
    CheckResult listed = co_await check_models(s.endpoint(), s.model_id);
    if (listed.outcome != Outcome::pass) s.model_id.clear();
  }
  s.pass(Step::ready, "ready", fmt::format("Worker is ready! ({:.1f} ms)", s.result.time_to_ready->count() / 1000.0));
  co_return Ready::yes;
}

// A check that needs no request, unless it was not chosen.
bool record_check(Session& s, Step step, CheckResult c) {
  s.begin(step);
  return s.finish(s.cfg.skipped.contains(step) ? not_chosen(step, c.name) : std::move(c));
}

// 5, continued: the intervals between the heartbeats that came.
void check_cadence(Session& s) {
  const auto& want = s.cfg.profile->heartbeats;
  if (!want.expected || s.cfg.heartbeats == 0) return;
  auto expected = s.cfg.heartbeat_interval.value_or(std::chrono::seconds(want.interval_s));
  record_check(s, Step::heartbeat_cadence, check_heartbeat_cadence(s.hive->heartbeats(s.result.worker_id), expected));
}

// A worker that dies mid-request closes its sockets a moment before the kernel tells us it
// exited, so a request it broke off fails first: that failure is the exit, if one follows.
constexpr milliseconds exit_after_failure_within{100};

// One endpoint check, unless the worker exits first: then the check fails at once with
// the exit status, and false stops the flow. A check that fails does not stop the others.
asio::awaitable<bool> endpoint_step(Session& s, Step step, std::string name, asio::awaitable<CheckResult> check) {
  s.begin(step);
  if (s.cfg.skipped.contains(step)) {
    s.finish(not_chosen(step, name));
    co_return true;
  }
  auto outcome = co_await first_of(std::move(check), s.worker_exit());
  if (s.step_interrupted(outcome.index())) co_return false;
  bool failed = outcome.index() == 0 && std::get<0>(outcome).outcome == Outcome::fail;
  if (failed && s.child) {
    asio::steady_timer timer(s.ex, Clock::now() + exit_after_failure_within);
    co_await first_of(s.child->wait_exit(), timer.async_wait(asio::use_awaitable));
  }
  if (outcome.index() == 1 || (failed && s.worker_exited())) {
    s.fail(step, name, fmt::format("Worker exited during the {} check: {}", name, s.exit_text()),
           "the worker running until the end of the test", s.exit_text(),
           "run the worker command by hand, or with -v, to see why it stops");
    co_return false;
  }
  auto result = std::get<0>(std::move(outcome));
  // A stream refused with 404 is most often a worker of another kind.
  if (step == Step::inference && result.outcome == Outcome::fail && result.got.starts_with("404") && result.hint.empty()) {
    auto hint = co_await kind_hint(s.endpoint(), "");
    result.hint = hint;
  }
  s.finish(std::move(result));
  co_return true;
}

// 6. The endpoints of the ready worker, as its profile lists them, then the checks that
// catch what real workers get wrong.
asio::awaitable<void> check_endpoints(Session& s) {
  const auto& profile = *s.cfg.profile;
  bool running = co_await endpoint_step(s, Step::health, "health", check_health(s.endpoint())) &&
                 co_await endpoint_step(s, Step::ready_endpoint, "ready-endpoint", check_ready_endpoint(s.endpoint())) &&
                 co_await endpoint_step(s, Step::progress, "loading-progress", check_loading_progress(s.endpoint())) &&
                 co_await endpoint_step(s, Step::models, "models", check_models(s.endpoint(), s.model_id));
  std::vector<StreamRun> runs(profile.streams.size());
  for (std::size_t i = 0; running && i < profile.streams.size(); ++i) {
    running = co_await endpoint_step(s, Step::inference, profile.streams[i].name,
                                     check_stream(s.endpoint(), profile.streams[i], runs[i]));
    if (i == 0) s.result.inference = runs[i].stats;
  }
  if (!running) co_return;
  auto accounting = check_stream_accounting(runs);
  bool accounting_held = accounting.outcome != Outcome::fail;
  record_check(s, Step::stream_accounting, std::move(accounting));
  InferenceStats aggregate;
  running = co_await endpoint_step(s, Step::concurrent_streams, "concurrent-streams",
                                   check_concurrent_streams(s.endpoint(), s.cfg.concurrency, accounting_held, aggregate)) &&
            co_await endpoint_step(s, Step::disconnect_cancels, "disconnect-cancels", check_disconnect_cancels(s.endpoint())) &&
            co_await endpoint_step(s, Step::client_errors, "client-errors-are-4xx", check_client_errors(s.endpoint()));
  if (aggregate.tokens > 0) s.result.concurrent = aggregate;
}

asio::awaitable<void> run_steps(Session* session) {
  Session& s = *session;
  if (!start_worker(s, true)) co_return;          // 3
  auto ready = co_await wait_ready(s, true);      // 4
  if (ready == Ready::port_taken) {               // 3 and 4 once more, on a port not held
    co_await s.child->terminate(s.cfg.grace);
    if (!start_worker(s, false)) co_return;
    ready = co_await wait_ready(s, false);
  }
  if (ready != Ready::yes) co_return;
  if (!co_await endpoint_step(s, Step::ready_means_ready, "ready-means-ready",
                              check_ready_means_ready(s.endpoint(), &s.loading_probe)))
    co_return;
  if (!co_await wait_heartbeats(s)) co_return;    // 5
  check_cadence(s);
  co_await check_endpoints(s);                    // 6
}

// 8: stop the worker's whole process group and keep what it logged.
asio::awaitable<void> clean_up(Session* session, bool interrupted_run) {
  Session& s = *session;
  if (!s.child) co_return;
  s.begin(Step::cleanup);
  bool had_exited = s.child->exited();
  if (s.worker_connections) s.worker_connections->close_idle();  // clients gone, as before any stop
  auto stopping = Clock::now();
  auto status = co_await s.child->terminate(s.cfg.grace);
  auto took = since(stopping);
  s.result.exit_description = had_exited ? status.describe() : fmt::format("stopped: {}", status.describe());
  if (!had_exited && status.signal == SIGKILL)
    s.result.exit_description += fmt::format(", still running {} after SIGTERM", setting_in_seconds(s.cfg.grace));
  auto& log = s.child->log();
  s.result.worker_log = log.tail(s.cfg.log_lines);
  s.result.worker_log_total = log.total();
  s.observer.step_finished(s.index, CheckResult{.step = Step::cleanup, .name = "cleanup", .outcome = Outcome::pass,
                                                .message = fmt::format("Worker {}", s.result.exit_description),
                                                .duration = s.step_elapsed()});
  // A worker that died earlier keeps that earlier failure; an interrupted run judges nothing.
  if (!had_exited && !interrupted_run)
    record_check(s, Step::shutdown, check_graceful_shutdown(status, s.cfg.grace, took));
}

}  // namespace

asio::awaitable<void> isolation_test(Session* s, Event* interrupt) {
  try {
    auto finished = co_await first_of(run_steps(s), interrupt->wait());
    s->result.interrupted = finished.index() == 1;
  } catch (const std::exception& e) {
    // A step that throws is hivetest's own failure: it ends this worker's run at once,
    // naming the step, and the cleanup below still stops the worker.
    s->fail(s->current_step, check_info(s->current_step).name,
            fmt::format("hivetest failed inside the {} step: {}", check_info(s->current_step).label, e.what()),
            "", "", "this is a bug in hivetest: please report it with the output above", Outcome::error);
  }
  co_await clean_up(s, interrupt->is_set());
  s->result.heartbeats = s->hive->heartbeat_count(s->result.worker_id);
  s->result.duration = since(s->started);
}

}  // namespace hivetest::flow
