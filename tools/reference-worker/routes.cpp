// The worker's HTTP endpoints (SPEC.md §2), behind the bearer-token check and the request log.
#include "routes.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>

#include <asio/experimental/awaitable_operators.hpp>
#include <fmt/format.h>

#include "auth.hpp"
#include "event_stream.hpp"
#include "inference_request.hpp"
#include "inference_stream.hpp"

namespace reference_worker {

using namespace asio::experimental::awaitable_operators;
using hivetest::http::BodyWriter;
using hivetest::http::json_escape;
using hivetest::http::Request;
using hivetest::http::Response;
using hivetest::http::Router;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view progress_path = "/v1/loading/progress";
constexpr std::string_view job_stream_prefix = "/v1/inference/";
constexpr std::string_view job_stream_suffix = "/stream";
constexpr int progress_events = 4;  // spread over the load time left when a client asks
constexpr std::size_t logged_body_limit = 200;

Response health(const Worker& w) {
  if (w.opts.faults.has(Fault::health_500)) return Response::error(500, "fault health-500: the backend is broken");
  return Response::json(200, fmt::format(R"({{"status":"healthy","vram_bytes":{}}})", w.loading.vram_bytes()));
}

Response ready(Worker& w) {
  if (w.loading.loaded() && w.opts.faults.has(Fault::ready_false))
    return Response::json(200, R"({"ready":false,"state":"idle","model_loaded":true})");
  if (w.loading.loaded()) {
    w.said_ready = true;
    return Response::json(200, R"({"ready":true,"state":"idle","model_loaded":true})");
  }
  return Response::json(200, fmt::format(R"({{"ready":false,"state":"loading","progress_url":"{}"}})", progress_path));
}

std::string progress_json(const Worker& w) {
  return fmt::format(R"({{"stage":"loading_to_vram","layers_loaded":{},"layers_total":{},"vram_mb":{}}})",
                     w.loading.layers_loaded(), w.loading.layers_total(), w.loading.vram_bytes() >> 20);
}

asio::awaitable<void> progress_stream(Worker& w, BodyWriter& out) {
  for (int events_left = progress_events; !w.loading.loaded(); --events_left) {
    if (!co_await send_event(out, progress_json(w))) co_return;
    if (events_left > 1) {
      auto now = Clock::now();
      auto gap = std::max<Clock::duration>(w.loading.ends_at() - now, Clock::duration::zero()) / events_left;
      if (!co_await wait_until(now + gap, w.shutdown)) co_return;
    } else {
      co_await (w.loading.loaded_event().wait() || w.shutdown.wait());
      if (w.shutdown.is_set()) co_return;
    }
  }
  if (co_await send_event(out, R"({"stage":"ready"})")) co_await send_done(out);
}

Response inference(Worker& w, const Request& req) {
  if (!w.loading.loaded()) return Response::error(503, "model is loading");
  auto parsed = parse_inference_request(req.body);
  if (!parsed.request) return Response::error(400, parsed.error);
  InferenceRequest job = std::move(*parsed.request);
  if (job.job_id.empty()) {
    do job.job_id = fmt::format("job-{}", ++w.jobs_named);
    while (w.jobs.contains(job.job_id));
  }

  if (w.opts.inference_api == InferenceApi::v1) return inference_stream(w, std::move(job));

  if (w.jobs.contains(job.job_id)) return Response::error(409, fmt::format("job {} already exists", job.job_id));
  std::string id = job.job_id;
  if (auto dropped = w.jobs.add(std::move(job)))
    w.log("job {}: dropped, its stream was never fetched and newer jobs need the room", *dropped);
  return Response::json(200, fmt::format(R"({{"job_id":"{}","sse_url":"{}{}{}"}})", json_escape(id),
                                         job_stream_prefix, id, job_stream_suffix));
}

// Job streams have one path per job, which an exact-path router cannot list in advance.
Response job_stream_or_404(Worker& w, const Request& req) {
  std::string_view path = req.path;
  if (path.starts_with(job_stream_prefix) && path.ends_with(job_stream_suffix) &&
      path.size() > job_stream_prefix.size() + job_stream_suffix.size()) {
    std::string_view id = path.substr(job_stream_prefix.size(),
                                      path.size() - job_stream_prefix.size() - job_stream_suffix.size());
    if (id.find('/') == std::string_view::npos) {
      if (req.method != "GET") {
        auto r = Response::error(405, fmt::format("{} is not allowed on {} (allowed: GET)", req.method, req.path));
        r.headers.push_back({"Allow", "GET"});
        return r;
      }
      if (auto job = w.jobs.take(id)) return inference_stream(w, std::move(*job));
      return Response::error(404, fmt::format("no pending job {} (a job's stream can be fetched once)", id));
    }
  }
  return Response::error(404, fmt::format("no route for {}", req.path));
}

void log_request(Log& log, const Request& req, const Response& resp) {
  if (resp.stream)
    log("{} {} -> {} (event stream)", req.method, req.target, resp.status);
  else if (resp.status >= 400)
    log("{} {} -> {} {}", req.method, req.target, resp.status, std::string_view(resp.body).substr(0, logged_body_limit));
  else
    log("{} {} -> {}", req.method, req.target, resp.status);
}

asio::awaitable<Response> handle(Worker& w, const Router& router, Request& req) {
  if (w.said_ready && w.opts.faults.has(Fault::exit_after_ready)) {
    w.log("fault exit-after-ready: exiting on {} {}, the first request since saying ready", req.method, req.target);
    std::_Exit(fault_exit_status);
  }
  Response resp;
  if (!w.opts.local_mode && needs_token(req.path) && !has_bearer_token(req, w.opts.api_token)) {
    resp = Response::error(401, "missing or invalid bearer token");
    resp.headers.push_back({"WWW-Authenticate", "Bearer"});
  } else {
    resp = co_await router(req);
  }
  log_request(w.log, req, resp);
  co_return resp;
}

// Handlers are plain functions returning a ready answer or a stream: the lambdas below
// are no coroutines, so no coroutine frame points into a lambda's captures.
asio::awaitable<Response> answer(Response r) { co_return r; }

}  // namespace

hivetest::http::Handler make_handler(Worker& w) {
  auto router = std::make_shared<Router>();
  router->add("GET", "/health", [&w](Request&) { return answer(health(w)); });
  router->add("GET", "/v1/ready", [&w](Request&) { return answer(ready(w)); });
  router->add("GET", std::string(progress_path), [&w](Request&) {
    return answer(Response::event_stream([&w](BodyWriter& out) { return progress_stream(w, out); }));
  });
  router->add("POST", "/v1/inference", [&w](Request& req) { return answer(inference(w, req)); });
  router->not_found = [&w](const Request& req) { return job_stream_or_404(w, req); };
  return [&w, router](Request& req) { return handle(w, *router, req); };
}

}  // namespace reference_worker
