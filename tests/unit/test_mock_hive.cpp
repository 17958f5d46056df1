// Tests of the mock hive: routes, answers, records and awaiting heartbeats.
#include <doctest/doctest.h>

#include "run_test.hpp"

#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include "hivetest/hive/mock_hive.hpp"
#include "hivetest/http/client.hpp"

using namespace hivetest;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {


asio::awaitable<http::FetchResult> post(asio::any_io_executor ex, uint16_t port, std::string path, std::string body,
                                        std::string method = "POST") {
  http::ClientRequest req;
  req.method = std::move(method);
  req.target = std::move(path);
  req.body = std::move(body);
  co_return co_await http::fetch(ex, "127.0.0.1", port, req, Clock::now() + 5s);
}

// Posts heartbeats in order from a second coroutine, while the test's coroutine waits for them.
void post_heartbeats_meanwhile(asio::any_io_executor ex, uint16_t port, std::vector<std::string> bodies) {
  asio::co_spawn(ex, [ex, port, bodies = std::move(bodies)]() -> asio::awaitable<void> {
    for (std::size_t i = 0; i < bodies.size(); ++i) co_await post(ex, port, "/v1/heartbeat", bodies[i]);
  }, asio::detached);
}

}  // namespace

TEST_CASE("the hive answers heartbeats as SPEC.md §2 says") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::error_code ec;
    auto hive = hive::MockHive::start(ex, "127.0.0.1", 0, ec);
    REQUIRE(hive);
    hive->expect_worker("w1");
    auto port = hive->port();
    const char* flat = R"({"worker_id":"w1","timestamp":"2026-01-01T00:00:00Z","health_status":"healthy"})";
    const char* nested = R"({"worker":{"id":"w1","model_id":"m","port":1,"status":"healthy"},"timestamp":"t"})";

    for (const char* path : {"/v1/heartbeat", "/heartbeat/workers", "/v1/worker-heartbeat"}) {
      auto r = co_await post(ex, port, path, flat);
      REQUIRE(r);
      CHECK(r.response->status == 200);
      CHECK(r.response->body == R"({"status":"ok"})");
    }
    auto n = co_await post(ex, port, "/v1/heartbeat", nested);
    CHECK(n.response->status == 200);
    CHECK(hive->heartbeat_count("w1") == 4);
    CHECK(hive->heartbeats("w1").back().heartbeat.nested);

    auto bad = co_await post(ex, port, "/v1/heartbeat", "{oops");
    CHECK(bad.response->status == 400);
    CHECK(bad.response->body.find("not valid JSON") != std::string::npos);
    auto no_id = co_await post(ex, port, "/v1/heartbeat", R"({"timestamp":"t"})");
    CHECK(no_id.response->status == 400);
    CHECK(no_id.response->body.find("worker id") != std::string::npos);
    auto other = co_await post(ex, port, "/v2/heartbeat", flat);
    CHECK(other.response->status == 404);
    auto get = co_await post(ex, port, "/v1/heartbeat", "", "GET");
    CHECK(get.response->status == 405);
    CHECK(get.response->header("allow") == std::optional<std::string_view>("POST"));

    auto stranger = co_await post(ex, port, "/v1/heartbeat", R"({"worker_id":"w2"})");
    CHECK(stranger.response->status == 200);
    CHECK(hive->unknown_worker_heartbeats() == 1);
    CHECK(hive->heartbeat_count("w2") == 0);

    using K = hive::HiveLogEntry::Kind;
    int heartbeats = 0, rejected = 0, unknown_path = 0, unknown_worker = 0;
    for (const auto& e : hive->log()) {
      heartbeats += e.kind == K::heartbeat;
      rejected += e.kind == K::rejected;
      unknown_path += e.kind == K::unknown_path;
      unknown_worker += e.kind == K::unknown_worker;
    }
    CHECK(heartbeats == 4);
    CHECK(rejected == 2);
    CHECK(unknown_path == 1);
    CHECK(unknown_worker == 1);
  });
}

TEST_CASE("waiting for heartbeats ends when they arrive, or at the deadline") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::error_code ec;
    auto hive = hive::MockHive::start(ex, "127.0.0.1", 0, ec);
    REQUIRE(hive);
    post_heartbeats_meanwhile(ex, hive->port(), {R"({"worker_id":"w"})", R"({"worker_id":"w"})"});
    auto t0 = Clock::now();
    auto got = co_await hive->wait_heartbeats("w", 2, Clock::now() + 10s);
    CHECK(got.outcome == hive::HeartbeatWait::Outcome::received);
    CHECK(Clock::now() - t0 < 5s);
    CHECK(hive->heartbeat_count("w") == 2);

    t0 = Clock::now();
    got = co_await hive->wait_heartbeats("w", 3, Clock::now() + 100ms);
    CHECK(got.outcome == hive::HeartbeatWait::Outcome::deadline);
    CHECK(Clock::now() - t0 >= 100ms);
  });
}

TEST_CASE("a refused heartbeat ends the wait at once while one worker is expected") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::error_code ec;
    auto hive = hive::MockHive::start(ex, "127.0.0.1", 0, ec);
    REQUIRE(hive);
    post_heartbeats_meanwhile(ex, hive->port(), {R"({"worker_id":"w","timestamp":"2026-01-01T00:00:00Z")"});

    // Without an expected worker the refusal cannot be put down to "w": only the deadline ends the wait.
    auto got = co_await hive->wait_heartbeats("w", 1, Clock::now() + 300ms);
    CHECK(got.outcome == hive::HeartbeatWait::Outcome::deadline);

    hive->expect_worker("w");
    auto t0 = Clock::now();
    got = co_await hive->wait_heartbeats("w", 1, Clock::now() + 10s);
    CHECK(Clock::now() - t0 < 1s);
    CHECK(got.outcome == hive::HeartbeatWait::Outcome::rejected);
    CHECK(got.reason.find("not valid JSON") != std::string::npos);
    CHECK(got.body == R"({"worker_id":"w","timestamp":"2026-01-01T00:00:00Z")");

    hive->expect_worker("v");  // two workers: the refusal is nobody's in particular
    got = co_await hive->wait_heartbeats("w", 1, Clock::now() + 100ms);
    CHECK(got.outcome == hive::HeartbeatWait::Outcome::deadline);
  });
}

TEST_CASE("a port in use is reported at start") {
  asio::io_context io;
  std::error_code ec;
  auto first = hive::MockHive::start(io.get_executor(), "127.0.0.1", 0, ec);
  REQUIRE(first);
  auto second = hive::MockHive::start(io.get_executor(), "127.0.0.1", first->port(), ec);
  CHECK_FALSE(second);
  CHECK(ec == asio::error::address_in_use);
}
