// The worker's HTTP server on its port, and cutting every connection at once by opening the port afresh (sse-cut, cancel-kills-others).
#include "listener.hpp"

#include "routes.hpp"
#include "worker.hpp"

namespace reference_worker {

bool Listener::open(Worker& w, std::error_code& ec) {
  hivetest::http::ServerOptions options;
  options.max_connections = 64;  // a test worker; more clients than this are a bug in the test
  server_ = hivetest::http::Server::listen(w.ex, w.opts.host, w.opts.port, make_handler(w), options, ec);
  if (server_) w.opts.port = server_->port();  // --port 0 picked one; heartbeats report the real one
  return is_open();
}

void Listener::cut_every_connection(Worker& w) {
  if (!server_) return;
  const auto connections = server_->connections();
  // The old server's connections keep what they need until their coroutines end: it
  // can go while the answer that asked for the cut is still running.
  server_.reset();
  std::error_code ec;
  if (open(w, ec))
    w.log("cut {} connection(s) at once, without the ends of their answers, and listening on {}:{} again", connections,
          w.opts.host, w.opts.port);
  else
    w.log("cut {} connection(s), but cannot listen on {}:{} again: {}", connections, w.opts.host, w.opts.port,
          ec.message());
}

void Listener::close() { server_.reset(); }

}  // namespace reference_worker
