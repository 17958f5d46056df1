// Step 5 of the flow: the worker's heartbeats awaited at the mock hive, held to the profile's paths and shape.
#include "hivetest/flow/heartbeat_wait.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "hivetest/flow/checks.hpp"
#include "hivetest/flow/kind_guess.hpp"
#include "hivetest/flow/session.hpp"
#include "hivetest/flow/worker_http.hpp"
#include "hivetest/hive/mock_hive.hpp"
#include "hivetest/util/first_of.hpp"

namespace hivetest::flow {

using Clock = std::chrono::steady_clock;

namespace {

// The heartbeats received, held to the profile's paths and shape; "" when they fit.
std::string heartbeat_misfit(const Session& s) {
  const auto& want = s.cfg.profile->heartbeats;
  for (const auto& r : s.hive->heartbeats(s.result.worker_id)) {
    bool path_ok = std::find(want.paths.begin(), want.paths.end(), r.path) != want.paths.end();
    bool shape_ok = want.shape == profile::Heartbeats::Shape::any ||
                    (want.shape == profile::Heartbeats::Shape::nested) == r.heartbeat.nested;
    if (!path_ok || !shape_ok)
      return fmt::format("a {} heartbeat at {}", r.heartbeat.nested ? "nested" : "flat", r.path);
  }
  return {};
}

std::string heartbeat_expectation(const Session& s) {
  const auto& want = s.cfg.profile->heartbeats;
  const char* shape = want.shape == profile::Heartbeats::Shape::nested ? "nested "
                      : want.shape == profile::Heartbeats::Shape::flat ? "flat "
                                                                       : "";
  return fmt::format("{}heartbeats from {} at {}{}", shape, s.result.worker_id, s.hive->url(), want.paths.front());
}

}  // namespace

asio::awaitable<bool> wait_heartbeats(Session& s) {
  s.begin(Step::heartbeats);
  auto n = s.cfg.heartbeats;
  // A pointer, not a reference: g++ 12 mishandles reference locals kept across a suspension.
  const profile::Heartbeats* want = &s.cfg.profile->heartbeats;
  if (s.cfg.skipped.contains(Step::heartbeats)) co_return s.finish(not_chosen(Step::heartbeats, "heartbeats"));
  if (n == 0 || !want->expected) {
    CheckResult c{.step = Step::heartbeats, .name = "heartbeats", .outcome = Outcome::skip,
                  .message = n == 0 ? "Not waiting for heartbeats (--heartbeats 0)" : want->why_none};
    co_return s.finish(std::move(c));
  }
  auto deadline = Clock::now() + s.cfg.heartbeat_timeout;
  auto outcome = co_await first_of(s.hive->wait_heartbeats(s.result.worker_id, n, deadline), s.worker_exit());
  if (s.step_interrupted(outcome.index())) co_return false;
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
    std::string hint = fmt::format("try --heartbeat-timeout {} (workers of this kind send one every {} s)",
                                   std::max<long>(2 * want->interval_s + 5, 2 * s.cfg.heartbeat_timeout.count() / 1000),
                                   want->interval_s);
    if (s.cfg.attach) hint = fmt::format("start the worker with the hive URL {}, or pass --heartbeats 0", s.hive->url());
    // What the hive's HTTP layer refused (a 413 for a 2 MiB heartbeat) is named, not lost.
    auto refused = hive::describe(wait.refusals);
    co_return s.fail(Step::heartbeats, "heartbeats",
                     fmt::format("Received {} of {} heartbeat(s) within {}{}", got, n,
                                 setting_in_seconds(s.cfg.heartbeat_timeout), refused.empty() ? "" : "; " + refused),
                     heartbeat_expectation(s), fmt::format("{}{}", got, others), hint);
  }
  if (auto misfit = heartbeat_misfit(s); !misfit.empty()) {
    auto hint = co_await kind_hint(s.endpoint(), "check --profile (hivetest --list-profiles)");
    co_return s.fail(Step::heartbeats, "heartbeats",
                     fmt::format("Heartbeats not as the {} profile expects: {}", s.cfg.profile->name, misfit),
                     heartbeat_expectation(s), misfit, hint);
  }
  co_return s.pass(Step::heartbeats, "heartbeats",
                   fmt::format("{} heartbeat(s) received ({} ms)", got, s.step_elapsed().count()));
}

}  // namespace hivetest::flow
