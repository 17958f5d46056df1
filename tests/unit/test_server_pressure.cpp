// Tests of the HTTP server under pressure: stalled bodies cut to make room, the slowest
// first, a new connection waiting for that room, every refusal told with its peer, and a
// handler that throws answered 500.
#include <doctest/doctest.h>

#include "run_test.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "hivetest/http/server.hpp"
#include "hivetest/util/event.hpp"

using namespace hivetest;
using namespace std::chrono_literals;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// POST /echo answers its body; GET /hold answers once `release` is set (a request in hand);
// GET /throw throws. Every refusal the server tells of lands in `told`.
std::unique_ptr<http::Server> server(asio::any_io_executor ex, http::ServerOptions opts,
                                     std::vector<http::Refusal>* told, Event* release = nullptr) {
  auto router = std::make_shared<http::Router>();
  router->add("POST", "/echo", [](http::Request& r) -> asio::awaitable<http::Response> {
    co_return http::Response::text(200, "echo " + r.body);
  });
  router->add("GET", "/hold", [release](http::Request&) -> asio::awaitable<http::Response> {
    co_await release->wait();
    co_return http::Response::text(200, "released");
  });
  router->add("GET", "/throw", [](http::Request&) -> asio::awaitable<http::Response> {
    throw std::runtime_error("handler bug");
    co_return http::Response::text(200, "unreachable");
  });
  opts.on_refusal = [told](const http::Refusal& r) { told->push_back(r); };
  std::error_code ec;
  auto s = http::Server::listen(ex, "127.0.0.1", 0, [router](http::Request& r) { return (*router)(r); }, opts, ec);
  REQUIRE(s);
  return s;
}

asio::awaitable<tcp::socket> connect(asio::any_io_executor ex, uint16_t port) {
  tcp::socket s(ex);
  co_await s.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
  co_return s;
}

asio::awaitable<void> send(tcp::socket& s, std::string bytes) {
  co_await asio::async_write(s, asio::buffer(bytes), asio::use_awaitable);
}

std::string local_address(const tcp::socket& s) {
  auto ep = s.local_endpoint();
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

// What the server sends until it closes the connection, which must come within 5 s.
asio::awaitable<std::string> until_closed(tcp::socket& s) {
  std::string got;
  std::array<char, 4096> buf;
  asio::steady_timer guard(s.get_executor(), Clock::now() + 5s);
  bool guard_fired = false;
  guard.async_wait([&](std::error_code ec) {
    if (ec) return;
    guard_fired = true;
    s.close();
  });
  for (;;) {
    std::error_code ec;
    auto n = co_await s.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    got.append(buf.data(), n);
    if (ec) break;
  }
  guard.cancel();
  CHECK_MESSAGE(!guard_fired, "the server did not close the connection within 5 s");
  co_return got;
}

// A POST /echo of 100 body bytes whose head the server has taken (its 100 Continue came),
// and of whose body only one byte is sent: a body that stalls.
asio::awaitable<tcp::socket> stalled_body(asio::any_io_executor ex, uint16_t port, std::size_t length = 100) {
  auto s = co_await connect(ex, port);
  co_await send(s, "POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: " + std::to_string(length) +
                       "\r\n\r\n");
  std::string interim(25, '\0');
  co_await asio::async_read(s, asio::buffer(interim), asio::use_awaitable);
  CHECK(interim == "HTTP/1.1 100 Continue\r\n\r\n");
  co_await send(s, "x");
  co_return s;
}

// A whole request on a new connection: its answer.
asio::awaitable<std::string> echo_on_new_connection(asio::any_io_executor ex, uint16_t port) {
  auto s = co_await connect(ex, port);
  co_await send(s, "POST /echo HTTP/1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
  co_return co_await until_closed(s);
}

}  // namespace

TEST_CASE("at the cap a new connection waits for a stalled body's window, then takes its place") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    http::ServerOptions opts;
    opts.max_connections = 2;
    opts.body_window = 300ms;
    std::vector<http::Refusal> told;
    auto srv = server(ex, opts, &told);
    auto first = co_await stalled_body(ex, srv->port());
    auto first_taken = Clock::now();
    auto second = co_await stalled_body(ex, srv->port());

    auto answer = co_await echo_on_new_connection(ex, srv->port());
    auto waited = Clock::now() - first_taken;
    CHECK_MESSAGE(answer.rfind("HTTP/1.1 200 ", 0) == 0, answer.substr(0, 60));
    CHECK(answer.find("echo hi") != std::string::npos);
    CHECK(waited >= 250ms);  // the first body's window, less what the second's setup took
    CHECK(waited < 3s);
    CHECK((co_await until_closed(first)).empty());  // cut, without an answer
    CHECK(second.is_open());

    REQUIRE(told.size() == 1);
    CHECK(told[0].status == 408);
    CHECK_FALSE(told[0].answered);
    CHECK(told[0].method == "POST");
    CHECK(told[0].path == "/echo");
    CHECK(told[0].peer == local_address(first));
    CHECK(told[0].reason.find("cut to make room for a new connection: 1 body bytes") != std::string::npos);
  });
}

TEST_CASE("a body still arriving keeps its place; the one that stalled is cut first") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    http::ServerOptions opts;
    opts.max_connections = 2;
    opts.body_window = 150ms;
    std::vector<http::Refusal> told;
    auto srv = server(ex, opts, &told);
    auto arriving = co_await stalled_body(ex, srv->port(), 100'000);  // the older of the two
    auto stalled = co_await stalled_body(ex, srv->port());
    auto stalled_taken = Clock::now();
    // Over the minimum rate's worth of a window (64 KiB/s over 150 ms: 9.8 KiB).
    co_await send(arriving, std::string(20'000, 'b'));
    // Both bodies have had their window: both may now give up their place.
    asio::steady_timer window(ex, stalled_taken + opts.body_window + 50ms);
    co_await window.async_wait(asio::use_awaitable);

    auto answer = co_await echo_on_new_connection(ex, srv->port());
    CHECK_MESSAGE(answer.rfind("HTTP/1.1 200 ", 0) == 0, answer.substr(0, 60));
    CHECK((co_await until_closed(stalled)).empty());
    REQUIRE(told.size() == 1);
    CHECK(told[0].peer == local_address(stalled));
    // The older one is still served when its body completes.
    co_await send(arriving, std::string(100'000 - 20'001, 'b'));
    std::string head(17, '\0');
    co_await asio::async_read(arriving, asio::buffer(head), asio::use_awaitable);
    CHECK(head == "HTTP/1.1 200 OK\r\n");
  });
}

TEST_CASE("every refusal and cut is told with the request and the peer") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    http::ServerOptions opts;
    opts.max_connections = 2;
    opts.head_timeout = 150ms;
    opts.body_timeout = 150ms;
    opts.linger_timeout = 200ms;  // the clients here send nothing after an answer
    std::vector<http::Refusal> told;
    Event release(ex);
    auto srv = server(ex, opts, &told, &release);

    struct Case {
      std::string wire;
      int status;
      bool answered;
      const char* method;  // nullptr: whatever the parser made of it
      const char* path;
    };
    const Case cases[] = {
        {"POST /echo?q=1 HTTP/1.1\r\nContent-Length: 5000000\r\n\r\n", 413, true, "POST", "/echo"},
        {"GET /echo HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n", 431, true, "GET", "/echo"},
        {"NOT HTTP AT ALL\r\n\r\n", 400, true, nullptr, nullptr},
        {"POST /echo HTTP/1.1\r\n", 408, false, "POST", "/echo"},                 // a head that stops
        {"POST /echo HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc", 408, false, "POST", "/echo"},  // a body that stops
    };
    for (const auto& c : cases) {
      auto s = co_await connect(ex, srv->port());
      co_await send(s, c.wire);
      auto got = co_await until_closed(s);
      CAPTURE(c.wire.substr(0, 40));
      if (c.answered)
        CHECK_MESSAGE(got.rfind("HTTP/1.1 " + std::to_string(c.status) + " ", 0) == 0, got.substr(0, 60));
      else
        CHECK_MESSAGE(got.empty(), got.substr(0, 60));
      REQUIRE(!told.empty());
      const auto& r = told.back();
      CHECK(r.status == c.status);
      CHECK(r.answered == c.answered);
      if (c.method) CHECK(r.method == c.method);
      if (c.path) CHECK(r.path == c.path);
      CHECK(r.peer == local_address(s));
      CHECK(!r.reason.empty());
    }
    CHECK(told.size() == std::size(cases));

    // Two requests in hand: a third connection has no room, not even after a window.
    auto a = co_await connect(ex, srv->port());
    co_await send(a, "GET /hold HTTP/1.1\r\nConnection: close\r\n\r\n");
    auto b = co_await connect(ex, srv->port());
    co_await send(b, "GET /hold HTTP/1.1\r\nConnection: close\r\n\r\n");
    // Both requests were sent before the probe connects: the server has them in hand by then.
    auto probe = co_await connect(ex, srv->port());
    auto refused = co_await until_closed(probe);
    CHECK_MESSAGE(refused.rfind("HTTP/1.1 503 ", 0) == 0, refused.substr(0, 60));
    CHECK(told.back().status == 503);
    CHECK(told.back().peer == local_address(probe));
    release.set();
    CHECK((co_await until_closed(a)).find("released") != std::string::npos);
  });
}

TEST_CASE("a handler that throws is answered 500, and the connection still ends") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::vector<http::Refusal> told;
    auto srv = server(ex, {}, &told);
    auto s = co_await connect(ex, srv->port());
    co_await send(s, "GET /throw HTTP/1.1\r\nConnection: close\r\n\r\n");
    auto got = co_await until_closed(s);
    CHECK_MESSAGE(got.rfind("HTTP/1.1 500 ", 0) == 0, got.substr(0, 60));
    CHECK(got.find("handler bug") != std::string::npos);
  });
}
