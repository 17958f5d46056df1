// An OpenAI-compatible server's endpoints, as vLLM has them.
#include <ctime>

#include <fmt/format.h>

#include "answer.hpp"
#include "auth.hpp"
#include "bad_request.hpp"
#include "dialect_routes.hpp"
#include "openai_answer.hpp"
#include "openai_request.hpp"

namespace reference_worker {

using hivetest::http::json_escape;
using hivetest::http::Request;
using hivetest::http::Response;

namespace {

// A JSON string, or null for "".
std::string string_or_null(std::string_view s) {
  return s.empty() ? "null" : fmt::format(R"("{}")", json_escape(s));
}

Response openai_error(int status, std::string_view message, std::string_view param = "", std::string_view code = "") {
  std::string_view type = status >= 500 ? "server_error" : "invalid_request_error";
  return Response::json(status, fmt::format(R"({{"error":{{"message":"{}","type":"{}","param":{},"code":{}}}}})",
                                            json_escape(message), type, string_or_null(param), string_or_null(code)));
}

Response health(Worker& w) {
  if (w.opts.faults.has(Fault::health_500)) return openai_error(500, "fault health-500: the backend is broken");
  w.said_ready = true;
  Response r;
  r.status = 200;
  return r;
}

Response models(Worker& w) {
  w.said_ready = true;
  return Response::json(200, fmt::format(R"({{"object":"list","data":[{{"id":"{}","object":"model","created":{},"owned_by":"reference-worker"}}]}})",
                                         json_escape(w.opts.model_ref), w.created));
}

asio::awaitable<Response> complete(Worker& w, OpenAiRoute route, const Request& req) {
  auto parsed = parse_openai_request(req.body, route, lenient(w));
  if (auto refused = bad_request(w, parsed, openai_error(400, parsed.error, parsed.field)))
    return answer(std::move(*refused));
  OpenAiRequest r = std::move(*parsed.request);
  if (!r.model.empty() && r.model != w.opts.model_ref)
    return answer(openai_error(404, fmt::format("The model `{}` does not exist.", r.model), "model", "model_not_found"));
  OpenAiAnswer a;
  a.route = route;
  a.id = new_openai_id(route);
  a.model = w.opts.model_ref;
  a.created = std::time(nullptr);
  a.prompt_tokens = r.prompt_tokens;
  a.usage_chunk = r.include_usage;
  r.inference.job_id = a.id;
  auto format = openai_answer(std::move(a));
  if (r.stream) return answer(stream_answer(w, std::move(r.inference), std::move(format)));
  return whole_answer(w, std::move(r.inference), std::move(format));
}

// With --api-key, /v1/* needs it; then, until the model is loaded, every route answers 503.
std::optional<Response> gate(const Worker& w, const Request& req) {
  if (!w.opts.api_key.empty() && needs_token(req.path) && !has_bearer_token(req, w.opts.api_key)) {
    auto r = openai_error(401, "Incorrect API key provided.", "", "invalid_api_key");
    r.headers.push_back({"WWW-Authenticate", "Bearer"});
    return r;
  }
  if (!w.claims_loaded()) return openai_error(503, "the model is loading");
  return std::nullopt;
}

}  // namespace

DialectRoutes openai_routes(Worker& w) {
  DialectRoutes d;
  d.router.add("GET", "/health", [&w](Request&) { return answer(health(w)); });
  d.router.add("GET", "/v1/models", [&w](Request&) { return answer(models(w)); });
  d.router.add("POST", "/v1/chat/completions", [&w](Request& req) { return complete(w, OpenAiRoute::chat, req); });
  d.router.add("POST", "/v1/completions", [&w](Request& req) { return complete(w, OpenAiRoute::completions, req); });
  d.router.not_found = [](const Request& req) {
    return openai_error(404, fmt::format("Invalid URL ({} {})", req.method, req.path));
  };
  d.gate = [&w](const Request& req) { return gate(w, req); };
  d.error = [](int status, std::string_view message) { return openai_error(status, message); };
  d.unhealthy = openai_error(500, "fault unhealthy-after-ready: the engine is dead");
  return d;
}

}  // namespace reference_worker
