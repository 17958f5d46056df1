// An async HTTP/1.1 server: acceptor, keep-alive and pipelined connections, a router.
#include "hivetest/http/server.hpp"

#include <array>
#include <list>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
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
using Clock = std::chrono::steady_clock;

Router& Router::add(std::string method, std::string path, Handler h) {
  routes_[std::move(path)][std::move(method)] = std::move(h);
  return *this;
}

asio::awaitable<Response> Router::operator()(Request& req) const {
  auto by_path = routes_.find(req.path);
  if (by_path == routes_.end()) {
    if (not_found) co_return not_found(req);
    co_return Response::error(404, fmt::format("no route for {}", req.path));
  }
  auto handler = by_path->second.find(req.method);
  if (handler == by_path->second.end()) {
    std::string allow;
    for (const auto& [method, _] : by_path->second) allow += (allow.empty() ? "" : ", ") + method;
    auto r = Response::error(405, fmt::format("{} is not allowed on {} (allowed: {})", req.method, req.path, allow));
    r.headers.push_back({"Allow", allow});
    co_return r;
  }
  co_return co_await handler->second(req);
}

struct Server::State {
  asio::any_io_executor ex;
  tcp::acceptor acceptor;
  Handler handler;
  ServerOptions opts;
  std::list<std::shared_ptr<tcp::socket>> sockets;  // open connections, for stop()
  bool stopped = false;
  uint16_t port = 0;

  State(asio::any_io_executor e, Handler h, ServerOptions o)
      : ex(e), acceptor(e), handler(std::move(h)), opts(o) {}
};

namespace {

// Closes the connection when its deadline passes; the deadline moves as the
// connection goes from reading a head, to a body, to writing, to idling.
struct Deadline {
  asio::steady_timer timer;
  Clock::time_point at = Clock::time_point::max();
  explicit Deadline(asio::any_io_executor ex) : timer(ex) {}
  void set(std::chrono::milliseconds d) { at = Clock::now() + d; }
  void clear() { at = Clock::time_point::max(); }

  asio::awaitable<void> watch() {
    while (Clock::now() < at) {
      timer.expires_at(at);
      std::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted) co_return;
    }
  }
};

class ChunkWriter : public BodyWriter {
 public:
  ChunkWriter(tcp::socket& s, Deadline& d, std::chrono::milliseconds t) : sock_(s), deadline_(d), timeout_(t) {}
  asio::awaitable<bool> write(std::string_view chunk) override {
    if (chunk.empty() || failed_) co_return !failed_;
    std::string framed = fmt::format("{:x}\r\n", chunk.size());
    framed.append(chunk);
    framed += "\r\n";
    co_return co_await send(framed);
  }
  asio::awaitable<bool> send(std::string_view bytes) {
    if (failed_) co_return false;
    deadline_.set(timeout_);
    std::error_code ec;
    co_await asio::async_write(sock_, asio::buffer(bytes), asio::redirect_error(asio::use_awaitable, ec));
    deadline_.clear();
    failed_ = bool(ec);
    co_return !failed_;
  }
  bool failed() const { return failed_; }

 private:
  tcp::socket& sock_;
  Deadline& deadline_;
  std::chrono::milliseconds timeout_;
  bool failed_ = false;
};

asio::awaitable<void> serve(std::shared_ptr<Server::State> st, tcp::socket& sock, Deadline& deadline) {
  const auto& opts = st->opts;
  MessageParser parser(MessageParser::Kind::request, opts.limits);
  std::string buf;
  std::size_t pos = 0;  // start of the bytes not parsed yet
  std::array<char, 16 * 1024> chunk;
  ChunkWriter out(sock, deadline, opts.write_timeout);
  deadline.set(opts.head_timeout);

  for (;;) {
    // Parse all that has arrived: several pipelined requests may be in it.
    for (;;) {
      std::size_t used = 0;
      auto status = parser.feed(std::string_view(buf).substr(pos), used);
      pos += used;
      if (status == ParseStatus::need_more) break;
      if (status == ParseStatus::head_done) {
        deadline.set(opts.body_timeout);
        bool body_follows = parser.chunked() || parser.content_length().value_or(0) > 0;
        if (parser.expects_continue() && body_follows && pos == buf.size())
          if (!co_await out.send("HTTP/1.1 100 Continue\r\n\r\n")) co_return;
        continue;
      }
      if (status == ParseStatus::error) {
        auto r = Response::error(parser.error_status(), parser.error());
        co_await out.send(serialize_head(r, false));
        co_return;
      }
      // message_done
      Request req = parser.take_request();
      parser.next();
      deadline.clear();
      Response resp = co_await st->handler(req);
      bool keep_alive = req.keep_alive && !st->stopped;
      if (!co_await out.send(serialize_head(resp, keep_alive))) co_return;
      if (resp.stream) {
        co_await resp.stream(out);
        if (!co_await out.send("0\r\n\r\n")) co_return;
      }
      if (!keep_alive) co_return;
      deadline.set(parser.in_message() || pos < buf.size() ? opts.head_timeout : opts.idle_timeout);
    }
    // Keep only the unparsed tail; a head is bounded by the parser's limits.
    buf.erase(0, pos);
    pos = 0;
    std::error_code ec;
    std::size_t n = co_await sock.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::eof && parser.in_message() && parser.finish() == ParseStatus::error) {
        // The peer half-closed mid-request: nothing to answer.
      }
      co_return;
    }
    if (!parser.in_message() && buf.empty()) deadline.set(opts.head_timeout);
    buf.append(chunk.data(), n);
  }
}

asio::awaitable<void> connection(std::shared_ptr<Server::State> st, std::shared_ptr<tcp::socket> sock) {
  Deadline deadline(st->ex);
  co_await (serve(st, *sock, deadline) || deadline.watch());
  std::error_code ec;
  sock->shutdown(tcp::socket::shutdown_both, ec);
  sock->close(ec);
  st->sockets.remove(sock);
}

asio::awaitable<void> accept_loop(std::shared_ptr<Server::State> st) {
  while (!st->stopped) {
    std::error_code ec;
    tcp::socket sock = co_await st->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || st->stopped) co_return;
      continue;  // e.g. EMFILE: this one is lost, the listener goes on
    }
    if (st->sockets.size() >= st->opts.max_connections) {
      auto r = Response::error(503, "too many connections");
      std::string bytes = serialize_head(r, false);
      sock.write_some(asio::buffer(bytes), ec);  // best effort; the socket is new and its buffer empty
      sock.close(ec);
      continue;
    }
    sock.set_option(tcp::no_delay(true), ec);
    auto shared = std::make_shared<tcp::socket>(std::move(sock));
    st->sockets.push_back(shared);
    asio::co_spawn(st->ex, connection(st, shared), asio::detached);
  }
}

}  // namespace

std::unique_ptr<Server> Server::listen(asio::any_io_executor ex, const std::string& address, uint16_t port,
                                       Handler handler, ServerOptions opts, std::error_code& ec) {
  auto st = std::make_shared<State>(ex, std::move(handler), opts);
  auto addr = asio::ip::make_address(address, ec);
  if (ec) return nullptr;
  tcp::endpoint ep(addr, port);
  st->acceptor.open(ep.protocol(), ec);
  if (ec) return nullptr;
  st->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  st->acceptor.bind(ep, ec);
  if (ec) return nullptr;
  st->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return nullptr;
  st->port = st->acceptor.local_endpoint(ec).port();
  asio::co_spawn(ex, accept_loop(st), asio::detached);
  return std::unique_ptr<Server>(new Server(st));
}

Server::Server(std::shared_ptr<State> s) : s_(std::move(s)) {}
Server::~Server() { stop(); }

uint16_t Server::port() const { return s_->port; }

std::size_t Server::connections() const { return s_->sockets.size(); }

void Server::stop() {
  if (s_->stopped) return;
  s_->stopped = true;
  std::error_code ec;
  s_->acceptor.close(ec);
  for (auto& sock : s_->sockets) sock->close(ec);
}

}  // namespace hivetest::http
