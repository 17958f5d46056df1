// An async HTTP/1.1 server: acceptor, keep-alive and pipelined connections, a router.
#include "hivetest/http/server.hpp"

#include <algorithm>
#include <array>
#include <exception>
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
    auto reason = fmt::format("no route for {}", req.path);
    if (refused) refused(req, 404, reason);
    co_return Response::error(404, reason);
  }
  auto handler = by_path->second.find(req.method);
  if (handler == by_path->second.end()) {
    std::string allow;
    for (const auto& [method, _] : by_path->second) allow += (allow.empty() ? "" : ", ") + method;
    auto reason = fmt::format("{} is not allowed on {} (allowed: {})", req.method, req.path, allow);
    if (refused) refused(req, 405, reason);
    auto r = Response::error(405, reason);
    r.headers.push_back({"Allow", allow});
    co_return r;
  }
  co_return co_await handler->second(req);
}

namespace {

// Where a connection is in its life: decides its deadline and whether it may be evicted
// (in this order; see Server).
enum class Phase {
  closing,  // an error answer is out; what the client still sends is dropped
  idle,     // no byte of a request yet: just accepted, or keep-alive between requests
  head,     // a request's head is arriving
  body,     // a request's body is arriving
  busy,     // a handler running or an answer being written
};

constexpr std::size_t max_method_kept = 32, max_path_kept = 200;

std::string peer_of(const tcp::socket& s) {
  std::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "";
  return ep.address().is_v6() ? fmt::format("[{}]:{}", ep.address().to_string(), ep.port())
                              : fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

std::string seconds(Clock::duration d) {
  return fmt::format("{:g} s", std::chrono::duration<double>(d).count());
}

// One accepted connection: its socket, its phase and the deadline that closes it.
struct Connection {
  tcp::socket socket;
  asio::steady_timer timer;
  std::string peer;
  Phase phase = Phase::idle;
  Clock::time_point since = Clock::now();  // when the phase began
  Clock::time_point deadline = Clock::time_point::max();
  std::string method, path;  // of the request arriving, as far as it has
  // The body's progress: its bytes so far, and when it last had a window's worth
  // (min_body_rate over body_window) more than the time before.
  std::size_t body_bytes = 0, progress_bytes = 0;
  Clock::time_point progress_at;

  explicit Connection(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()), peer(peer_of(socket)) {}

  void enter(Phase p, Clock::duration timeout) {
    phase = p;
    since = Clock::now();
    expire_in(timeout);
    if (p == Phase::body) {
      body_bytes = progress_bytes = 0;
      progress_at = since;
    }
  }
  void enter_without_deadline(Phase p) {
    phase = p;
    since = Clock::now();
    expire_at(Clock::time_point::max());
  }
  void body_arrived(std::size_t total, std::size_t window_quota) {
    body_bytes = total;
    if (total <= progress_bytes || total - progress_bytes < window_quota) return;
    progress_bytes = total;
    progress_at = Clock::now();
  }
  void note_request(const MessageParser& p) {
    method.assign(p.method(), 0, max_method_kept);
    const std::string& target = p.target();
    path.assign(target, 0, std::min({target.find('?'), target.size(), max_path_kept}));
  }
  Refusal refusal(int status, std::string reason, bool answered) const {
    return {status, std::move(reason), method, path, peer, answered};
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
  Pulse connection_closed;  // wakes an acceptor waiting for room, or for descriptors
  bool stopped = false;
  uint16_t port = 0;

  State(asio::any_io_executor e, Handler h, ServerOptions o)
      : ex(e), acceptor(e), handler(std::move(h)), opts(std::move(o)), connection_closed(e) {}

  void forget(const std::shared_ptr<Connection>& c) {
    connections.remove(c);
    connection_closed.notify();
  }

  // Once stopped, the owner (who may be gone) hears of nothing more.
  void refused(const Refusal& r) const {
    if (opts.on_refusal && !stopped) opts.on_refusal(r);
  }

  std::size_t window_quota() const {
    return static_cast<std::size_t>(opts.min_body_rate * std::chrono::duration<double>(opts.body_window).count());
  }

  // When the connection may give up its place: never while busy; a body once it has
  // had a window to arrive in.
  Clock::time_point evictable_from(const Connection& c) const {
    if (c.phase == Phase::busy) return Clock::time_point::max();
    if (c.phase == Phase::body) return c.since + opts.body_window;
    return Clock::time_point::min();
  }

  // The earliest moment a connection may give up its place (max() when none ever will).
  Clock::time_point next_evictable() const {
    auto t = Clock::time_point::max();
    for (const auto& c : connections) t = std::min(t, evictable_from(*c));
    return t;
  }

  // Closes the connection that can best give up its place now (see the order in
  // server.hpp); false when none can.
  bool evict_one() {
    auto now = Clock::now();
    auto rank = [](const Connection& c) {
      return std::pair(static_cast<int>(c.phase), c.phase == Phase::body ? c.progress_at : c.since);
    };
    std::shared_ptr<Connection> victim;
    for (const auto& c : connections)
      if (evictable_from(*c) <= now && (!victim || rank(*c) < rank(*victim))) victim = c;
    if (!victim) return false;
    if (victim->phase == Phase::head)
      refused(victim->refusal(408, fmt::format("cut to make room for a new connection: request head arriving for {}",
                                               seconds(now - victim->since)), false));
    else if (victim->phase == Phase::body)
      refused(victim->refusal(408, fmt::format("cut to make room for a new connection: {} body bytes in {}",
                                               victim->body_bytes, seconds(now - victim->since)), false));
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

// The handler's answer; one that throws is answered 500, so that the connection still ends.
asio::awaitable<Response> answer(Server::State* st, Request& req) {
  try {
    co_return co_await st->handler(req);
  } catch (const std::exception& e) {
    co_return Response::error(500, fmt::format("the handler failed: {}", e.what()));
  }
}

asio::awaitable<void> serve(std::shared_ptr<Server::State> st, std::shared_ptr<Connection> conn) {
  const ServerOptions* opts = &st->opts;
  MessageParser parser(MessageParser::Kind::request, opts->limits);
  std::string buf;
  std::size_t pos = 0;  // start of the bytes not parsed yet
  std::array<char, 16 * 1024> chunk;
  ChunkWriter out(conn.get(), opts->write_timeout);
  const std::size_t window_quota = st->window_quota();
  conn->enter(Phase::idle, opts->head_timeout);  // a client that connects must start its request in time

  for (;;) {
    // Parse all that has arrived: several pipelined requests may be in it.
    for (;;) {
      std::size_t used = 0;
      auto status = parser.feed(std::string_view(buf).substr(pos), used);
      pos += used;
      conn->note_request(parser);
      if (conn->phase == Phase::body) conn->body_arrived(parser.body().size(), window_quota);
      if (status == ParseStatus::need_more) break;
      if (status == ParseStatus::head_done) {
        conn->enter(Phase::body, opts->body_timeout);
        bool body_follows = parser.chunked() || parser.content_length().value_or(0) > 0;
        if (parser.expects_continue() && body_follows && pos == buf.size())
          if (!co_await out.send("HTTP/1.1 100 Continue\r\n\r\n")) co_return;
        continue;
      }
      if (status == ParseStatus::error) {
        conn->enter_without_deadline(Phase::busy);
        st->refused(conn->refusal(parser.error_status(), parser.error(), true));
        auto r = Response::error(parser.error_status(), parser.error());
        if (co_await out.send(serialize_head(r, false))) co_await linger(conn.get(), opts);
        co_return;
      }
      // message_done
      Request req = parser.take_request();
      parser.next();
      conn->enter_without_deadline(Phase::busy);
      Response resp = co_await answer(st.get(), req);
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

// A request cut at its deadline is a refusal too, though nothing is sent (a client that
// stalls is not one to write to); a connection that never started a request is not.
void tell_deadline(const Server::State& st, const Connection& conn) {
  if (conn.phase == Phase::head)
    st.refused(conn.refusal(408, fmt::format("request head not complete within {}", seconds(st.opts.head_timeout)), false));
  else if (conn.phase == Phase::body)
    st.refused(conn.refusal(408, fmt::format("request body not complete within {} ({} bytes came)",
                                             seconds(st.opts.body_timeout), conn.body_bytes), false));
}

asio::awaitable<void> connection(std::shared_ptr<Server::State> st, std::shared_ptr<Connection> conn) {
  auto ended = co_await (serve(st, conn) || conn->watch());
  if (ended.index() == 1) tell_deadline(*st, *conn);
  conn->close();
  st->forget(conn);
}

bool out_of_descriptors(const std::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == std::errc::too_many_files_open_in_system ||
         ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
}

// Makes room for one more connection: at once when one can give up its place, else
// waiting at most one body window for a body to have had its window or a connection to
// end. False when there is no room.
asio::awaitable<bool> make_room(std::shared_ptr<Server::State> st) {
  auto give_up = Clock::now() + st->opts.body_window;
  asio::steady_timer timer(st->ex);
  for (;;) {
    if (st->stopped) co_return false;
    if (st->connections.size() < st->opts.max_connections || st->evict_one()) co_return true;
    auto next = st->next_evictable();
    if (next > give_up) co_return false;
    timer.expires_at(next);
    co_await (st->connection_closed.wait() || timer.async_wait(asio::use_awaitable));
  }
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
    if (st->connections.size() >= st->opts.max_connections) {
      bool room = co_await make_room(st);
      if (!room) {
        Refusal refusal{.status = 503, .reason = "too many connections", .peer = peer_of(sock)};
        st->refused(refusal);
        std::string bytes = serialize_head(Response::error(refusal.status, refusal.reason), false);
        sock.write_some(asio::buffer(bytes), ec);  // best effort; the socket is new and its buffer empty
        sock.close(ec);
        continue;
      }
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
  auto st = std::make_shared<State>(ex, std::move(handler), std::move(opts));
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
