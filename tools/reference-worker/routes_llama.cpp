// llama-server's endpoints (build b4748, with its wrong 500s for bad requests put right).
#include <ctime>

#include <fmt/format.h>

#include "answer.hpp"
#include "bad_request.hpp"
#include "dialect_routes.hpp"
#include "llama_completion.hpp"
#include "openai_answer.hpp"
#include "openai_request.hpp"

namespace reference_worker {

using hivetest::http::json_escape;
using hivetest::http::Request;
using hivetest::http::Response;

namespace {

constexpr uint64_t default_ctx_size = 4096;  // llama-server's when the model names none

std::string_view error_type(int status) {
  switch (status) {
    case 400: return "invalid_request_error";
    case 401: return "authentication_error";
    case 404: return "not_found_error";
    case 503: return "unavailable_error";
    default: return status < 500 ? "invalid_request_error" : "server_error";
  }
}

Response llama_error(int status, std::string_view message) {
  return Response::json(status, fmt::format(R"({{"error":{{"code":{},"message":"{}","type":"{}"}}}})", status,
                                            json_escape(message), error_type(status)));
}

Response health(Worker& w) {
  if (w.opts.faults.has(Fault::health_500)) return llama_error(500, "fault health-500: the backend is broken");
  w.said_ready = true;
  return Response::json(200, R"({"status":"ok"})");
}

Response models(Worker& w) {
  const auto& info = w.model.info;
  w.said_ready = true;
  return Response::json(
      200, fmt::format(R"({{"object":"list","data":[{{"id":"{}","object":"model","created":{},"owned_by":"llamacpp",)"
                       R"("meta":{{"n_vocab":{},"n_ctx_train":{},"n_params":{},"size":{}}}}}]}})",
                       json_escape(w.opts.model_ref), w.created, info.vocab_size, info.context_length,
                       info.parameter_count, info.file_size));
}

Response props(const Worker& w) {
  uint64_t n_ctx = w.opts.ctx_size > 0 ? uint64_t(w.opts.ctx_size) : w.model.info.context_length;
  return Response::json(200, fmt::format(R"({{"default_generation_settings":{{"n_ctx":{},"model":"{}"}},"total_slots":1}})",
                                         n_ctx > 0 ? n_ctx : default_ctx_size, json_escape(w.opts.model_ref)));
}

// /completion in llama-server's own format; the /v1 routes in OpenAI's, whose finishing
// chunk llama-server always gives the usage.
asio::awaitable<Response> complete(Worker& w, OpenAiRoute route, const Request& req) {
  auto parsed = parse_openai_request(req.body, route, lenient(w));
  if (auto refused = bad_request(w, parsed, llama_error(400, parsed.error))) return answer(std::move(*refused));
  OpenAiRequest r = std::move(*parsed.request);
  std::shared_ptr<AnswerFormat> format;
  if (route == OpenAiRoute::llama_completion) {
    r.inference.job_id = fmt::format("completion-{}", ++w.jobs_named);
    format = llama_completion(w.opts.model_ref, r.prompt_tokens);
  } else {
    OpenAiAnswer a;
    a.route = route;
    a.id = new_openai_id(route);
    a.model = w.opts.model_ref;
    a.created = std::time(nullptr);
    a.prompt_tokens = r.prompt_tokens;
    a.usage_in_finish = true;
    r.inference.job_id = a.id;
    format = openai_answer(std::move(a));
  }
  if (r.stream) return answer(stream_answer(w, std::move(r.inference), std::move(format)));
  return whole_answer(w, std::move(r.inference), std::move(format));
}

}  // namespace

DialectRoutes llama_routes(Worker& w) {
  DialectRoutes d;
  d.router.add("GET", "/health", [&w](Request&) { return answer(health(w)); });
  for (const char* path : {"/v1/models", "/models"})
    d.router.add("GET", path, [&w](Request&) { return answer(models(w)); });
  d.router.add("GET", "/props", [&w](Request&) { return answer(props(w)); });
  for (const char* path : {"/completion", "/completions"})
    d.router.add("POST", path, [&w](Request& req) { return complete(w, OpenAiRoute::llama_completion, req); });
  d.router.add("POST", "/v1/completions", [&w](Request& req) { return complete(w, OpenAiRoute::completions, req); });
  for (const char* path : {"/v1/chat/completions", "/chat/completions"})
    d.router.add("POST", path, [&w](Request& req) { return complete(w, OpenAiRoute::chat, req); });
  d.router.not_found = [](const Request&) { return llama_error(404, "File Not Found"); };
  // Like llama-server, every route answers 503 until the model is loaded.
  d.gate = [&w](const Request&) -> std::optional<Response> {
    if (w.claims_loaded()) return std::nullopt;
    return llama_error(503, "Loading model");
  };
  d.error = llama_error;
  d.unhealthy = Response::json(200, R"({"status":"error"})");
  d.headers.push_back({"Server", "llama.cpp"});
  return d;
}

}  // namespace reference_worker
