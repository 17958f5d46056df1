// Tests of the HTTP server and client over loopback: keep-alive, pipelining, chunked
// bodies, 100-continue, limits, deadlines, the connection cap with eviction and streamed answers.
#include <doctest/doctest.h>

#include "run_test.hpp"

#include <algorithm>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "hivetest/http/client.hpp"
#include "hivetest/http/server.hpp"
#include "hivetest/util/event.hpp"

using namespace hivetest;
using namespace std::chrono_literals;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {


// Echoes the method, path and body; streams three chunks on /stream.
std::unique_ptr<http::Server> echo_server(asio::any_io_executor ex, http::ServerOptions opts = {}) {
  auto router = std::make_shared<http::Router>();
  router->add("POST", "/echo", [](http::Request& r) -> asio::awaitable<http::Response> {
    co_return http::Response::text(200, r.method + " " + r.target + " " + r.body);
  });
  router->add("GET", "/stream", [ex](http::Request&) -> asio::awaitable<http::Response> {
    co_return http::Response::event_stream([ex](http::BodyWriter& w) -> asio::awaitable<void> {
      for (int i = 0; i < 3; ++i) co_await w.write("data: " + std::to_string(i) + "\n\n");
    });
  });
  std::error_code ec;
  auto server = http::Server::listen(ex, "127.0.0.1", 0, [router](http::Request& r) { return (*router)(r); }, opts, ec);
  REQUIRE(server);
  return server;
}

// What read_all got, and whether the peer closed the connection (EOF) rather than our
// 5 s guard or the count of answers ending the read.
struct Read {
  std::string text;
  bool closed = false;
};

// Reads from a raw socket until `want` responses (by counting status lines) have come or the peer closes.
asio::awaitable<Read> read_all(tcp::socket& s, std::size_t want_statuses = 1000) {
  Read got;
  std::array<char, 4096> buf;
  asio::steady_timer guard(s.get_executor(), Clock::now() + 5s);
  guard.async_wait([&](std::error_code ec) { if (!ec) s.close(); });
  for (;;) {
    std::error_code ec;
    auto n = co_await s.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    got.text.append(buf.data(), n);
    if (ec) {
      got.closed = ec == asio::error::eof;  // the guard's close gives operation_aborted
      break;
    }
    const std::string& out = got.text;
    std::size_t statuses = 0;
    for (auto p = out.find("HTTP/1.1 2"); p != std::string::npos; p = out.find("HTTP/1.1 2", p + 1)) ++statuses;
    if (statuses >= want_statuses && out.size() >= 4 && out.substr(out.size() - 4) != "\r\n\r\n") {
      // the last body has arrived: bodies here never end with a blank line
      break;
    }
  }
  guard.cancel();
  co_return got;
}

asio::awaitable<tcp::socket> connect(asio::any_io_executor ex, uint16_t port) {
  tcp::socket s(ex);
  co_await s.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
  co_return s;
}

// Starts a 4-byte POST /echo with `Expect: 100-continue` and reads the interim answer.
asio::awaitable<tcp::socket> awaiting_body(asio::any_io_executor ex, uint16_t port) {
  auto s = co_await connect(ex, port);
  std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n";
  co_await asio::async_write(s, asio::buffer(head), asio::use_awaitable);
  std::string interim(25, '\0');
  co_await asio::async_read(s, asio::buffer(interim), asio::use_awaitable);
  CHECK(interim == "HTTP/1.1 100 Continue\r\n\r\n");
  co_return s;
}

// Reads until the server closes the connection, which it must do without an answer and
// before read_all's guard; returns how long that took.
asio::awaitable<Clock::duration> cut_without_answer(tcp::socket& s) {
  auto t0 = Clock::now();
  auto got = co_await read_all(s);
  CHECK_MESSAGE(got.closed, "the server did not close the connection");
  CHECK_MESSAGE(got.text.empty(), got.text.substr(0, 60));
  co_return Clock::now() - t0;
}

}  // namespace

TEST_CASE("pipelined requests in one write are answered in order") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto server = echo_server(ex);
    auto s = co_await connect(ex, server->port());
    std::string wire;
    for (int i = 0; i < 100; ++i) {
      std::string body = "n" + std::to_string(i);
      wire += "POST /echo?i=" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body;
    }
    co_await asio::async_write(s, asio::buffer(wire), asio::use_awaitable);
    auto out = (co_await read_all(s, 100)).text;
    std::size_t pos = 0;
    for (int i = 0; i < 100; ++i) {
      auto expect = "POST /echo?i=" + std::to_string(i) + " n" + std::to_string(i);
      auto at = out.find(expect, pos);
      REQUIRE_MESSAGE(at != std::string::npos, "answer " << i << " missing or out of order");
      pos = at;
    }
  });
}

TEST_CASE("chunked request bodies are joined, and keep-alive serves the next request") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto server = echo_server(ex);
    auto s = co_await connect(ex, server->port());
    std::string wire =
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\nz";
    co_await asio::async_write(s, asio::buffer(wire), asio::use_awaitable);
    auto out = (co_await read_all(s)).text;
    CHECK(out.find("POST /echo abcde") != std::string::npos);
    CHECK(out.find("POST /echo z") != std::string::npos);
    CHECK(out.find("Connection: close") != std::string::npos);
  });
}

TEST_CASE("Expect: 100-continue gets the interim answer before the body is sent") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto server = echo_server(ex);
    auto s = co_await awaiting_body(ex, server->port());
    co_await asio::async_write(s, asio::buffer(std::string("body")), asio::use_awaitable);
    auto out = (co_await read_all(s, 1)).text;
    CHECK(out.find("POST /echo body") != std::string::npos);
  });
}

TEST_CASE("limits: 431 for a big head, 413 for a big body, 400 for garbage, each then closed") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto server = echo_server(ex);
    struct Case { std::string wire; const char* status; };
    Case cases[] = {
        {"GET /echo HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n", "HTTP/1.1 431 "},
        {"POST /echo HTTP/1.1\r\nContent-Length: 5000000\r\n\r\n", "HTTP/1.1 413 "},
        {"NOT HTTP AT ALL\r\n\r\n", "HTTP/1.1 400 "},
    };
    for (auto& c : cases) {
      auto s = co_await connect(ex, server->port());
      co_await asio::async_write(s, asio::buffer(c.wire), asio::use_awaitable);
      auto got = co_await read_all(s);
      CHECK_MESSAGE(got.text.rfind(c.status, 0) == 0, got.text.substr(0, 60));
      CHECK(got.text.find("Connection: close") != std::string::npos);
      CHECK(got.closed);
    }
  });
}

TEST_CASE("unknown paths are 404, other methods 405") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto server = echo_server(ex);
    http::ClientRequest get_echo;
    get_echo.target = "/echo";
    auto r = co_await http::fetch(ex, "127.0.0.1", server->port(), get_echo, Clock::now() + 5s);
    REQUIRE(r);
    CHECK(r.response->status == 405);
    CHECK(r.response->header("Allow") == std::optional<std::string_view>("POST"));
    http::ClientRequest other;
    other.target = "/nothing";
    r = co_await http::fetch(ex, "127.0.0.1", server->port(), other, Clock::now() + 5s);
    CHECK(r.response->status == 404);
  });
}

TEST_CASE("a request that stalls is cut at its deadline: in its head, or in a body after 100 Continue") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    http::ServerOptions opts;
    opts.head_timeout = 150ms;
    opts.body_timeout = 150ms;
    auto server = echo_server(ex, opts);

    auto slow_head = co_await connect(ex, server->port());
    co_await asio::async_write(slow_head, asio::buffer(std::string("POST /echo HTTP/1.1\r\n")), asio::use_awaitable);
    auto took = co_await cut_without_answer(slow_head);
    CHECK(took >= 100ms);
    CHECK(took < 4s);

    // The body deadline must survive the interim answer.
    auto no_body = co_await awaiting_body(ex, server->port());
    CHECK(co_await cut_without_answer(no_body) < 2s);
  });
}

namespace {

// Opens a connection and has one request on it answered, so that the server has taken it.
asio::awaitable<tcp::socket> answered_connection(asio::any_io_executor ex, uint16_t port) {
  auto s = co_await connect(ex, port);
  std::string req = "POST /echo HTTP/1.1\r\nContent-Length: 1\r\n\r\nx";
  co_await asio::async_write(s, asio::buffer(req), asio::use_awaitable);
  // The whole answer (it ends with the echoed body), so that the next read sees only what follows.
  std::string answer;
  co_await asio::async_read_until(s, asio::dynamic_buffer(answer), "POST /echo x", asio::use_awaitable);
  CHECK(answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  co_return s;
}

// An echo server plus /hold, answered only once `release` is set: a request kept in hand.
std::unique_ptr<http::Server> holding_server(asio::any_io_executor ex, http::ServerOptions opts, Event* release) {
  auto router = std::make_shared<http::Router>();
  router->add("POST", "/echo", [](http::Request& r) -> asio::awaitable<http::Response> {
    co_return http::Response::text(200, r.method + " " + r.target + " " + r.body);
  });
  router->add("GET", "/hold", [release](http::Request&) -> asio::awaitable<http::Response> {
    co_await release->wait();
    co_return http::Response::text(200, "released");
  });
  std::error_code ec;
  auto server = http::Server::listen(ex, "127.0.0.1", 0, [router](http::Request& r) { return (*router)(r); }, opts, ec);
  REQUIRE(server);
  return server;
}

asio::awaitable<void> send_hold(tcp::socket& s) {
  std::string req = "GET /hold HTTP/1.1\r\n\r\n";
  co_await asio::async_write(s, asio::buffer(req), asio::use_awaitable);
}

}  // namespace

TEST_CASE("at the cap a new connection evicts the one idle longest, and is served") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    http::ServerOptions opts;
    opts.max_connections = 2;
    auto server = echo_server(ex, opts);
    auto a = co_await answered_connection(ex, server->port());
    auto b = co_await connect(ex, server->port());  // never sends a byte: idle since it was accepted
    auto c = co_await answered_connection(ex, server->port());  // takes a's place: a was idle longer
    CHECK(server->connections() == 2);
    co_await cut_without_answer(a);
    auto d = co_await answered_connection(ex, server->port());  // takes b's place
    co_await cut_without_answer(b);
    // c is still there and keeps its keep-alive connection.
    std::string req = "POST /echo HTTP/1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nc2";
    co_await asio::async_write(c, asio::buffer(req), asio::use_awaitable);
    CHECK((co_await read_all(c)).text.find("POST /echo c2") != std::string::npos);
  });
}

TEST_CASE("a slow head is evicted when no connection is idle; one with a request in hand never is") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    http::ServerOptions opts;
    opts.max_connections = 2;
    Event release(ex);
    auto server = holding_server(ex, opts, &release);
    auto slow = co_await connect(ex, server->port());
    std::string part = "POST /echo HTTP/1.1\r\n";
    co_await asio::async_write(slow, asio::buffer(part), asio::use_awaitable);
    auto held = co_await connect(ex, server->port());
    co_await send_hold(held);
    // A request on a new connection reaches the server only after the two before it were taken.
    auto c = co_await answered_connection(ex, server->port());
    co_await cut_without_answer(slow);
    co_await send_hold(c);
    auto refused = co_await connect(ex, server->port());
    CHECK((co_await read_all(refused)).text.rfind("HTTP/1.1 503 ", 0) == 0);
    release.set();
    CHECK((co_await read_all(held, 1)).text.find("released") != std::string::npos);
    CHECK((co_await read_all(c, 1)).text.find("released") != std::string::npos);
  });
}

TEST_CASE("a keep-alive connection that starts its next request too slowly is cut at the head deadline") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    http::ServerOptions opts;
    opts.head_timeout = 150ms;
    opts.idle_timeout = 60s;
    auto server = echo_server(ex, opts);
    auto kept = co_await answered_connection(ex, server->port());
    // Once a later connection has been cut at its head deadline, the server's clock for
    // `kept` has passed its own first deadline and now runs on the long idle one.
    auto other = co_await connect(ex, server->port());
    co_await cut_without_answer(other);
    std::string first_byte = "P";
    co_await asio::async_write(kept, asio::buffer(first_byte), asio::use_awaitable);
    CHECK(co_await cut_without_answer(kept) < 2s);
  });
}


TEST_CASE("after an error answer the server reads what the client still sends, then closes cleanly") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto server = echo_server(ex);
    auto s = co_await connect(ex, server->port());
    // The body is refused at the head, but a client that sends it anyway (as most do
    // without 100-continue) must be able to finish sending and then read the answer,
    // not be reset mid-send.
    std::string body_part(100 * 1024, 'b');
    std::string wire = "POST /echo HTTP/1.1\r\nContent-Length: 5000000\r\n\r\n" + body_part;
    co_await asio::async_write(s, asio::buffer(wire), asio::use_awaitable);
    std::string answer;
    co_await asio::async_read_until(s, asio::dynamic_buffer(answer), "}", asio::use_awaitable);
    CHECK_MESSAGE(answer.rfind("HTTP/1.1 413 ", 0) == 0, answer.substr(0, 60));
    CHECK(answer.find("over the limit") != std::string::npos);
    std::error_code ec;
    co_await asio::async_write(s, asio::buffer(body_part), asio::redirect_error(asio::use_awaitable, ec));
    CHECK_MESSAGE(!ec, ec.message());
    s.shutdown(tcp::socket::shutdown_send, ec);
    std::array<char, 64> rest;
    co_await s.async_read_some(asio::buffer(rest), asio::redirect_error(asio::use_awaitable, ec));
    CHECK_MESSAGE(ec == asio::error::eof, ec.message());
  });
}

TEST_CASE("the client reads a streamed chunked answer piece by piece") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto server = echo_server(ex);
    std::string streamed;
    std::vector<Clock::time_point> read_at;  // when each chunk was read, as the client says
    http::StreamHandler handler{[](const http::ClientResponse& head) { return head.status == 200; },
                                [&](std::string_view chunk, Clock::time_point at) {
                                  streamed += chunk;
                                  read_at.push_back(at);
                                  return true;
                                }};
    http::ClientRequest req;
    req.target = "/stream";
    const auto asked = Clock::now();
    auto r = co_await http::fetch(ex, "127.0.0.1", server->port(), req, Clock::now() + 5s, handler);
    const auto answered = Clock::now();
    REQUIRE(r);
    REQUIRE(read_at.size() >= 1);
    CHECK(read_at.front() >= asked);
    CHECK(std::is_sorted(read_at.begin(), read_at.end()));
    CHECK(read_at.back() <= answered);
    CHECK(r.response->header("content-type") == std::optional<std::string_view>("text/event-stream"));
    CHECK(streamed == "data: 0\n\ndata: 1\n\ndata: 2\n\n");
    CHECK(r.response->body.empty());
  });
}

TEST_CASE("the client reports a refused connection and a deadline") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    uint16_t closed_port;
    {
      auto server = echo_server(ex);
      closed_port = server->port();
    }
    http::ClientRequest root;
    auto r = co_await http::fetch(ex, "127.0.0.1", closed_port, root, Clock::now() + 5s);
    CHECK_FALSE(r);
    CHECK(r.error.find("cannot connect") != std::string::npos);

    // A listener that never answers.
    tcp::acceptor silent(ex, {asio::ip::make_address("127.0.0.1"), 0});
    auto t0 = Clock::now();
    r = co_await http::fetch(ex, "127.0.0.1", silent.local_endpoint().port(), root, Clock::now() + 200ms);
    CHECK_FALSE(r);
    CHECK(r.timed_out);
    CHECK(Clock::now() - t0 >= 150ms);
  });
}
