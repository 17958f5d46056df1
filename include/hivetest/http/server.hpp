// An async HTTP/1.1 server: acceptor, keep-alive and pipelined connections, a router.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <system_error>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "hivetest/http/message.hpp"
#include "hivetest/http/parser.hpp"

namespace hivetest::http {

using Handler = std::function<asio::awaitable<Response>(Request&)>;

// A request the HTTP layer refused or cut, as ServerOptions::on_refusal is told of it.
struct Refusal {
  int status = 0;        // 400, 413, 431 or 503 answered; 408 for a connection cut without an answer
  std::string reason;
  std::string method;    // as far as it arrived; empty when nothing did
  std::string path;      // the target without its query, as far as it arrived
  std::string peer;      // address:port
  bool answered = true;  // false: cut at a deadline, or to make room for a new connection
};

// Routes by path, then method: an unknown path is 404, a known path with another
// method is 405 with an Allow header.
class Router {
 public:
  Router& add(std::string method, std::string path, Handler h);
  asio::awaitable<Response> operator()(Request& req) const;
  // Called instead of 404 for paths with no route (e.g. to log them); may be empty.
  std::function<Response(const Request&)> not_found;
  // Told of each 404 (when not_found is empty) and 405 the router answers; may be empty.
  std::function<void(const Request&, int status, const std::string& reason)> refused;

 private:
  std::map<std::string, std::map<std::string, Handler>> routes_;  // path -> method -> handler
};

struct ServerOptions {
  Limits limits;
  // At the cap a new connection takes the place of another (see Server); it is refused
  // with 503 only when no connection can give up its place within one body_window.
  std::size_t max_connections = 256;
  std::chrono::milliseconds head_timeout{10'000};  // first byte of a request to its complete head (and accept to first byte)
  std::chrono::milliseconds body_timeout{30'000};  // head to complete body (hivetest's --hive-body-timeout)
  // Under connection pressure a body that has been arriving for a body_window may be cut
  // to make room, the one that last received min_body_rate's worth of a window longest
  // ago first (a stalled body before one still arriving).
  std::chrono::milliseconds body_window{250};
  std::size_t min_body_rate = 64 * 1024;  // bytes per second
  std::chrono::milliseconds idle_timeout{60'000};  // keep-alive connection with no request
  std::chrono::milliseconds write_timeout{30'000}; // each write of a response
  // After an error answer (400, 413, 431) what the client still sends is read and
  // dropped, up to these bounds, so that closing does not reset the connection and
  // destroy the answer before the client has read it.
  std::chrono::milliseconds linger_timeout{2'000};
  std::size_t linger_bytes = 1024 * 1024;
  // Told of every request refused or cut (a 400, 408, 413, 431 or 503); may be empty.
  std::function<void(const Refusal&)> on_refusal;
};

// Connections past max_connections evict, in this order: one that is closing, the one
// idle longest (a keep-alive connection between requests, or one that never sent a
// byte), the one whose head has been arriving longest (a head normally comes in one
// piece: a slow one is the likeliest attacker), then one whose body has been arriving for
// a body_window, the slowest first. When none can go yet, the new connection waits at
// most one body_window for a body to become evictable or a connection to end. A
// connection whose request is complete (its handler running, its answer being written)
// is never evicted.
class Server {
 public:
  // Binds and listens at once, so that "port in use" is known before anything else
  // starts; port 0 picks a free one. Returns nullptr and sets ec on failure.
  static std::unique_ptr<Server> listen(asio::any_io_executor ex, const std::string& address,
                                        uint16_t port, Handler handler, ServerOptions opts,
                                        std::error_code& ec);
  ~Server();  // stops
  uint16_t port() const;
  std::size_t connections() const;
  void stop();  // closes the acceptor and every connection

  struct State;

 private:
  explicit Server(std::shared_ptr<State> s);
  std::shared_ptr<State> s_;
};

}  // namespace hivetest::http
