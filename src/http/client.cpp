// An async HTTP/1.1 client: a request on a kept or a new connection, the response whole or streamed.
#include "hivetest/http/client.hpp"

#include <array>
#include <memory>

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

namespace hivetest::http {

using asio::ip::tcp;

namespace {

std::string serialize_request(const ClientRequest& req, const std::string& host, uint16_t port, bool keep_open) {
  std::string out = fmt::format("{} {} HTTP/1.1\r\nHost: {}:{}\r\n", req.method, req.target, host, port);
  bool has_type = false;
  for (const auto& h : req.headers) {
    out += fmt::format("{}: {}\r\n", h.name, h.value);
    has_type = has_type || iequals(h.name, "content-type");
  }
  if (!req.body.empty() || req.method == "POST" || req.method == "PUT") {
    if (!has_type) out += "Content-Type: application/json\r\n";
    out += fmt::format("Content-Length: {}\r\n", req.body.size());
  }
  if (!keep_open) out += "Connection: close\r\n";
  out += "\r\n";
  out += req.body;
  return out;
}

// The deadline of one request. When it passes, the timer's handler cancels what the
// request waits on (the socket, or the lookup of the server's name), and every later step
// of the request sees it passed. Shared with the handler, which may run after the request.
struct Cutoff {
  Cutoff(asio::any_io_executor ex, std::chrono::steady_clock::time_point at) : timer(std::move(ex), at) {}
  asio::steady_timer timer;
  bool passed = false;
  tcp::socket* socket = nullptr;      // what the request waits on, while it does
  tcp::resolver* resolver = nullptr;

  void pass() {
    passed = true;
    std::error_code ignored;
    if (socket) socket->cancel(ignored);
    if (resolver) resolver->cancel();
  }
};

// While it lives, the cutoff can cancel `sock`.
class Watched {
 public:
  Watched(Cutoff& cutoff, tcp::socket& sock) : cutoff_(cutoff) { cutoff_.socket = &sock; }
  ~Watched() { cutoff_.socket = nullptr; }
  Watched(const Watched&) = delete;
  Watched& operator=(const Watched&) = delete;

 private:
  Cutoff& cutoff_;
};

// A new connection to the server; "" when made, else why not.
asio::awaitable<std::string> connect(tcp::socket& sock, const std::string& host, uint16_t port, Cutoff& cutoff) {
  std::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (!ec) {
    co_await sock.async_connect(tcp::endpoint(addr, port), asio::redirect_error(asio::use_awaitable, ec));
  } else {
    tcp::resolver resolver(sock.get_executor());
    cutoff.resolver = &resolver;
    auto endpoints = co_await resolver.async_resolve(host, std::to_string(port), asio::redirect_error(asio::use_awaitable, ec));
    cutoff.resolver = nullptr;
    if (!ec && cutoff.passed) ec = asio::error::operation_aborted;
    if (!ec) co_await asio::async_connect(sock, endpoints, asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec) co_return fmt::format("cannot connect to {}:{}: {}", host, port, ec.message());
  sock.set_option(tcp::no_delay(true), ec);
  co_return std::string();
}

// What one try on one connection left behind it.
struct Aftermath {
  bool answered = false;  // some byte of an answer came
  bool reusable = false;  // the answer ended cleanly, and the server keeps the connection open
};

// The request written on `sock`, and its answer read. A streamed body's reader may stop
// the reading (it has what it wanted, or closes on purpose); the rest of the answer is then
// read only as far as it is already here, never waited for: a worker that ends its stream
// right after the last event leaves the connection fit for the next request.
asio::awaitable<FetchResult> exchange_on(tcp::socket& sock, const std::string& wire, const ClientRequest& req,
                                         const StreamHandler& stream, Limits limits, Aftermath& after,
                                         const Cutoff& cutoff) {
  FetchResult result;
  std::error_code ec;
  co_await asio::async_write(sock, asio::buffer(wire), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    result.error = fmt::format("sending {} {} failed: {}", req.method, req.target, ec.message());
    co_return result;
  }

  MessageParser parser(MessageParser::Kind::response, limits);
  ClientResponse resp;
  bool stopped = false;  // the body's reader wants no more
  std::chrono::steady_clock::time_point read_at;  // one clock reading per read, not per chunk
  auto sink = [&stream, &stopped, &read_at](std::string_view chunk) {
    if (!stopped && !stream.on_body(chunk, read_at)) stopped = true;
    return true;  // what follows is parsed, not shown to the reader
  };
  int read_after_stop = 0;
  // 64 KiB: a queued stream is taken in few reads (16 KiB cost a third more system time per
  // token, 256 KiB more user time; docs/BENCHMARKS.md), and only what a read fills is touched.
  std::array<char, 64 * 1024> buf;
  bool eof = false;
  for (;;) {
    std::size_t n = 0;
    // A read that completed just as the deadline passed escaped its cancelling: the next
    // one is not started.
    if (cutoff.passed) ec = asio::error::operation_aborted;
    else if (!eof) n = co_await sock.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    after.answered = after.answered || n > 0;
    read_at = std::chrono::steady_clock::now();
    if (ec == asio::error::eof) eof = true;
    else if (ec) {
      result.error = fmt::format("reading the answer to {} {} failed: {}", req.method, req.target, ec.message());
      co_return result;
    }
    std::string_view data(buf.data(), n);
    for (;;) {
      std::size_t used = 0;
      auto status = eof && data.empty() ? parser.finish() : parser.feed(data, used);
      data.remove_prefix(used);
      if (status == ParseStatus::head_done) {
        if (parser.status() >= 100 && parser.status() < 200) continue;  // interim; the real one follows
        resp.status = parser.status();
        resp.headers = parser.headers();
        if (stream.on_head && stream.on_head(resp)) parser.set_body_sink(sink);
        continue;
      }
      if (status == ParseStatus::message_done) {
        if (parser.status() >= 100 && parser.status() < 200) {
          parser.next();
          continue;
        }
        // Bytes after the answer were not asked for: the connection is not used again.
        after.reusable = parser.keep_alive() && !eof && data.empty();
        resp.body = std::move(parser.body());
        result.response = std::move(resp);
        co_return result;
      }
      if (status == ParseStatus::error) {
        result.error = fmt::format("malformed answer to {} {}: {}", req.method, req.target, parser.error());
        co_return result;
      }
      if (eof) {
        result.error = fmt::format("connection closed before the answer to {} {} was complete", req.method, req.target);
        co_return result;
      }
      break;  // need more
    }
    // After the stop, one more read at most, of bytes already here: a worker streaming on
    // (the reader closing on purpose) is not read to its end.
    if (stopped && (read_after_stop++ > 0 || sock.available(ec) == 0 || ec)) {
      result.error = fmt::format("the answer to {} {} was read as far as wanted", req.method, req.target);
      co_return result;
    }
  }
}

asio::awaitable<FetchResult> exchange(Connections& to, const ClientRequest& req, const StreamHandler& stream, Limits limits,
                                      Cutoff& cutoff) {
  if (!is_request_target(req.target)) {  // a worker's URL may hold anything: never a second request
    FetchResult unsendable;
    unsendable.error = "the request target is not a path of visible ASCII";
    co_return unsendable;
  }
  const std::string wire = serialize_request(req, to.host(), to.port(), to.keeps());
  // A kept connection that the server closed just as the request went fails with no
  // answer at all: the request goes once more, on the next kept one or a new one.
  for (;;) {
    auto kept = to.take();
    const bool reused = kept.has_value();
    tcp::socket sock(to.executor());
    if (reused) sock = std::move(*kept);
    const Watched watched(cutoff, sock);
    if (!reused) {
      auto not_connected = co_await connect(sock, to.host(), to.port(), cutoff);
      if (!not_connected.empty()) {
        FetchResult refused;
        refused.error = std::move(not_connected);
        co_return refused;
      }
    }
    Aftermath after;
    auto result = co_await exchange_on(sock, wire, req, stream, limits, after, cutoff);
    if (!result && reused && !after.answered && !cutoff.passed) continue;
    if (after.reusable) to.give_back(std::move(sock));
    co_return result;
  }
}

}  // namespace

asio::awaitable<FetchResult> fetch(Connections& to, const ClientRequest& req, std::chrono::steady_clock::time_point deadline,
                                   const StreamHandler& stream, Limits limits) {
  // A timer's handler, not a race of two coroutines: a request is sent thousands of times
  // in a run of many workers, and the race cost more than the rest of the request.
  auto cutoff = std::make_shared<Cutoff>(to.executor(), deadline);
  cutoff->timer.async_wait([cutoff](std::error_code ec) {
    if (!ec) cutoff->pass();
  });
  auto result = co_await exchange(to, req, stream, limits, *cutoff);
  cutoff->timer.cancel();
  if (result || !cutoff->passed) co_return result;
  FetchResult timed_out;
  timed_out.timed_out = true;
  timed_out.error = fmt::format("no complete answer to {} {} before the deadline", req.method, req.target);
  co_return timed_out;
}

namespace {
const StreamHandler whole_body;  // no streaming: the body is kept in the response
const Limits response_limits{.max_head = 64 * 1024};
}  // namespace

asio::awaitable<FetchResult> fetch(Connections& to, const ClientRequest& req, std::chrono::steady_clock::time_point deadline,
                                   const StreamHandler& stream) {
  return fetch(to, req, deadline, stream, response_limits);
}

asio::awaitable<FetchResult> fetch(Connections& to, const ClientRequest& req, std::chrono::steady_clock::time_point deadline) {
  return fetch(to, req, deadline, whole_body, response_limits);
}

asio::awaitable<FetchResult> fetch(asio::any_io_executor ex, const std::string& host, uint16_t port,
                                   const ClientRequest& req, std::chrono::steady_clock::time_point deadline,
                                   const StreamHandler& stream, Limits limits) {
  Connections once(std::move(ex), host, port, 0);
  co_return co_await fetch(once, req, deadline, stream, limits);
}

asio::awaitable<FetchResult> fetch(asio::any_io_executor ex, const std::string& host, uint16_t port,
                                   const ClientRequest& req, std::chrono::steady_clock::time_point deadline,
                                   const StreamHandler& stream) {
  return fetch(std::move(ex), host, port, req, deadline, stream, response_limits);
}

asio::awaitable<FetchResult> fetch(asio::any_io_executor ex, const std::string& host, uint16_t port,
                                   const ClientRequest& req, std::chrono::steady_clock::time_point deadline) {
  return fetch(std::move(ex), host, port, req, deadline, whole_body, response_limits);
}

}  // namespace hivetest::http
