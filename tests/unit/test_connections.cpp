// Tests of the client's kept connections: reused after a clean answer, never after one the
// server ends or spoils, a request sent once more when a kept connection was closed under it.
#include <doctest/doctest.h>

#include "run_test.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "hivetest/http/client.hpp"
#include "hivetest/http/connections.hpp"
#include "hivetest/util/event.hpp"
#include "hivetest/util/first_of.hpp"

using namespace hivetest;
using namespace std::chrono_literals;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// A server that answers every request head with `answer`, and counts the connections it
// accepted and the heads it read. Each connection's first `answered_per_connection`
// requests are answered; at the next one it closes without a word.
struct ScriptedServer {
  explicit ScriptedServer(asio::any_io_executor ex) : acceptor(ex, {asio::ip::make_address("127.0.0.1"), 0}) {}
  uint16_t port() const { return acceptor.local_endpoint().port(); }

  tcp::acceptor acceptor;
  std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  bool close_after_answer = false;
  int answered_per_connection = 1000;
  int accepted = 0;
  std::vector<std::string> heads;
};

asio::awaitable<void> answer_each(tcp::socket sock, ScriptedServer* s) {
  std::string buf;
  for (int answered = 0;; ++answered) {
    std::error_code ec;
    auto n = co_await asio::async_read_until(sock, asio::dynamic_buffer(buf), "\r\n\r\n",
                                             asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    s->heads.push_back(buf.substr(0, n));
    buf.erase(0, n);
    if (answered >= s->answered_per_connection) co_return;  // closed without an answer
    co_await asio::async_write(sock, asio::buffer(s->answer), asio::redirect_error(asio::use_awaitable, ec));
    if (ec || s->close_after_answer) co_return;
  }
}

asio::awaitable<void> serve(ScriptedServer* s) {
  for (;;) {
    std::error_code ec;
    auto sock = co_await s->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    ++s->accepted;
    asio::co_spawn(s->acceptor.get_executor(), answer_each(std::move(sock), s), asio::detached);
  }
}

// `count` GETs of / through `to`, each of which must succeed.
asio::awaitable<void> get_times(http::Connections& to, int count) {
  http::ClientRequest root;
  for (int i = 0; i < count; ++i) {
    auto r = co_await http::fetch(to, root, Clock::now() + 5s);
    REQUIRE_MESSAGE(r, r.error);
    CHECK(r.response->body == "ok");
  }
}

}  // namespace

TEST_CASE("requests after a clean answer go on the kept connection") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    ScriptedServer server(ex);
    asio::co_spawn(ex, serve(&server), asio::detached);
    http::Connections to(ex, "127.0.0.1", server.port(), 1);
    co_await get_times(to, 3);
    CHECK(server.accepted == 1);  // one connection kept would fail this if every answer closed it
    REQUIRE(server.heads.size() == 3);
    CHECK(server.heads[0].find("Connection: close") == std::string::npos);
    server.acceptor.close();
  });
}

TEST_CASE("with nothing to keep, each request asks the server to close") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    ScriptedServer server(ex);
    asio::co_spawn(ex, serve(&server), asio::detached);
    http::Connections once(ex, "127.0.0.1", server.port(), 0);
    co_await get_times(once, 2);
    CHECK(server.accepted == 2);
    REQUIRE(server.heads.size() == 2);
    CHECK(server.heads[1].find("Connection: close\r\n") != std::string::npos);
    server.acceptor.close();
  });
}

// After each of these answers the connection is not used again: every request opens its
// own, and every request is read exactly once (none written to a connection the server
// has closed, and lost).
TEST_CASE("an answer that spoils its connection is not followed by another request on it") {
  struct Spoiler {
    std::string what;
    std::string answer;  // "" for the server's usual one
    bool close_after_answer;
  };
  const Spoiler spoilers[] = {
      // The server says close but keeps reading: a client that kept the connection would
      // be answered on it, and only one connection would be accepted.
      {"Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", false},
      {"bytes after the answer", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n", false},
      {"keep-alive said, then closed", "", true},
  };
  for (const Spoiler& spoiler : spoilers) {
    CAPTURE(spoiler.what);
    run_test([&spoiler](asio::any_io_executor ex) -> asio::awaitable<void> {
      ScriptedServer server(ex);
      if (!spoiler.answer.empty()) server.answer = spoiler.answer;
      server.close_after_answer = spoiler.close_after_answer;
      asio::co_spawn(ex, serve(&server), asio::detached);
      http::Connections to(ex, "127.0.0.1", server.port(), 1);
      co_await get_times(to, 3);
      CHECK(server.accepted == 3);
      CHECK(server.heads.size() == 3);
      server.acceptor.close();
    });
  }
}

TEST_CASE("a request that gets no answer on a kept connection goes once more on a new one") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    ScriptedServer server(ex);
    // Open when the client looks, closed once the request is read: the race a kept
    // connection can always lose.
    server.answered_per_connection = 1;
    asio::co_spawn(ex, serve(&server), asio::detached);
    http::Connections to(ex, "127.0.0.1", server.port(), 1);
    co_await get_times(to, 2);
    CHECK(server.accepted == 2);
    CHECK(server.heads.size() == 3);  // the second request: read and dropped, then sent again
    server.acceptor.close();
  });
}

TEST_CASE("a stream read to its end marker keeps its connection when its end is already there") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    ScriptedServer server(ex);
    server.answer =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        "9\r\ndata: 1\n\n\r\n"
        "e\r\ndata: [DONE]\n\n\r\n"
        "0\r\n\r\n";
    asio::co_spawn(ex, serve(&server), asio::detached);
    http::Connections to(ex, "127.0.0.1", server.port(), 1);
    std::string seen;
    http::StreamHandler until_done{[](const http::ClientResponse&) { return true; },
                                   [&seen](std::string_view chunk, auto) {
                                     seen += chunk;
                                     return seen.find("[DONE]") == std::string::npos;
                                   }};
    http::ClientRequest root;
    for (int i = 0; i < 2; ++i) {
      seen.clear();
      co_await http::fetch(to, root, Clock::now() + 5s, until_done);
      CHECK(seen.find("data: [DONE]") != std::string::npos);
    }
    CHECK(server.accepted == 1);
    server.acceptor.close();
  });
}

TEST_CASE("a stream its reader stops is closed, not read to its end") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    tcp::acceptor acceptor(ex, {asio::ip::make_address("127.0.0.1"), 0});
    Event server_saw_close(ex);
    // Streams chunks until the client has gone.
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          auto sock = co_await acceptor.async_accept(asio::use_awaitable);
          std::string head;
          co_await asio::async_read_until(sock, asio::dynamic_buffer(head), "\r\n\r\n", asio::use_awaitable);
          std::string out = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
          std::error_code ec;
          while (!ec) {
            out += "9\r\ndata: x\n\n\r\n";
            co_await asio::async_write(sock, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
            out.clear();
          }
          server_saw_close.set();
        },
        asio::detached);
    http::Connections to(ex, "127.0.0.1", acceptor.local_endpoint().port(), 1);
    int chunks = 0;
    http::StreamHandler first_only{[](const http::ClientResponse&) { return true; },
                                   [&chunks](std::string_view, auto) { return ++chunks < 1; }};
    http::ClientRequest root;
    auto r = co_await http::fetch(to, root, Clock::now() + 5s, first_only);
    CHECK_FALSE(r.timed_out);  // a client reading on would only stop at the deadline
    CHECK(r.error.find("read as far as wanted") != std::string::npos);
    // The server's next writes fail once the connection is gone.
    asio::steady_timer deadline(ex, Clock::now() + 5s);
    std::error_code ignored;
    co_await first_of(server_saw_close.wait(), deadline.async_wait(asio::redirect_error(asio::use_awaitable, ignored)));
    CHECK(server_saw_close.is_set());
  });
}

TEST_CASE("a target that could end the request line is never sent") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    ScriptedServer server(ex);
    asio::co_spawn(ex, serve(&server), asio::detached);
    http::Connections to(ex, "127.0.0.1", server.port(), 1);
    http::ClientRequest smuggling;
    smuggling.target = "/stream HTTP/1.1\r\nHost: x\r\n\r\nGET /other";
    auto r = co_await http::fetch(to, smuggling, Clock::now() + 5s);
    CHECK_FALSE(r);
    CHECK(r.error == "the request target is not a path of visible ASCII");
    co_await get_times(to, 1);  // the server saw only this one
    CHECK(server.heads.size() == 1);
    server.acceptor.close();
  });
}
