// The checks that catch the bugs real workers ship: early "ready", miscounts, cross-talk, abandoned generations, shutdown.
#include "hivetest/flow/behaviour_checks.hpp"

#include <algorithm>
#include <csignal>
#include <memory>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "hivetest/flow/isolation.hpp"
#include "hivetest/flow/worker_http.hpp"
#include "hivetest/http/message.hpp"
#include "hivetest/util/event.hpp"
#include "hivetest/util/first_of.hpp"

namespace hivetest::flow {

using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;
using std::chrono::milliseconds;

namespace {

constexpr std::size_t long_stream_tokens = 2048;   // the most any profile's max_tokens allows
constexpr std::size_t tokens_before_leaving = 3;

double ms(microseconds d) { return static_cast<double>(d.count()) / 1000.0; }

// Streams that run side by side: spawned, each records its run, the check awaits them all.
// Shared, so that a check cancelled while they run (the worker exited) leaves them
// nothing dangling: they end at their own deadlines or when the worker's sockets close.
struct SideBySide {
  SideBySide(const Endpoint& endpoint, std::size_t n) : w(endpoint), values(n), runs(n), finished(endpoint.ex) {}
  Endpoint w;
  std::vector<profile::Placeholders> values;
  std::vector<StreamRun> runs;
  std::size_t done = 0;
  Pulse finished;
};

asio::awaitable<void> one_of_many(std::shared_ptr<SideBySide> all, std::size_t k, std::size_t close_after) {
  auto run = co_await run_stream(all->w, all->values[k], all->w.profile().streams.front(), close_after);
  all->runs[k] = std::move(run);
  ++all->done;
  all->finished.notify();
}

}  // namespace

asio::awaitable<CheckResult> check_ready_means_ready(const Endpoint& w, LoadingProbe* while_loading) {
  auto c = named(Step::ready_means_ready, "ready-means-ready");
  auto values = own_values(w, "first", 1);
  auto run = co_await run_stream(w, values, w.profile().streams.front(), 0);
  if (run.check.outcome != Outcome::pass)
    co_return fail(c, fmt::format("The first inference right after ready failed: {}", run.check.message),
                   "a worker that says ready answers its first request", run.check.got,
                   "say ready only once the model can answer");
  auto loading = co_await while_loading->answer();
  if (loading.garbage)
    co_return fail(c, fmt::format("The worker answered an inference with garbage while loading: {}", loading.broken),
                   "while loading, a refusal (503) or a well-formed stream", loading.got,
                   "refuse inference with 503 until the model is loaded");
  c.message = fmt::format("The first inference right after ready streamed (first token after {:.1f} ms){}",
                          ms(run.stats.time_to_first_token),
                          loading.said.empty() ? "" : fmt::format("; one sent while loading: {}", loading.said));
  co_return c;
}

CheckResult check_stream_accounting(const std::vector<StreamRun>& runs) {
  auto c = named(Step::stream_accounting, "stream-accounting");
  std::size_t checked = 0;
  for (const auto& run : runs) {
    if (run.check.outcome != Outcome::pass || run.closed_early) continue;
    ++checked;
    if (!run.accounting.empty())
      return fail(c, fmt::format("The {} stream's token accounting is off: {}", run.check.name, run.accounting),
                  "token indices from 0, the final count equal to the tokens streamed and within max_tokens, "
                  "a stop reason the dialect defines",
                  run.accounting);
  }
  if (checked == 0) {
    c.outcome = Outcome::skip;
    c.message = "No stream finished to account for";
    return c;
  }
  c.message = fmt::format("Token accounting holds in {} stream(s)", checked);
  return c;
}

asio::awaitable<CheckResult> check_concurrent_streams(const Endpoint& w, std::size_t n, bool solo_accounting_held,
                                                      InferenceStats& aggregate) {
  auto c = named(Step::concurrent_streams, "concurrent-streams");
  auto all = std::make_shared<SideBySide>(w, n + 1);
  for (std::size_t k = 0; k <= n; ++k) all->values[k] = own_values(w, fmt::format("c{}", k), w.config.max_tokens);
  auto started = Clock::now();
  // The last one is cancelled after its first token, while the others run.
  for (std::size_t k = 0; k <= n; ++k)
    asio::co_spawn(w.ex, one_of_many(all, k, k == n ? 1 : 0), asio::detached);
  while (all->done <= n) co_await all->finished.wait();
  auto wall = std::chrono::duration<double>(Clock::now() - started).count();

  std::size_t tokens = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const auto& run = all->runs[k];
    std::string which = fmt::format("stream {} of {}", k + 1, n);
    if (run.status >= 500)
      co_return fail(c, fmt::format("Concurrent streams: {} was answered {}", which, run.status),
                     fmt::format("{} streams at once, each complete", n), run.check.got);
    if (run.check.outcome != Outcome::pass)
      co_return fail(c, fmt::format("Concurrent streams: {} {}", which, run.check.message),
                     fmt::format("{} streams at once, each complete, while one more is cancelled", n), run.check.got,
                     all->runs[n].stats.tokens > 0 ? "a cancelled stream must end only itself" : "");
    if (solo_accounting_held && !run.accounting.empty())
      co_return fail(c, fmt::format("Concurrent streams: {} carries tokens that are not its own", which),
                     "each stream its own tokens, in order", run.accounting,
                     "tokens of one client must never reach another");
    tokens += run.stats.tokens;
    aggregate.time_to_first_token = std::max(aggregate.time_to_first_token, run.stats.time_to_first_token);
  }
  aggregate.tokens = tokens;
  aggregate.tokens_per_second = wall > 0 ? static_cast<double>(tokens) / wall : 0;
  c.message = fmt::format("{} streams at once completed ({} tokens, {:.0f} tokens/s in all, slowest first token {:.1f} ms), "
                          "one more cancelled",
                          n, tokens, aggregate.tokens_per_second, ms(aggregate.time_to_first_token));
  co_return c;
}

asio::awaitable<CheckResult> check_disconnect_cancels(const Endpoint& w) {
  auto c = named(Step::disconnect_cancels, "disconnect-cancels");
  const auto& stream = w.profile().streams.front();
  auto short_values = own_values(w, "short", 1);
  auto baseline_run = co_await run_stream(w, short_values, stream, 0);
  if (baseline_run.check.outcome != Outcome::pass) {
    c.outcome = Outcome::skip;
    c.message = "No baseline: a one-token request did not stream";
    co_return c;
  }
  auto baseline = baseline_run.stats.time_to_first_token;
  auto long_values = own_values(w, "abandoned", long_stream_tokens);
  auto left = co_await run_stream(w, long_values, stream, tokens_before_leaving);
  auto bound = std::max(5 * baseline, baseline + microseconds(1'000'000));

  // The next client: its first token, waited for up to twice the bound, so that a first
  // token that comes late is told with the time it took.
  auto next_values = own_values(w, "next", 1);
  asio::steady_timer timer(w.ex, Clock::now() + 2 * bound);
  auto next = co_await first_of(run_stream(w, next_values, stream, 1), timer.async_wait(asio::use_awaitable));
  std::string expected = fmt::format("the next request's first token within {:.1f} ms (baseline {:.1f} ms)", ms(bound), ms(baseline));
  if (next.index() == 1 || std::get<0>(next).stats.tokens == 0)
    co_return fail(c, "Kept generating after the client left: the next request got no token in time", expected,
                   fmt::format("no token within {:.1f} ms after a {}-token stream was dropped after {} tokens", ms(2 * bound),
                               long_stream_tokens, left.stats.tokens),
                   "stop a generation when its client disconnects");
  auto ttft = std::get<0>(next).stats.time_to_first_token;
  if (ttft > bound)
    co_return fail(c, fmt::format("Kept generating after the client left: the next first token came after {:.1f} ms", ms(ttft)),
                   expected, fmt::format("{:.1f} ms", ms(ttft)), "stop a generation when its client disconnects");
  c.message = fmt::format("A dropped stream let the next request through (first token after {:.1f} ms, baseline {:.1f} ms)",
                          ms(ttft), ms(baseline));
  co_return c;
}

CheckResult check_heartbeat_cadence(const std::deque<hive::HeartbeatRecord>& beats, milliseconds expected) {
  auto c = named(Step::heartbeat_cadence, "heartbeat-cadence");
  if (beats.size() < 2) {
    c.outcome = Outcome::skip;
    c.message = "Heartbeat cadence needs two heartbeats or more (--heartbeats 2)";
    return c;
  }
  auto low = expected * 4 / 5, high = expected * 6 / 5;
  std::vector<std::string> gaps;
  bool off = false;
  for (std::size_t i = 1; i < beats.size(); ++i) {
    auto gap = std::chrono::duration_cast<milliseconds>(beats[i].at - beats[i - 1].at);
    off = off || gap < low || gap > high;
    gaps.push_back(fmt::format("{} ms", gap.count()));
  }
  std::string got = fmt::format("intervals {}", fmt::join(gaps, ", "));
  if (off)
    return fail(c, fmt::format("Heartbeat intervals outside ±20 % of {} ms", expected.count()),
                fmt::format("every interval from {} to {} ms", low.count(), high.count()), got,
                "if the worker's interval is another one, say it with --heartbeat-interval S");
  c.message = fmt::format("Heartbeats every {} ms, within ±20 % ({})", expected.count(), got);
  return c;
}

CheckResult check_graceful_shutdown(const process::ExitStatus& status, milliseconds grace, milliseconds took) {
  auto c = named(Step::shutdown, "graceful-shutdown");
  c.duration = took;
  const std::string expected = fmt::format("exit status 0 within {} ms of SIGTERM", grace.count());
  if (status.success()) {
    c.message = fmt::format("Worker shut down cleanly on SIGTERM ({} ms)", took.count());
    return c;
  }
  if (status.signal == SIGTERM) {
    c.outcome = Outcome::warn;
    c.message = "Worker does not handle SIGTERM: it died by the signal's default action";
    c.got = status.describe();
    c.hint = "handle SIGTERM and exit 0: docker stop and Kubernetes count a death by the signal as a failure";
    return c;
  }
  if (status.signal == SIGKILL)
    return fail(c, fmt::format("Worker did not stop on SIGTERM: still running {} ms later, so it was killed", grace.count()),
                expected, status.describe(), "handle SIGTERM, or try --grace with more seconds if it is just slow");
  return fail(c, fmt::format("Worker did not shut down cleanly on SIGTERM: {}", status.describe()), expected,
              status.describe(), "the worker's last log lines below show what it did");
}

}  // namespace hivetest::flow
