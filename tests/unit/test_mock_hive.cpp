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

TEST_CASE("a refusal of the HTTP layer reaches the log with its status and peer, and the wait can tell it") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::error_code ec;
    auto hive = hive::MockHive::start(ex, "127.0.0.1", 0, ec);
    REQUIRE(hive);
    hive->expect_worker("w");
    std::string big = R"({"worker_id":"w","pad":")" + std::string(2 * 1024 * 1024, 'p') + R"("})";
    auto r = co_await post(ex, hive->port(), "/v1/heartbeat", big);
    REQUIRE_MESSAGE(r, r.error);  // the client could send it all and read the answer
    CHECK(r.response->status == 413);

    const auto& e = hive->log().back();
    CHECK(e.kind == hive::HiveLogEntry::Kind::refused);
    CHECK(hive::is_refusal(e.kind));
    CHECK(e.status == 413);
    CHECK(e.method == "POST");
    CHECK(e.path == "/v1/heartbeat");
    CHECK(e.peer.rfind("127.0.0.1:", 0) == 0);
    CHECK(e.text.find("over the limit of 1048576") != std::string::npos);

    auto refusals = hive->refusals();
    CHECK(refusals.total == 1);
    REQUIRE(refusals.first.size() == 1);
    CHECK(refusals.first[0].first.status == 413);
    auto wait = co_await hive->wait_heartbeats("w", 1, Clock::now() + 50ms);
    CHECK(wait.outcome == hive::HeartbeatWait::Outcome::deadline);
    CHECK(wait.refusals.total == 1);
    CHECK(hive::describe(wait.refusals) ==
          "the hive refused 1 request: 413 " + e.text + " (POST /v1/heartbeat)");
    CHECK(hive->heartbeat_count("w") == 0);
  });
}

TEST_CASE("every kind of refusal counts, and the description groups repeats and names the first kinds") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::error_code ec;
    auto hive = hive::MockHive::start(ex, "127.0.0.1", 0, ec);
    REQUIRE(hive);
    auto port = hive->port();
    CHECK(hive::describe(hive->refusals()).empty());
    co_await post(ex, port, "/v1/heartbeat", "{oops");            // 400 from the heartbeat route
    co_await post(ex, port, "/v1/heartbeat", "{oops again");      // the same kind
    co_await post(ex, port, "/v2/heartbeat", "{}");               // 404
    co_await post(ex, port, "/v1/heartbeat", "", "GET");          // 405
    co_await post(ex, port, "/v1/heartbeat", R"({"worker_id":"w"})");  // accepted: not a refusal
    auto refusals = hive->refusals();
    CHECK(refusals.total == 4);
    REQUIRE(refusals.first.size() == 3);
    CHECK(refusals.first[0].count == 2);
    CHECK(refusals.first[1].first.kind == hive::HiveLogEntry::Kind::unknown_path);
    CHECK(refusals.first[2].first.status == 405);
    auto text = hive::describe(refusals, 2);
    CAPTURE(text);
    CHECK(text.rfind("the hive refused 4 requests: 400 body is not valid JSON", 0) == 0);
    CHECK(text.find("(POST /v1/heartbeat) ×2; 404 no route (POST /v2/heartbeat); 1 more") != std::string::npos);
  });
}

namespace {

hive::HiveLogEntry entry(hive::HiveLogEntry::Kind kind, int second, std::string id, std::size_t number = 0,
                         int status = 200, std::string path = "/v1/heartbeat") {
  return {.kind = kind, .wall = std::chrono::system_clock::time_point(std::chrono::seconds(second)),
          .worker_id = std::move(id), .number = number, .text = "why " + std::to_string(second), .status = status,
          .method = "POST", .path = std::move(path)};
}

}  // namespace

TEST_CASE("the grouped view collapses repeats by kind, id, status and path, in order of first arrival") {
  using K = hive::HiveLogEntry::Kind;
  std::vector<hive::HiveLogEntry> log = {
      {.kind = K::dropped, .wall = std::chrono::system_clock::time_point(std::chrono::seconds(1)), .number = 500},
      entry(K::heartbeat, 10, "w1", 1),
      entry(K::unknown_worker, 11, "bench"),
      entry(K::heartbeat, 12, "w1", 2),
      entry(K::refused, 13, "", 0, 413),
      entry(K::unknown_worker, 14, "bench"),
      entry(K::refused, 15, "", 0, 413),                // same status and path, another reason
      entry(K::refused, 16, "", 0, 413, "/other"),      // another path
      entry(K::unknown_worker, 17, "bench-2"),
      entry(K::heartbeat, 18, "w1", 3),
  };
  auto groups = hive::group_hive_log(log);
  REQUIRE(groups.size() == 6);
  CHECK(groups[0].first.kind == K::dropped);
  CHECK(groups[0].count == 500);
  CHECK(groups[0].first.text == "500 earlier entries not kept");
  CHECK(groups[1].first.worker_id == "w1");
  CHECK(groups[1].count == 3);
  CHECK(groups[1].first.number == 1);
  CHECK(groups[1].last_number == 3);
  CHECK(groups[1].first.wall == std::chrono::system_clock::time_point(std::chrono::seconds(10)));
  CHECK(groups[1].last_wall == std::chrono::system_clock::time_point(std::chrono::seconds(18)));
  CHECK(groups[2].first.kind == K::unknown_worker);
  CHECK(groups[2].count == 2);
  CHECK(groups[3].first.kind == K::refused);
  CHECK(groups[3].count == 2);
  CHECK(groups[3].first.text == "why 13");  // the first reason
  CHECK(groups[4].first.path == "/other");
  CHECK(groups[5].first.worker_id == "bench-2");

  // Bounded: past its groups, an entry of a new group is only counted as dropped.
  hive::HiveLogGrouper two(2);
  for (const auto& e : log) two.add(e);
  CHECK(two.kept().size() == 2);
  CHECK(two.dropped() == 500 + 4);  // two 413s on one path, one on another, bench-2
  CHECK(two.groups().front().first.kind == K::dropped);
}

TEST_CASE("the log stays bounded with a count of what it let go, and the grouped view counts every entry") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::error_code ec;
    auto hive = hive::MockHive::start(ex, "127.0.0.1", 0, ec);
    REQUIRE(hive);
    hive->expect_worker("w");
    const std::size_t sent = hive::MockHive::max_log + 200;
    for (std::size_t i = 0; i < sent; ++i) co_await post(ex, hive->port(), "/v1/heartbeat", R"({"worker_id":"bench"})");
    const auto& log = hive->log();
    CHECK(log.size() == hive::MockHive::max_log);
    CHECK(log.front().kind == hive::HiveLogEntry::Kind::dropped);
    CHECK(log.front().number == 201);  // the marker takes one place too
    CHECK(log.front().text == "201 earlier entries not kept");
    std::vector<hive::HiveLogEntry> copied(log.begin(), log.end());
    auto from_log = hive::group_hive_log(copied);
    REQUIRE(from_log.size() == 2);
    CHECK(from_log[0].count == 201);
    CHECK(from_log[1].count == sent - 201);

    auto exact = hive->grouped_log();
    REQUIRE(exact.size() == 1);
    CHECK(exact[0].first.kind == hive::HiveLogEntry::Kind::unknown_worker);
    CHECK(exact[0].first.worker_id == "bench");
    CHECK(exact[0].count == sent);
    CHECK(hive->unknown_worker_heartbeats() == sent);
  });
}
