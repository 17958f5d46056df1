// An async HTTP/1.1 server: acceptor, keep-alive and pipelined connections, a router.
#include "hivetest/http/server.hpp"

#include <algorithm>
#include <array>
#include <list>
#include <utility>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

#include "hivetest/util/event.hpp"

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

namespace {

// Where a connection is in its life: decides its deadline and whether it may be evicted.
enum class Phase {
  closing,  // an error answer is out; what the client still sends is dropped
  idle,     // no byte of a request yet: just accepted, or keep-alive between requests
  head,     // a request's head is arriving
  busy,     // a body arriving, a handler running or an answer being written
};

// One accepted connection: its socket, its phase and the deadline that closes it.
struct Connection {
  tcp::socket socket;
  asio::steady_timer timer;
  Phase phase = Phase::idle;
  Clock::time_point since = Clock::now();  // when the phase began
  Clock::time_point deadline = Clock::time_point::max();

  explicit Connection(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}

  void enter(Phase p, Clock::duration timeout) {
    phase = p;
    since = Clock::now();
    expire_in(timeout);
  }
  void enter_without_deadline(Phase p) {
    phase = p;
    since = Clock::now();
    expire_at(Clock::time_point::max());
  }
  void expire_in(Clock::duration timeout) { expire_at(Clock::now() + timeout); }
  void expire_at(Clock::time_point t) {
    deadline = t;
    // A deadline earlier than the one the watcher sleeps on wakes it to sleep less.
    if (t < timer.expiry()) timer.cancel();
  }

  // Completes when the deadline passes (or when the watching coroutine is cancelled).
  asio::awaitable<void> watch() {
    while (Clock::now() < deadline) {
      timer.expires_at(deadline);
      std::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) co_return;
    }
  }

  void close() {
    std::error_code ec;
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }
};

}  // namespace

struct Server::State {
  asio::any_io_executor ex;
  tcp::acceptor acceptor;
  Handler handler;
  ServerOptions opts;
  std::list<std::shared_ptr<Connection>> connections;  // open ones: for the cap, eviction and stop()
  Pulse connection_closed;  // wakes an acceptor that ran out of descriptors
  bool stopped = false;
  uint16_t port = 0;

  State(asio::any_io_executor e, Handler h, ServerOptions o)
      : ex(e), acceptor(e), handler(std::move(h)), opts(o), connection_closed(e) {}

  void forget(const std::shared_ptr<Connection>& c) {
    connections.remove(c);
    connection_closed.notify();
  }

  // Closes the connection that can best give up its place (see the order in server.hpp);
  // false when every connection has a request in hand.
  bool evict_one() {
    auto rank = [](const Connection& c) { return std::pair(static_cast<int>(c.phase), c.since); };
    std::shared_ptr<Connection> victim;
    for (const auto& c : connections)
      if (c->phase != Phase::busy && (!victim || rank(*c) < rank(*victim))) victim = c;
    if (!victim) return false;
    victim->close();
    forget(victim);
    return true;
  }
};

namespace {

class ChunkWriter : public BodyWriter {
 public:
  ChunkWriter(Connection* c, std::chrono::milliseconds t) : conn_(c), timeout_(t) {}
  asio::awaitable<bool> write(std::string_view chunk) override {
    if (chunk.empty() || failed_) co_return !failed_;
    std::string framed = fmt::format("{:x}\r\n", chunk.size());
    framed.append(chunk);
    framed += "\r\n";
    co_return co_await send(framed);
  }
  asio::awaitable<bool> send(std::string_view bytes) {
    if (failed_) co_return false;
    auto before = conn_->deadline;
    conn_->expire_in(timeout_);
    std::error_code ec;
    co_await asio::async_write(conn_->socket, asio::buffer(bytes), asio::redirect_error(asio::use_awaitable, ec));
    conn_->expire_at(before);
    failed_ = bool(ec);
    co_return !failed_;
  }
  bool failed() const { return failed_; }

 private:
  Connection* conn_;
  std::chrono::milliseconds timeout_;
  bool failed_ = false;
};

// After an error answer the client may still be sending (a body we refused): closing
// with unread bytes would reset the connection, and a reset can destroy the answer
// before the client reads it. So stop sending, then read and drop, within bounds.
asio::awaitable<void> linger(Connection* conn, const ServerOptions* opts) {
  std::error_code ec;
  conn->socket.shutdown(tcp::socket::shutdown_send, ec);
  conn->enter(Phase::closing, opts->linger_timeout);
  std::array<char, 4096> sink;
  for (std::size_t left = opts->linger_bytes; left > 0 && !ec;) {
    std::size_t n = co_await conn->socket.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
    left -= std::min(n, left);
  }
}

asio::awaitable<void> serve(std::shared_ptr<Server::State> st, std::shared_ptr<Connection> conn) {
  const ServerOptions* opts = &st->opts;
  MessageParser parser(MessageParser::Kind::request, opts->limits);
  std::string buf;
  std::size_t pos = 0;  // start of the bytes not parsed yet
  std::array<char, 16 * 1024> chunk;
  ChunkWriter out(conn.get(), opts->write_timeout);
  conn->enter(Phase::idle, opts->head_timeout);  // a client that connects must start its request in time

  for (;;) {
    // Parse all that has arrived: several pipelined requests may be in it.
    for (;;) {
      std::size_t used = 0;
      auto status = parser.feed(std::string_view(buf).substr(pos), used);
      pos += used;
      if (status == ParseStatus::need_more) break;
      if (status == ParseStatus::head_done) {
        conn->enter(Phase::busy, opts->body_timeout);
        bool body_follows = parser.chunked() || parser.content_length().value_or(0) > 0;
        if (parser.expects_continue() && body_follows && pos == buf.size())
          if (!co_await out.send("HTTP/1.1 100 Continue\r\n\r\n")) co_return;
        continue;
      }
      if (status == ParseStatus::error) {
        conn->enter_without_deadline(Phase::busy);
        auto r = Response::error(parser.error_status(), parser.error());
        if (co_await out.send(serialize_head(r, false))) co_await linger(conn.get(), opts);
        co_return;
      }
      // message_done
      Request req = parser.take_request();
      parser.next();
      conn->enter_without_deadline(Phase::busy);
      Response resp = co_await st->handler(req);
      bool keep_alive = req.keep_alive && !st->stopped;
      if (!co_await out.send(serialize_head(resp, keep_alive))) co_return;
      if (resp.stream) {
        co_await resp.stream(out);
        if (!co_await out.send("0\r\n\r\n")) co_return;
      }
      if (!keep_alive) co_return;
      if (parser.in_message() || pos < buf.size())
        conn->enter(Phase::head, opts->head_timeout);  // the next pipelined request is already arriving
      else
        conn->enter(Phase::idle, opts->idle_timeout);
    }
    // Keep only the unparsed tail; a head is bounded by the parser's limits.
    buf.erase(0, pos);
    pos = 0;
    std::error_code ec;
    std::size_t n = co_await conn->socket.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;  // closed, reset or evicted: a cut request has no one to answer to
    if (conn->phase == Phase::idle) conn->enter(Phase::head, opts->head_timeout);
    buf.append(chunk.data(), n);
  }
}

asio::awaitable<void> connection(std::shared_ptr<Server::State> st, std::shared_ptr<Connection> conn) {
  co_await (serve(st, conn) || conn->watch());
  conn->close();
  st->forget(conn);
}

bool out_of_descriptors(const std::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == std::errc::too_many_files_open_in_system ||
         ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
}

asio::awaitable<void> accept_loop(std::shared_ptr<Server::State> st) {
  asio::steady_timer retry(st->ex);
  while (!st->stopped) {
    std::error_code ec;
    tcp::socket sock = co_await st->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || st->stopped) co_return;
      // Accepting again at once would fail again at once: make room, or wait until a
      // connection ends (at the latest when a head deadline has passed).
      if (out_of_descriptors(ec) && !st->evict_one()) {
        retry.expires_after(st->opts.head_timeout);
        co_await (st->connection_closed.wait() || retry.async_wait(asio::use_awaitable));
      }
      continue;
    }
    if (st->connections.size() >= st->opts.max_connections && !st->evict_one()) {
      auto r = Response::error(503, "too many connections");
      std::string bytes = serialize_head(r, false);
      sock.write_some(asio::buffer(bytes), ec);  // best effort; the socket is new and its buffer empty
      sock.close(ec);
      continue;
    }
    sock.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_shared<Connection>(std::move(sock));
    st->connections.push_back(conn);
    asio::co_spawn(st->ex, connection(st, conn), asio::detached);
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

std::size_t Server::connections() const { return s_->connections.size(); }

void Server::stop() {
  if (s_->stopped) return;
  s_->stopped = true;
  std::error_code ec;
  s_->acceptor.close(ec);
  for (auto& conn : s_->connections) conn->close();
  s_->connection_closed.notify();
}

}  // namespace hivetest::http
