// Which built-in profile a worker's answers or log fit: said at once when the chosen profile is the wrong one.
#include "hivetest/flow/kind_guess.hpp"

#include <fmt/format.h>

#include "hivetest/flow/worker_http.hpp"
#include "hivetest/profile/json_rules.hpp"

namespace hivetest::flow {

namespace {

constexpr std::chrono::milliseconds question_timeout{500};

// One identifying question; only the head is read when the answer is a stream.
asio::awaitable<bool> answers_as(const Endpoint& w, const profile::IdentifyProbe& q) {
  http::ClientResponse head;
  http::StreamHandler only_head{[&head](const http::ClientResponse& h) {
                                  head = h;
                                  return is_event_stream(h);
                                },
                                [](std::string_view, auto) { return false; }};
  auto req = worker_request(w.config, q.method, q.path, profile::expand_json(q.body, w.json_values));
  auto r = co_await http::fetch(w.ex, w.host, w.port, req, std::chrono::steady_clock::now() + question_timeout, only_head);
  if (r) head = std::move(*r.response);
  if (head.status == 0) co_return false;
  if (!answer_matches(head, q.expect)) co_return false;
  if (!q.header.empty()) {
    auto value = head.header(q.header);
    if (!value || value->find(q.header_contains) == std::string_view::npos) co_return false;
  }
  if (!q.content_type.empty()) {
    auto type = head.header("content-type");
    if (!type || !type->starts_with(q.content_type)) co_return false;
  }
  co_return true;
}

}  // namespace

asio::awaitable<std::string> guess_kind(const Endpoint& w) {
  for (const auto& kind : profile::builtin_profiles()) {
    if (kind.name == w.profile().name || kind.identify.empty()) continue;
    bool all = true;
    for (const auto& q : kind.identify)
      if (!(all = co_await answers_as(w, q))) break;
    if (all) co_return kind.name;
  }
  co_return std::string();
}

std::string guess_kind_from_log(const std::vector<process::LogLine>& log, const std::string& current) {
  for (const auto& kind : profile::builtin_profiles()) {
    if (kind.name == current) continue;
    for (const auto& sign : kind.log_signs)
      for (const auto& line : log)
        if (line.text.find(sign) != std::string::npos) return kind.name;
  }
  return {};
}

std::string wrong_profile_hint(const std::string& kind) {
  return fmt::format("its answers fit the {} profile: try --profile {}", kind, kind);
}

asio::awaitable<std::string> kind_hint(const Endpoint& w, std::string otherwise) {
  auto kind = co_await guess_kind(w);
  co_return kind.empty() ? otherwise : wrong_profile_hint(kind);
}

}  // namespace hivetest::flow
