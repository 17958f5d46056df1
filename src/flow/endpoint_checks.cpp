// Steps 4 and 6: readiness, and the checks of a ready worker's endpoints, as its profile describes them.
#include "hivetest/flow/endpoint_checks.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <simdjson.h>

#include "hivetest/flow/sse_reader.hpp"
#include "hivetest/flow/worker_http.hpp"
#include "hivetest/profile/json_rules.hpp"

namespace hivetest::flow {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds request_timeout{5000};

CheckResult& skip(CheckResult& c, std::string why) {
  c.outcome = Outcome::skip;
  c.message = std::move(why);
  return c;
}

Clock::time_point in(milliseconds d) { return Clock::now() + d; }

bool contains(const std::vector<int>& list, int v) { return std::find(list.begin(), list.end(), v) != list.end(); }

// GET the profile's endpoint for a check and hold its answer to the rule: the answer, or
// nullopt with `c` said (skipped when the profile has no such endpoint, `what` naming it).
asio::awaitable<std::optional<http::ClientResponse>> matching_answer(const Endpoint& w,
                                                                     const std::optional<profile::EndpointCheck>& check,
                                                                     const char* what, CheckResult& c) {
  if (!check) {
    skip(c, fmt::format("the {} profile has no {}", w.profile().name, what));
    co_return std::nullopt;
  }
  auto req = worker_request(w.config, "GET", check->path);
  auto r = co_await http::fetch(*w.connections, req, in(request_timeout));
  if (!r) {
    fail(c, fmt::format("GET {} failed: {}", check->path, r.error), check->expect.describe(), r.error);
    co_return std::nullopt;
  }
  if (check->optional && r.response->status == 404) {
    skip(c, fmt::format("GET {} answered 404: this worker does not have it", check->path));
    co_return std::nullopt;
  }
  if (!answer_matches(*r.response, check->expect)) {
    fail(c, fmt::format("GET {} did not answer as expected", check->path), check->expect.describe(),
         status_and_body(*r.response));
    co_return std::nullopt;
  }
  co_return std::move(*r.response);
}

std::string shown(const http::ClientResponse& answer, const std::string& field) {
  if (field.empty()) return {};
  simdjson::dom::parser parser;
  std::string error;
  auto root = parse_json(parser, answer.body, error);
  return root ? excerpt(profile::text_at(*root, field), 80) : std::string();
}

}  // namespace

asio::awaitable<Readiness> poll_ready(const Endpoint& w, Clock::time_point deadline) {
  Readiness result;
  for (const auto& probe : w.profile().readiness) {
    auto req = worker_request(w.config, "GET", probe.path);
    auto r = co_await http::fetch(*w.connections, req, deadline);
    if (!r) {
      result.why = r.error;
      co_return result;
    }
    const auto& answer = *r.response;
    if (answer_matches(answer, probe.ready)) continue;
    result.status = answer.status;
    if (contains(probe.broken, answer.status)) result.state = Readiness::State::broken;
    result.loading = contains(probe.loading, answer.status) ||
                     (probe.loading_answer && answer_matches(answer, *probe.loading_answer));
    result.why = fmt::format("{} answered {}{}", probe.path, status_and_body(answer), result.loading ? " (loading)" : "");
    co_return result;
  }
  result.state = Readiness::State::ready;
  co_return result;
}

asio::awaitable<CheckResult> check_health(const Endpoint& w) {
  auto c = named(Step::health, "health");
  auto answer = co_await matching_answer(w, w.profile().health, "health endpoint", c);
  if (answer) c.message = "Health endpoint responding";
  co_return c;
}

asio::awaitable<CheckResult> check_ready_endpoint(const Endpoint& w) {
  auto c = named(Step::ready_endpoint, "ready-endpoint");
  auto answer = co_await matching_answer(w, w.profile().ready_endpoint, "readiness endpoint", c);
  if (!answer) co_return c;
  const auto& show = w.profile().ready_endpoint->show;
  auto state = shown(*answer, show);
  c.message = state.empty() ? "Ready endpoint: ready" : fmt::format("Ready endpoint: ready, {} {}", show, state);
  co_return c;
}

asio::awaitable<CheckResult> check_models(const Endpoint& w, std::string& model_id) {
  auto c = named(Step::models, "models");
  auto answer = co_await matching_answer(w, w.profile().models, "model list", c);
  if (!answer) co_return c;
  model_id = shown(*answer, w.profile().model_id_path);
  auto listed = shown(*answer, w.profile().models->show);
  c.message = listed.empty() ? "Model list answered" : fmt::format("Model list names {}", listed);
  co_return c;
}

asio::awaitable<CheckResult> check_loading_progress(const Endpoint& w) {
  auto c = named(Step::progress, "loading-progress");
  const auto& check = w.profile().progress;
  if (!check) co_return skip(c, fmt::format("the {} profile has no loading progress stream", w.profile().name));
  std::string last_stage;
  SseReader reader(check->done);
  reader.json_events([&](simdjson::dom::element event) {
    last_stage = profile::text_at(event, check->stage_field);
    return true;
  });
  auto req = worker_request(w.config, "GET", check->path);
  auto r = co_await http::fetch(*w.connections, req, in(w.config.inference_timeout), reader.handler());
  auto expected = fmt::format("an event stream ending {{\"{}\":\"{}\"}} then {}", check->stage_field, check->final_stage,
                              check->done);
  if (reader.over_limit())
    co_return fail(c, fmt::format("GET {} went over a limit: {}", check->path, reader.limit_error()), expected,
                   reader.limit_error());
  if (!r && !reader.done) co_return fail(c, fmt::format("GET {} failed: {}", check->path, r.error), expected, r.error);
  if (r && !is_event_stream(*r.response))
    co_return fail(c, fmt::format("GET {} is not an event stream", check->path), expected, status_and_body(*r.response));
  if (!reader.not_json.empty())
    co_return fail(c, fmt::format("GET {} sent an event that is not JSON", check->path), expected, reader.not_json);
  if (last_stage != check->final_stage || !reader.done)
    co_return fail(c, fmt::format("GET {} did not end {}", check->path, check->final_stage), expected,
                   fmt::format("last stage \"{}\", {}", excerpt(last_stage, 60),
                               reader.done ? check->done : "no " + check->done));
  c.message = fmt::format("Loading progress stream ends {}", check->final_stage);
  co_return c;
}

asio::awaitable<CheckResult> check_client_errors(const Endpoint& w) {
  auto c = named(Step::client_errors, "client-errors-are-4xx");
  const auto& cases = w.profile().invalid_requests;
  if (cases.empty()) co_return skip(c, fmt::format("the {} profile names no invalid requests", w.profile().name));
  for (const auto& k : cases) {
    const auto& path = k.path.empty() ? w.profile().streams.front().path : k.path;
    auto req = worker_request(w.config, "POST", path, profile::expand_json(k.body, w.json_values));
    auto expected = fmt::format("{}{}", profile::describe_status(k.status == 0 ? 4 : k.status),
                                k.json_error ? " with a JSON error body" : "");
    auto r = co_await http::fetch(*w.connections, req, in(request_timeout));
    if (!r)
      co_return fail(c, fmt::format("POST {} with {} got no answer: {}", path, k.what, r.error), expected, r.error);
    const auto& answer = *r.response;
    simdjson::dom::parser parser;
    std::string error;
    bool json_ok = !k.json_error || parse_json(parser, answer.body, error).has_value();
    if (answer.status >= 500)
      co_return fail(c, fmt::format("POST {} with {}: a client error answered as a server error", path, k.what),
                     expected, status_and_body(answer), "a request the client got wrong must get 4xx, not 5xx");
    if (!profile::status_matches(answer.status, k.status == 0 ? 4 : k.status) || !json_ok)
      co_return fail(c, fmt::format("POST {} with {} was not refused as expected", path, k.what), expected,
                     status_and_body(answer));
  }
  c.message = fmt::format("Invalid requests refused ({} cases)", cases.size());
  co_return c;
}

}  // namespace hivetest::flow
