// The worker's HTTP endpoints in the dialect it speaks, behind the checks every dialect makes and the request log.
#include "routes.hpp"

#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "dialect_routes.hpp"
#include "refused_inference.hpp"

namespace reference_worker {

using hivetest::http::Request;
using hivetest::http::Response;

namespace {

constexpr std::size_t logged_body_limit = 200;

void log_request(Log& log, const Request& req, const Response& resp) {
  if (resp.stream)
    log("{} {} -> {} (event stream)", req.method, req.target, resp.status);
  else if (resp.status >= 400)
    log("{} {} -> {} {}", req.method, req.target, resp.status, std::string_view(resp.body).substr(0, logged_body_limit));
  else
    log("{} {} -> {}", req.method, req.target, resp.status);
}

// The router's own 405, in the dialect's error shape.
Response reshaped_405(const DialectRoutes& routes, const Request& req, const Response& resp) {
  std::string allow(hivetest::http::find_header(resp.headers, "Allow").value_or(""));
  auto r = routes.error(405, fmt::format("{} is not allowed on {} (allowed: {})", req.method, req.path, allow));
  r.headers.push_back({"Allow", allow});
  return r;
}

asio::awaitable<Response> handle(Worker& w, std::shared_ptr<const DialectRoutes> routes, Request& req) {
  if (w.said_ready && w.opts.faults.has(Fault::exit_after_ready)) {
    w.log("fault exit-after-ready: exiting on {} {}, the first request since saying ready", req.method, req.target);
    std::_Exit(fault_exit_status);
  }
  Response resp;
  std::optional<Response> refused = garbage_while_loading(w, req);
  if (!refused) refused = routes->gate(req);
  if (!refused) refused = refuse_inference(w, *routes, req);
  if (refused) {
    resp = std::move(*refused);
  } else if (req.method == "GET" && req.path == "/health" && w.said_ready &&
             w.opts.faults.has(Fault::unhealthy_after_ready)) {
    w.log("fault unhealthy-after-ready: GET /health says not healthy, the worker having said ready");
    resp = routes->unhealthy;
  } else {
    resp = co_await routes->router(req);
    if (resp.status == 405) resp = reshaped_405(*routes, req, resp);
  }
  for (const auto& h : routes->headers) resp.headers.push_back(h);
  log_request(w.log, req, resp);
  ++w.requests_answered;
  if (!w.loading.loaded()) ++w.requests_while_loading;
  co_return resp;
}

DialectRoutes routes_of(Worker& w) {
  switch (w.opts.dialect) {
    case Dialect::llama_server: return llama_routes(w);
    case Dialect::openai: return openai_routes(w);
    default: return rbee_routes(w);
  }
}

}  // namespace

asio::awaitable<Response> answer(Response r) { co_return r; }

hivetest::http::Handler make_handler(Worker& w) {
  auto routes = std::make_shared<const DialectRoutes>(routes_of(w));
  return [&w, routes](Request& req) { return handle(w, routes, req); };
}

}  // namespace reference_worker

