// Step 6: the checks of a ready worker's endpoints, each one request and its answer.
#include "hivetest/flow/endpoint_checks.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <simdjson.h>

#include "hivetest/http/client.hpp"
#include "hivetest/http/sse.hpp"

namespace hivetest::flow {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// Cut for messages: a worker can answer anything, at any length.
std::string excerpt(std::string_view s, std::size_t max = 200) {
  std::string out;
  for (char c : s.substr(0, max)) out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  if (s.size() > max) out += "…";
  return out;
}

CheckResult make(Step step, std::string name) {
  CheckResult c;
  c.step = step;
  c.name = std::move(name);
  return c;
}

CheckResult& fail(CheckResult& c, std::string message, std::string expected, std::string got, std::string hint = {}) {
  c.outcome = Outcome::fail;
  c.message = std::move(message);
  c.expected = std::move(expected);
  c.got = std::move(got);
  c.hint = std::move(hint);
  return c;
}

CheckResult& skip(CheckResult& c, std::string why) {
  c.outcome = Outcome::skip;
  c.message = std::move(why);
  return c;
}

std::string status_and_body(const http::ClientResponse& r) {
  return fmt::format("{} {}", r.status, excerpt(r.body));
}

// A JSON object from a body, or nullopt with `error` set.
std::optional<simdjson::dom::object> json_object(simdjson::dom::parser& parser, const std::string& body,
                                                 std::string& error) {
  simdjson::dom::object obj;
  auto err = parser.parse(body).get(obj);
  if (err) {
    error = fmt::format("not a JSON object ({})", simdjson::error_message(err));
    return std::nullopt;
  }
  return obj;
}

std::string string_field(simdjson::dom::object obj, std::string_view key) {
  std::string_view v;
  if (obj[key].get(v)) return {};
  return std::string(v);
}

http::ClientRequest get(std::string target) {
  http::ClientRequest r;
  r.target = std::move(target);
  return r;
}

http::ClientRequest post_json(std::string target, std::string body) {
  http::ClientRequest r;
  r.method = "POST";
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

Clock::time_point in(milliseconds d) { return Clock::now() + d; }

// Reads an SSE stream and hands each event's data to `on_data`; false from it stops.
// Keeps what a failure message needs: how much came, how it began, when the last event did.
struct SseReader {
  static constexpr std::size_t head_kept = 200;
  http::SseParser parser;
  std::function<bool(const std::string&)> on_data;
  bool stopped = false;
  std::size_t bytes = 0;
  std::size_t events = 0;
  std::string head;  // the first bytes of the body
  Clock::time_point last_event = Clock::now();

  http::StreamHandler handler(std::function<bool(const http::ClientResponse&)> on_head) {
    return {std::move(on_head), [this](std::string_view chunk) {
              bytes += chunk.size();
              if (head.size() < head_kept) head.append(chunk.substr(0, head_kept - head.size()));
              bool ok = parser.feed(chunk, [this](const http::SseEvent& e) {
                ++events;
                last_event = Clock::now();
                if (!stopped && !on_data(e.data)) stopped = true;
              });
              return ok && !stopped;
            }};
  }

  // A body of bytes with no event in it: whatever it is, it is not an event stream.
  bool is_not_sse() const { return events == 0 && bytes > 0; }

  // The worker protocol's streams: JSON events until `data: [DONE]`. Stops at [DONE]
  // (setting done) or at an event that is not JSON (keeping its start in not_json).
  bool done = false;
  std::string not_json;
  void json_events(std::function<bool(simdjson::dom::object)> on_object) {
    on_data = [this, on_object = std::move(on_object)](const std::string& data) {
      if (data == "[DONE]") {
        done = true;
        return false;
      }
      simdjson::dom::parser json;
      std::string error;
      auto obj = json_object(json, data, error);
      if (!obj) {
        not_json = excerpt(data);
        return false;
      }
      return on_object(*obj);
    };
  }
};

std::string in_seconds(Clock::duration d) {
  return fmt::format("{:.1f}s", std::chrono::duration<double>(d).count());
}

bool is_event_stream(const http::ClientResponse& r) {
  auto type = r.header("content-type");
  return r.status == 200 && type && type->substr(0, 17) == "text/event-stream";
}

}  // namespace

asio::awaitable<bool> poll_ready(const Endpoint& w, Clock::time_point deadline, std::string& why_not) {
  const auto& profile = *w.config.profile;
  auto health = co_await http::fetch(w.ex, w.host, w.port, get(profile.health_path), deadline);
  if (!health) {
    why_not = health.error;
    co_return false;
  }
  if (health.response->status != 200) {
    why_not = fmt::format("{} answered {}", profile.health_path, status_and_body(*health.response));
    co_return false;
  }
  if (profile.ready_path.empty()) co_return true;
  auto ready = co_await http::fetch(w.ex, w.host, w.port, get(profile.ready_path), deadline);
  if (!ready) {
    why_not = ready.error;
    co_return false;
  }
  simdjson::dom::parser parser;
  std::string error;
  auto obj = json_object(parser, ready.response->body, error);
  bool is_ready = false;
  if (ready.response->status == 200 && obj && !(*obj)["ready"].get(is_ready) && is_ready) co_return true;
  why_not = fmt::format("{} answered {}", profile.ready_path, status_and_body(*ready.response));
  co_return false;
}

asio::awaitable<CheckResult> check_health(const Endpoint& w) {
  auto c = make(Step::health, "health");
  const auto& path = w.config.profile->health_path;
  auto r = co_await http::fetch(w.ex, w.host, w.port, get(path), in(milliseconds(5000)));
  if (!r) co_return fail(c, fmt::format("GET {} failed: {}", path, r.error), "200 {\"status\":\"healthy\"}", r.error);
  simdjson::dom::parser parser;
  std::string error;
  auto obj = json_object(parser, r.response->body, error);
  std::string status = obj ? string_field(*obj, "status") : "";
  if (r.response->status != 200 || status != "healthy")
    co_return fail(c, fmt::format("GET {} did not answer healthy", path), "200 {\"status\":\"healthy\",…}",
                   status_and_body(*r.response));
  c.message = "Health endpoint responding";
  co_return c;
}

asio::awaitable<CheckResult> check_ready_endpoint(const Endpoint& w) {
  auto c = make(Step::ready_endpoint, "ready-endpoint");
  const auto& path = w.config.profile->ready_path;
  if (path.empty()) co_return skip(c, "this worker kind has no readiness endpoint");
  auto r = co_await http::fetch(w.ex, w.host, w.port, get(path), in(milliseconds(5000)));
  const char* expected = "200 {\"ready\":true,\"state\":\"idle\",\"model_loaded\":true}";
  if (!r) co_return fail(c, fmt::format("GET {} failed: {}", path, r.error), expected, r.error);
  simdjson::dom::parser parser;
  std::string error;
  auto obj = json_object(parser, r.response->body, error);
  bool ready = false, loaded = false;
  if (r.response->status != 200 || !obj || (*obj)["ready"].get(ready) || !ready ||
      (*obj)["model_loaded"].get(loaded) || !loaded)
    co_return fail(c, fmt::format("GET {} did not say ready with the model loaded", path), expected,
                   status_and_body(*r.response));
  c.message = fmt::format("Ready endpoint: ready, state {}", string_field(*obj, "state"));
  co_return c;
}

asio::awaitable<CheckResult> check_loading_progress(const Endpoint& w) {
  auto c = make(Step::progress, "loading-progress");
  const auto& path = w.config.profile->progress_path;
  if (path.empty()) co_return skip(c, "this worker kind has no loading progress stream");
  std::string last_stage;
  SseReader reader;
  reader.json_events([&](simdjson::dom::object obj) {
    last_stage = string_field(obj, "stage");
    return true;
  });
  auto r = co_await http::fetch(w.ex, w.host, w.port, get(path), in(w.config.inference_timeout),
                                reader.handler(is_event_stream));
  const char* expected = "an event stream ending {\"stage\":\"ready\"} then [DONE]";
  if (!r && !reader.done) co_return fail(c, fmt::format("GET {} failed: {}", path, r.error), expected, r.error);
  if (r && !is_event_stream(*r.response))
    co_return fail(c, fmt::format("GET {} is not an event stream", path), expected, status_and_body(*r.response));
  if (!reader.not_json.empty())
    co_return fail(c, fmt::format("GET {} sent an event that is not JSON", path), expected, reader.not_json);
  if (last_stage != "ready" || !reader.done)
    co_return fail(c, fmt::format("GET {} did not end ready", path), expected,
                   fmt::format("last stage \"{}\", {}", last_stage, reader.done ? "[DONE]" : "no [DONE]"));
  c.message = "Loading progress stream ends ready";
  co_return c;
}

asio::awaitable<CheckResult> check_inference(const Endpoint& w, InferenceStats& stats) {
  auto c = make(Step::inference, "inference");
  const auto& cfg = w.config;
  const auto& path = cfg.profile->inference_path;
  std::string job_id = fmt::format("hivetest-job-{}", w.port);
  std::string body = fmt::format(R"({{"job_id":"{}","prompt":"{}","max_tokens":{},"temperature":{}}})", job_id,
                                 http::json_escape(cfg.prompt), cfg.max_tokens, cfg.temperature);
  const char* expected = "started, token…, end events, then data: [DONE]";
  auto deadline = in(cfg.inference_timeout);
  auto started_at = Clock::now();

  bool started = false, ended = false;
  std::string error_event;
  int64_t tokens_out = -1;
  SseReader reader;
  reader.json_events([&](simdjson::dom::object event) {
    std::string type = string_field(event, "type");
    if (type == "started") started = true;
    else if (type == "token") {
      if (stats.tokens == 0)
        stats.time_to_first_token = std::chrono::duration_cast<milliseconds>(Clock::now() - started_at);
      ++stats.tokens;
      if (stats.text.size() < 4096) stats.text += string_field(event, "t");
    } else if (type == "end") {
      ended = true;
      stats.stop_reason = string_field(event, "stop_reason");
      if (event["tokens_out"].get(tokens_out)) tokens_out = -1;
    } else if (type == "error") {
      error_event = fmt::format("{}: {}", string_field(event, "code"), string_field(event, "message"));
    }
    return true;
  });

  auto r = co_await http::fetch(w.ex, w.host, w.port, post_json(path, body), deadline,
                                reader.handler(is_event_stream));
  std::string stream_from = fmt::format("POST {}", path);
  if (r && !is_event_stream(*r.response)) {
    // Newer workers answer with a job and where to stream it from.
    if (r.response->status != 200)
      co_return fail(c, fmt::format("POST {} was refused", path), "200 with an event stream or {\"sse_url\":…}",
                     status_and_body(*r.response));
    simdjson::dom::parser parser;
    std::string error;
    auto obj = json_object(parser, r.response->body, error);
    std::string sse_url = obj ? string_field(*obj, "sse_url") : "";
    if (sse_url.empty() || sse_url[0] != '/')
      co_return fail(c, fmt::format("POST {} answered neither a stream nor an sse_url", path),
                     "an event stream, or 200 {\"job_id\":…,\"sse_url\":\"/…\"}", status_and_body(*r.response));
    stream_from = fmt::format("GET {}", sse_url);
    started_at = Clock::now();
    r = co_await http::fetch(w.ex, w.host, w.port, get(sse_url), deadline, reader.handler(is_event_stream));
    if (r && !is_event_stream(*r.response))
      co_return fail(c, fmt::format("{} is not an event stream", stream_from), expected, status_and_body(*r.response));
  }
  c.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - started_at);
  if (reader.is_not_sse())
    co_return fail(c, fmt::format("the stream from {} is not server-sent events: {} bytes without one event",
                                  stream_from, reader.bytes),
                   expected, reader.head);
  if (!error_event.empty())
    co_return fail(c, fmt::format("the stream from {} sent an error event", stream_from), expected,
                   fmt::format("error {}", error_event));
  if (!reader.not_json.empty())
    co_return fail(c, fmt::format("the stream from {} sent an event that is not JSON", stream_from), expected,
                   reader.not_json);
  bool done = reader.done;
  if (!r && !done && r.timed_out)
    co_return fail(c, fmt::format("the stream from {} did not finish within {}", stream_from,
                                  in_seconds(cfg.inference_timeout)),
                   expected,
                   fmt::format("{} tokens in {}, then no event for the last {}", stats.tokens,
                               in_seconds(Clock::now() - started_at), in_seconds(Clock::now() - std::max(reader.last_event, started_at))),
                   "if the worker is just slow, try --inference-timeout with more seconds");
  if (!r && !done) {
    std::string got = fmt::format("{} after {} tokens", r.error, stats.tokens);
    co_return fail(c, fmt::format("the stream from {} did not finish: {}", stream_from, r.error), expected, got);
  }
  if (!done)
    co_return fail(c, fmt::format("the stream from {} ended without data: [DONE]", stream_from), expected,
                   fmt::format("{} tokens, {}", stats.tokens, ended ? "an end event" : "no end event"));
  if (!started || !ended || stats.tokens == 0)
    co_return fail(c, fmt::format("the stream from {} is incomplete", stream_from), expected,
                   fmt::format("{}started, {} tokens, {}end", started ? "" : "no ", stats.tokens, ended ? "" : "no "));
  if (tokens_out >= 0 && static_cast<std::size_t>(tokens_out) != stats.tokens)
    co_return fail(c, "the end event's token count does not match the tokens streamed",
                   fmt::format("tokens_out {}", stats.tokens), fmt::format("tokens_out {}", tokens_out));
  c.message = fmt::format("Inference streamed {} tokens (first after {} ms, stop: {}): \"{}\"", stats.tokens,
                          stats.time_to_first_token.count(), stats.stop_reason, excerpt(stats.text, 60));
  co_return c;
}

asio::awaitable<CheckResult> check_invalid_requests(const Endpoint& w) {
  auto c = make(Step::invalid_request, "invalid-requests");
  const auto& path = w.config.profile->inference_path;
  struct Case {
    const char* what;
    std::string body;
  };
  const Case cases[] = {
      {"max_tokens 0", R"({"job_id":"hivetest-bad-1","prompt":"x","max_tokens":0,"temperature":0.7})"},
      {"max_tokens 4096", R"({"job_id":"hivetest-bad-2","prompt":"x","max_tokens":4096,"temperature":0.7})"},
      {"temperature 3", R"({"job_id":"hivetest-bad-3","prompt":"x","max_tokens":5,"temperature":3})"},
      {"a body that is not JSON", "{\"prompt\": "},
  };
  for (const auto& k : cases) {
    auto r = co_await http::fetch(w.ex, w.host, w.port, post_json(path, k.body), in(milliseconds(5000)));
    if (!r) co_return fail(c, fmt::format("POST {} with {} failed: {}", path, k.what, r.error), "400 with a JSON error", r.error);
    simdjson::dom::parser parser;
    std::string error;
    auto obj = json_object(parser, r.response->body, error);
    if (r.response->status != 400 || !obj)
      co_return fail(c, fmt::format("POST {} with {} was not refused", path, k.what), "400 with a JSON error body",
                     status_and_body(*r.response));
  }
  c.message = fmt::format("Invalid inference requests refused with 400 ({} cases)", std::size(cases));
  co_return c;
}

}  // namespace hivetest::flow
