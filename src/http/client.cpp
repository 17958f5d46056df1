// An async HTTP/1.1 client: one request per connection, the response whole or streamed.
#include "hivetest/http/client.hpp"

#include <array>
#include <variant>

#include <asio/connect.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

namespace hivetest::http {

using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

std::string serialize_request(const ClientRequest& req, const std::string& host, uint16_t port) {
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
  out += "Connection: close\r\n\r\n";
  out += req.body;
  return out;
}

asio::awaitable<FetchResult> exchange(asio::any_io_executor ex, const std::string& host, uint16_t port,
                                      const ClientRequest& req, const StreamHandler& stream, Limits limits) {
  FetchResult result;
  std::error_code ec;
  tcp::socket sock(ex);
  auto addr = asio::ip::make_address(host, ec);
  if (!ec) {
    co_await sock.async_connect(tcp::endpoint(addr, port), asio::redirect_error(asio::use_awaitable, ec));
  } else {
    tcp::resolver resolver(ex);
    auto endpoints = co_await resolver.async_resolve(host, std::to_string(port), asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) co_await asio::async_connect(sock, endpoints, asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec) {
    result.error = fmt::format("cannot connect to {}:{}: {}", host, port, ec.message());
    co_return result;
  }
  sock.set_option(tcp::no_delay(true), ec);
  std::string wire = serialize_request(req, host, port);
  co_await asio::async_write(sock, asio::buffer(wire), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    result.error = fmt::format("sending {} {} failed: {}", req.method, req.target, ec.message());
    co_return result;
  }

  MessageParser parser(MessageParser::Kind::response, limits);
  ClientResponse resp;
  std::array<char, 16 * 1024> buf;
  bool eof = false;
  for (;;) {
    std::size_t n = 0;
    if (!eof) n = co_await sock.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
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
        if (stream.on_head && stream.on_head(resp)) parser.set_body_sink(stream.on_body);
        continue;
      }
      if (status == ParseStatus::message_done) {
        if (parser.status() >= 100 && parser.status() < 200) {
          parser.next();
          continue;
        }
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
  }
}

}  // namespace

asio::awaitable<FetchResult> fetch(asio::any_io_executor ex, const std::string& host, uint16_t port,
                                   const ClientRequest& req, std::chrono::steady_clock::time_point deadline,
                                   const StreamHandler& stream, Limits limits) {
  asio::steady_timer timer(ex, deadline);
  std::string what = fmt::format("{} {}", req.method, req.target);
  auto outcome = co_await (exchange(ex, host, port, req, stream, limits) ||
                           timer.async_wait(asio::use_awaitable));
  if (auto* r = std::get_if<0>(&outcome)) co_return std::move(*r);
  FetchResult timed_out;
  timed_out.timed_out = true;
  timed_out.error = fmt::format("no complete answer to {} before the deadline", what);
  co_return timed_out;
}

namespace {
const StreamHandler whole_body;  // no streaming: the body is kept in the response
const Limits response_limits{.max_head = 64 * 1024};
}  // namespace

asio::awaitable<FetchResult> fetch(asio::any_io_executor ex, const std::string& host, uint16_t port,
                                   const ClientRequest& req, std::chrono::steady_clock::time_point deadline,
                                   const StreamHandler& stream) {
  return fetch(ex, host, port, req, deadline, stream, response_limits);
}

asio::awaitable<FetchResult> fetch(asio::any_io_executor ex, const std::string& host, uint16_t port,
                                   const ClientRequest& req, std::chrono::steady_clock::time_point deadline) {
  return fetch(ex, host, port, req, deadline, whole_body, response_limits);
}

}  // namespace hivetest::http
