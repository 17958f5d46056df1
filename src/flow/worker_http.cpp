// The requests the flow sends a worker, and the words its messages use for the answers.
#include "hivetest/flow/worker_http.hpp"

#include <fmt/format.h>

#include "hivetest/flow/isolation.hpp"
#include "hivetest/profile/json_rules.hpp"
#include "hivetest/util/text.hpp"

namespace hivetest::flow {

std::string excerpt(std::string_view s, std::size_t max) { return printable(s, max); }

std::string status_and_body(const http::ClientResponse& r) { return fmt::format("{} {}", r.status, excerpt(r.body)); }

http::ClientRequest worker_request(const Config& cfg, std::string method, std::string target, std::string body) {
  http::ClientRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  if (!cfg.api_key.empty()) r.headers.push_back({"Authorization", "Bearer " + cfg.api_key});
  return r;
}

std::optional<simdjson::dom::element> parse_json(simdjson::dom::parser& parser, std::string_view body, std::string& error) {
  simdjson::dom::element root;
  if (auto err = parser.parse(body.data(), body.size()).get(root)) {
    error = fmt::format("not JSON ({})", simdjson::error_message(err));
    return std::nullopt;
  }
  return root;
}

bool is_event_stream(const http::ClientResponse& r) {
  auto type = r.header("content-type");
  return r.status == 200 && type && type->substr(0, 17) == "text/event-stream";
}

bool answer_matches(const http::ClientResponse& r, const profile::AnswerRule& rule) {
  if (!profile::status_matches(r.status, rule.status)) return false;
  if (rule.fields.empty()) return true;
  // One parser for every answer: the document is used here and nowhere after, and a parser
  // keeps its buffers, where a new one allocates them for each answer.
  static simdjson::dom::parser parser;
  std::string error;
  auto root = parse_json(parser, r.body, error);
  return root && profile::matches_all(*root, rule.fields);
}

std::string in_seconds(std::chrono::steady_clock::duration d) {
  return fmt::format("{:.1f}s", std::chrono::duration<double>(d).count());
}

std::string setting_in_seconds(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return fmt::format("{}s", d.count() / 1000);
  return fmt::format("{:.1f}s", d.count() / 1000.0);
}

}  // namespace hivetest::flow
