// Heartbeats to the hive: the first at once, then one per interval, for as long as the worker runs.
#include "heartbeat.hpp"

#include <algorithm>

#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "event_stream.hpp"
#include "hivetest/http/client.hpp"
#include "timestamp.hpp"

namespace reference_worker {

using Clock = std::chrono::steady_clock;
using hivetest::http::json_escape;

namespace {

// Enough for a hive on the same machine; a hive that hangs must not delay the next beat.
constexpr std::chrono::milliseconds longest_wait{10'000};
constexpr std::size_t logged_body_limit = 200;

}  // namespace

std::string heartbeat_payload(const Worker& w) {
  if (w.opts.heartbeat_shape == HeartbeatShape::nested) {
    return fmt::format(
        R"({{"worker":{{"id":"{}","model_id":"{}","device":{},"port":{},"status":"{}","implementation":"reference-worker","version":"{}"}},"timestamp":"{}"}})",
        json_escape(w.opts.worker_id), json_escape(w.opts.model_ref), w.opts.device, w.opts.port,
        w.listening && w.claims_loaded() ? "ready" : "starting", HIVETEST_VERSION, rfc3339_now());
  }
  return fmt::format(R"({{"worker_id":"{}","timestamp":"{}","health_status":"healthy"}})",
                     json_escape(w.opts.worker_id), rfc3339_now());
}

namespace {

// The heartbeat faults that hold the first beat back; false when no beat is to be sent.
asio::awaitable<bool> before_first_heartbeat(Worker& w) {
  if (w.opts.faults.has(Fault::no_heartbeat)) {
    w.log("fault no-heartbeat: sending no heartbeats");
    co_await w.shutdown.wait();  // or until cancelled
    co_return false;
  }
  if (w.opts.faults.has(Fault::late_heartbeat)) {
    auto delay = std::chrono::duration_cast<std::chrono::seconds>(late_heartbeat_delay);
    w.log("fault late-heartbeat: the first heartbeat goes in {} s", delay.count());
    if (!co_await wait_until(Clock::now() + late_heartbeat_delay, w.shutdown)) co_return false;
    auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
    co_return cancelled == asio::cancellation_type::none;
  }
  co_return true;
}

}  // namespace

asio::awaitable<void> send_heartbeats(Worker& w) {
  if (!is_rbee(w.opts.dialect)) {
    co_await w.shutdown.wait();  // no hive to send them to; or until cancelled
    co_return;
  }
  if (!co_await before_first_heartbeat(w)) co_return;
  const auto interval = std::chrono::milliseconds(w.opts.heartbeat_interval_ms);
  const bool irregular = w.opts.faults.has(Fault::irregular_heartbeat);
  if (irregular)
    w.log("fault irregular-heartbeat: intervals alternate {} ms and {} ms instead of {} ms", (interval / 2).count(),
          (interval * 3 / 2).count(), interval.count());
  const std::string target = w.hive.base_path + w.opts.heartbeat_path;
  const std::string url = w.hive.url_of(w.opts.heartbeat_path);
  asio::steady_timer timer(w.ex);
  auto next = Clock::now();

  for (uint64_t n = 1;; ++n) {
    hivetest::http::ClientRequest req;
    req.method = "POST";
    req.target = target;
    req.body = heartbeat_payload(w);
    // A serializer that loses the closing brace: the id is there, the JSON is not valid.
    if (w.opts.faults.has(Fault::bad_heartbeat)) req.body.pop_back();
    auto deadline = Clock::now() + std::min<Clock::duration>(interval, longest_wait);
    auto result = co_await hivetest::http::fetch(w.ex, w.hive.host, w.hive.port, std::move(req), deadline);
    auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
    if (cancelled != asio::cancellation_type::none) co_return;  // shutting down: the aborted beat is no news
    if (!result) {
      w.log("heartbeat #{} to {} failed: {}", n, url, result.error);
    } else if (result.response->status / 100 == 2) {
      w.log("heartbeat #{} sent to {}: {}", n, url, result.response->status);
    } else {
      std::string_view body = result.response->body;
      w.log("heartbeat #{} sent to {}: {} {}", n, url, result.response->status, body.substr(0, logged_body_limit));
    }

    // Keep to the schedule; beats missed while a slow hive held us up are skipped.
    // irregular-heartbeat: the gap after an odd beat is half the interval, after an even one
    // one and a half, so that they still come every interval on average.
    auto now = Clock::now();
    do next += !irregular ? interval : n % 2 == 1 ? interval / 2 : interval * 3 / 2;
    while (next <= now);
    timer.expires_at(next);
    std::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

}  // namespace reference_worker
