// An async HTTP/1.1 client: a request on a kept or a new connection, the response whole or streamed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "hivetest/http/connections.hpp"
#include "hivetest/http/message.hpp"
#include "hivetest/http/parser.hpp"

namespace hivetest::http {

struct ClientRequest {
  std::string method = "GET";
  std::string target = "/";
  Headers headers;
  std::string body;  // sent with Content-Length when not empty or when the method is POST
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;  // empty when the body was streamed
  std::optional<std::string_view> header(std::string_view name) const { return find_header(headers, name); }
};

struct FetchResult {
  std::optional<ClientResponse> response;  // set when a whole response arrived
  std::string error;                       // otherwise why not: refused, timed out, malformed
  bool timed_out = false;
  explicit operator bool() const { return response.has_value(); }
};

// Decides, once the head has arrived, whether the body is streamed to on_body (true)
// or stored in the response (false). on_body returning false stops reading. `read_at`
// is when the chunk's bytes were read: every chunk of one read has the same.
struct StreamHandler {
  std::function<bool(const ClientResponse& head)> on_head;
  std::function<bool(std::string_view chunk, std::chrono::steady_clock::time_point read_at)> on_body;
};

// Sends one request and reads the response (Content-Length, chunked, or until close),
// giving up at the deadline: on a connection of `to` (kept open after a clean answer), or,
// given host and port, on a connection of its own. The arguments must outlive the
// co_await (they do when it is awaited in the same expression). g++ 12 destroys braced
// temporaries in a co_await expression twice: pass named objects or function results,
// never `{}`, which is why there are overloads and no default arguments.
asio::awaitable<FetchResult> fetch(Connections& to, const ClientRequest& req, std::chrono::steady_clock::time_point deadline,
                                   const StreamHandler& stream, Limits limits);
asio::awaitable<FetchResult> fetch(Connections& to, const ClientRequest& req, std::chrono::steady_clock::time_point deadline,
                                   const StreamHandler& stream);
asio::awaitable<FetchResult> fetch(Connections& to, const ClientRequest& req, std::chrono::steady_clock::time_point deadline);
asio::awaitable<FetchResult> fetch(asio::any_io_executor ex, const std::string& host, uint16_t port,
                                   const ClientRequest& req, std::chrono::steady_clock::time_point deadline,
                                   const StreamHandler& stream, Limits limits);
asio::awaitable<FetchResult> fetch(asio::any_io_executor ex, const std::string& host, uint16_t port,
                                   const ClientRequest& req, std::chrono::steady_clock::time_point deadline,
                                   const StreamHandler& stream);
asio::awaitable<FetchResult> fetch(asio::any_io_executor ex, const std::string& host, uint16_t port,
                                   const ClientRequest& req, std::chrono::steady_clock::time_point deadline);

}  // namespace hivetest::http
