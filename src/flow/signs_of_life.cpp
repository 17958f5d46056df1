// Signs of life while a worker loads: how long the wait is, what the worker last said, how far its loading is.
#include "hivetest/flow/signs_of_life.hpp"

#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "hivetest/flow/session.hpp"
#include "hivetest/flow/sse_reader.hpp"
#include "hivetest/flow/worker_http.hpp"
#include "hivetest/profile/json_rules.hpp"
#include "hivetest/util/first_of.hpp"

namespace hivetest::flow {

using Clock = std::chrono::steady_clock;

namespace {

// Once a second while waiting: how long, what the worker last said, how far it has
// loaded (the reports decide how often to show it).
asio::awaitable<void> tell_while_waiting(Session& s) {
  asio::steady_timer tick(s.ex);
  for (auto next = s.step_started + std::chrono::seconds(1);; next += std::chrono::seconds(1)) {
    tick.expires_at(next);
    std::error_code ec;  // cancelled once the wait is over: ends quietly, as on most runs
    co_await tick.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    Waiting w{std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - s.step_started), s.last_ready_answer, s.loaded};
    s.observer.still_waiting(s.index, w);
  }
}

// The profile's loading progress stream, read while waiting (asked again a second after it
// ends or fails), so that the signs of life say how far the loading is.
asio::awaitable<void> follow_loading(Session& s) {
  // A pointer, not a reference: g++ 12 mishandles reference locals kept across a suspension.
  const profile::ProgressCheck* progress = s.cfg.profile->progress ? &*s.cfg.profile->progress : nullptr;
  asio::steady_timer again(s.ex);
  for (;;) {
    if (progress && !progress->done_field.empty()) {
      SseReader reader(progress->done);
      reader.json_events([&s, progress](simdjson::dom::element event) {
        auto done = profile::at_path(event, progress->done_field);
        auto total = profile::at_path(event, progress->total_field);
        // A worker's count may be anything: only a sensible one is shown (Waiting::loaded).
        constexpr int64_t most_layers = 1'000'000'000;
        int64_t d = 0, t = 0;
        if (done && total && !done->get_int64().get(d) && !total->get_int64().get(t) && t > 0 && t <= most_layers &&
            d >= 0 && d <= t)
          s.loaded = std::make_pair(d, t);
        return true;
      });
      auto req = worker_request(s.cfg, "GET", progress->path);
      co_await http::fetch(s.ex, s.endpoint().host, s.result.worker_port, req, Clock::now() + s.cfg.ready_timeout,
                           reader.handler());
      // The wait being over cuts the stream short; then there is nothing more to follow.
      auto state = co_await asio::this_coro::cancellation_state;
      if (state.cancelled() != asio::cancellation_type::none) co_return;
    }
    again.expires_after(std::chrono::seconds(1));
    std::error_code ec;
    co_await again.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

}  // namespace

asio::awaitable<void> signs_of_life(Session& s) {
  co_await first_of(tell_while_waiting(s), follow_loading(s));
}

}  // namespace hivetest::flow
