// The rbee dialects' endpoints (docs/PROFILES.md): rbee-v1 and rbee-v2 on /v1/inference, rbee (v3) on /v1/jobs.
#include <algorithm>
#include <memory>

#include <asio/experimental/awaitable_operators.hpp>
#include <fmt/format.h>

#include "answer.hpp"
#include "auth.hpp"
#include "bad_request.hpp"
#include "dialect_routes.hpp"
#include "event_stream.hpp"
#include "ids.hpp"
#include "inference_request.hpp"
#include "rbee_events.hpp"

namespace reference_worker {

using namespace asio::experimental::awaitable_operators;
using hivetest::http::BodyWriter;
using hivetest::http::json_escape;
using hivetest::http::Request;
using hivetest::http::Response;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view progress_path = "/v1/loading/progress";
constexpr std::string_view job_stream_suffix = "/stream";
constexpr int progress_events = 4;  // spread over the load time left when a client asks

// Where a job's stream is: /v1/jobs/<id>/stream in rbee (v3), /v1/inference/<id>/stream in rbee-v2.
std::string_view job_stream_prefix(const Worker& w) {
  return w.opts.dialect == Dialect::rbee ? "/v1/jobs/" : "/v1/inference/";
}

Response health(Worker& w) {
  if (w.opts.faults.has(Fault::health_500)) return Response::error(500, "fault health-500: the backend is broken");
  if (w.opts.dialect == Dialect::rbee) {
    w.said_ready = true;  // the model loaded before the port opened: answering is saying ready
    return Response::json(200, R"({"status":"healthy"})");
  }
  return Response::json(200, fmt::format(R"({{"status":"healthy","vram_bytes":{}}})", w.loading.vram_bytes()));
}

Response ready(Worker& w) {
  const auto idle_not_ready = R"({"ready":false,"state":"idle","model_loaded":true})";
  if (w.claims_loaded() && w.opts.faults.has(Fault::ready_false)) return Response::json(200, idle_not_ready);
  if (w.claims_loaded() && w.said_ready && w.opts.faults.has(Fault::unready_after_ready)) {
    w.log("fault unready-after-ready: /v1/ready says ready:false, having said ready:true");
    return Response::json(200, idle_not_ready);
  }
  if (w.claims_loaded()) {
    w.said_ready = true;
    return Response::json(200, R"({"ready":true,"state":"idle","model_loaded":true})");
  }
  return Response::json(200, fmt::format(R"({{"ready":false,"state":"loading","progress_url":"{}"}})", progress_path));
}

std::string progress_json(const Worker& w) {
  return fmt::format(R"({{"stage":"loading_to_vram","layers_loaded":{},"layers_total":{},"vram_mb":{}}})",
                     w.loading.layers_loaded(), w.loading.layers_total(), w.loading.vram_bytes() >> 20);
}

// The last event: "ready", or with progress-no-ready the loading stage once more.
std::string last_progress_event(Worker& w) {
  if (!w.opts.faults.has(Fault::progress_no_ready)) return R"({"stage":"ready"})";
  w.log("fault progress-no-ready: the loading progress stream ends with stage loading_to_vram, never ready");
  return progress_json(w);
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
  const std::string last = last_progress_event(w);
  if (co_await send_event(out, last)) co_await send_done(out);
}

Response progress(Worker& w) {
  if (w.opts.faults.has(Fault::progress_not_sse)) {
    w.log("fault progress-not-sse: {} answers JSON, not an event stream", progress_path);
    return Response::json(200, R"({"stage":"ready"})");
  }
  return Response::event_stream([&w](BodyWriter& out) { return progress_stream(w, out); });
}

// Keeps the job until its stream is fetched, and says where that is.
Response queue_job(Worker& w, InferenceRequest job) {
  if (w.jobs.contains(job.job_id)) return Response::error(409, fmt::format("job {} already exists", job.job_id));
  std::string id = job.job_id;
  if (auto dropped = w.jobs.add(std::move(job)))
    w.log("job {}: dropped, its stream was never fetched and newer jobs need the room", *dropped);
  if (w.opts.faults.has(Fault::job_without_url)) {
    w.log("job {}: fault job-without-url: the job answer leaves out its sse_url", id);
    return Response::json(200, fmt::format(R"({{"job_id":"{}"}})", json_escape(id)));
  }
  return Response::json(200, fmt::format(R"({{"job_id":"{}","sse_url":"{}{}{}"}})", json_escape(id),
                                         job_stream_prefix(w), id, job_stream_suffix));
}

// rbee-v1 streams at once; rbee-v2 queues the job.
Response inference(Worker& w, const Request& req) {
  if (!w.claims_loaded()) return Response::error(503, "model is loading");
  auto parsed = parse_inference_request(req.body, lenient(w));
  if (auto refused = bad_request(w, parsed, Response::error(400, parsed.error))) return *refused;
  InferenceRequest job = std::move(*parsed.request);
  if (job.job_id.empty()) {
    do job.job_id = fmt::format("job-{}", ++w.jobs_named);
    while (w.jobs.contains(job.job_id));
  }
  if (w.opts.dialect == Dialect::rbee_v1) {
    auto format = rbee_events(w, job);
    return stream_answer(w, std::move(job), std::move(format));
  }
  return queue_job(w, std::move(job));
}

// rbee (v3): the worker names every job.
Response submit_job(Worker& w, const Request& req) {
  auto parsed = parse_job_request(req.body, lenient(w));
  if (auto refused = bad_request(w, parsed, Response::error(400, parsed.error))) return *refused;
  InferenceRequest job = std::move(*parsed.request);
  do job.job_id = "job-" + uuid_v4();
  while (w.jobs.contains(job.job_id));
  return queue_job(w, std::move(job));
}

// Job streams have one path per job, which an exact-path router cannot list in advance.
Response job_stream_or_404(Worker& w, const Request& req) {
  std::string_view path = req.path;
  const std::string_view prefix = job_stream_prefix(w);
  if (path.starts_with(prefix) && path.ends_with(job_stream_suffix) &&
      path.size() > prefix.size() + job_stream_suffix.size()) {
    std::string_view id = path.substr(prefix.size(), path.size() - prefix.size() - job_stream_suffix.size());
    if (id.find('/') == std::string_view::npos) {
      if (req.method != "GET") {
        auto r = Response::error(405, fmt::format("{} is not allowed on {} (allowed: GET)", req.method, req.path));
        r.headers.push_back({"Allow", "GET"});
        return r;
      }
      if (auto job = w.jobs.take(id)) {
        auto format = rbee_events(w, *job);
        return stream_answer(w, std::move(*job), std::move(format));
      }
      return Response::error(404, fmt::format("no pending job {} (a job's stream can be fetched once)", id));
    }
  }
  return Response::error(404, fmt::format("no route for {}", req.path));
}

// Without --local-mode, /v1/* needs the bearer token.
std::optional<Response> check_token(const Worker& w, const Request& req) {
  if (w.opts.local_mode || !needs_token(req.path) || has_bearer_token(req, w.opts.api_token)) return std::nullopt;
  auto r = w.opts.dialect == Dialect::rbee
               ? Response::json(401, R"({"error":{"code":"MISSING_API_KEY","message":"missing or invalid bearer token"}})")
               : Response::error(401, "missing or invalid bearer token");
  r.headers.push_back({"WWW-Authenticate", "Bearer"});
  return r;
}

}  // namespace

DialectRoutes rbee_routes(Worker& w) {
  DialectRoutes d;
  d.router.add("GET", "/health", [&w](Request&) { return answer(health(w)); });
  if (w.opts.dialect == Dialect::rbee) {
    d.router.add("POST", "/v1/jobs", [&w](Request& req) { return answer(submit_job(w, req)); });
    d.router.add("POST", "/v1/inference", [&w](Request& req) { return answer(submit_job(w, req)); });
  } else {
    d.router.add("GET", "/v1/ready", [&w](Request&) { return answer(ready(w)); });
    d.router.add("GET", std::string(progress_path), [&w](Request&) { return answer(progress(w)); });
    d.router.add("POST", "/v1/inference", [&w](Request& req) { return answer(inference(w, req)); });
  }
  d.router.not_found = [&w](const Request& req) { return job_stream_or_404(w, req); };
  d.gate = [&w](const Request& req) { return check_token(w, req); };
  d.error = [](int status, std::string_view message) { return Response::error(status, message); };
  d.unhealthy = Response::json(200, R"({"status":"unhealthy"})");
  return d;
}

}  // namespace reference_worker
