// Step 6's inference: one streamed request of the profile, each event held to the stream's grammar.
#include "hivetest/flow/stream_check.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "hivetest/flow/sse_reader.hpp"
#include "hivetest/flow/worker_http.hpp"
#include "hivetest/http/message.hpp"
#include "hivetest/profile/json_rules.hpp"

namespace hivetest::flow {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr std::size_t max_token_times = 4096;  // a worker may stream without end; the figures need no more

// What the events of one stream add up to, by the grammar's rules.
struct StreamTally {
  const profile::EventGrammar& g;
  InferenceStats& stats;
  Clock::time_point started_at;
  std::size_t close_after = 0;
  bool closed_early = false;
  std::vector<Clock::time_point> token_times;
  std::string accounting;  // the first break of the accounting rules
  bool started = false, ended = false;
  std::string error_event;
  std::string broken_rule;  // the first event that broke the grammar, said in words
  std::optional<int64_t> count;
  std::vector<std::string> same_values;
  std::string scratch;  // a non-string value as JSON, for the moment it is compared
  profile::Lookup event;  // the event at hand, looked up path after path

  void broke(std::string what) {
    if (broken_rule.empty()) broken_rule = std::move(what);
  }
  void miscounted(std::string what) {
    if (accounting.empty()) accounting = std::move(what);
  }

  // `arrived`: when the event's bytes were read.
  bool on_event(simdjson::dom::element e, Clock::time_point arrived) {
    using profile::matches_all;
    using profile::text_at;
    event.reset(e);
    if (!g.error.empty() && matches_all(event, g.error)) {
      std::vector<std::string> parts;
      for (const auto& p : g.error_text) parts.push_back(text_at(event, p));
      error_event = excerpt(fmt::format("{}", fmt::join(parts, ": ")));
      return true;
    }
    for (std::size_t i = 0; i < g.same.size(); ++i) {
      auto v = text_at(event, g.same[i], scratch);
      if (same_values.size() <= i) same_values.emplace_back(v);
      else if (v != same_values[i])
        broke(fmt::format("\"{}\" changed from \"{}\" to \"{}\"", g.same[i].text(), excerpt(same_values[i], 60), excerpt(v, 60)));
    }
    if (!g.start.empty() && matches_all(event, g.start)) started = true;
    if (matches_all(event, g.token)) {
      if (ended) broke(fmt::format("a token after the end event (token {})", stats.tokens));
      if (stats.tokens == 0) stats.time_to_first_token = std::chrono::duration_cast<std::chrono::microseconds>(arrived - started_at);
      if (token_times.size() < max_token_times) token_times.push_back(arrived);
      if (!g.token_index.empty()) {
        auto index = event.at(g.token_index);
        uint64_t n = 0;
        bool numbered = index && !index->get_uint64().get(n) && n == stats.tokens;
        auto said = numbered ? std::string_view() : text_at(event, g.token_index, scratch);
        if (!numbered && said != std::to_string(stats.tokens)) {  // "3" as a string counts too
          miscounted(fmt::format("token {} has index {}", stats.tokens, said.empty() ? "none" : excerpt(said, 20)));
        }
      }
      ++stats.tokens;
      if (stats.text.size() < 4096) stats.text += text_at(event, g.token_text, scratch);
      if (close_after > 0 && stats.tokens >= close_after) {
        closed_early = true;
        return false;
      }
    }
    if (!g.end.empty() && matches_all(event, g.end)) {
      if (ended) broke("a second end event");
      ended = true;
      stats.stop_reason = text_at(event, g.stop_reason);
      // A stream without an end marker ends with its end event.
      if (g.done.empty()) return read_count(), false;
    }
    read_count();
    return true;
  }

  void read_count() {
    if (g.count.empty()) return;
    auto v = event.at(g.count);
    int64_t n = 0;
    if (v && !v->get_int64().get(n)) count = n;
  }

  // The grammar's verdict on a stream that ended; "" when it holds.
  std::string verdict() const {
    if (!broken_rule.empty()) return broken_rule;
    if (!g.start.empty() && !started) return "no start event";
    if (stats.tokens == 0) return "no tokens";
    if (!g.end.empty() && !ended) return fmt::format("{} tokens, no end event", stats.tokens);
    return {};
  }

  // The accounting's verdict: indices, the final count, max_tokens, the stop reason.
  std::string accounting_verdict(int max_tokens) const {
    if (!accounting.empty()) return accounting;
    if (g.count_required && !count) return fmt::format("{} tokens, no token count (\"{}\")", stats.tokens, g.count.text());
    if (count && *count != static_cast<int64_t>(stats.tokens))
      return fmt::format("{} tokens streamed, but the count \"{}\" says {}", stats.tokens, g.count.text(), *count);
    if (stats.tokens > static_cast<std::size_t>(max_tokens))
      return fmt::format("{} tokens streamed, over max_tokens {}", stats.tokens, max_tokens);
    if (!g.stop_reasons.empty() && ended &&
        std::find(g.stop_reasons.begin(), g.stop_reasons.end(), stats.stop_reason) == g.stop_reasons.end())
      return fmt::format("stop reason \"{}\", not one of {}", excerpt(stats.stop_reason, 60), fmt::join(g.stop_reasons, ", "));
    return {};
  }

  // Decode rate and the gaps between tokens, from their arrival times.
  void figures() {
    if (token_times.size() < 2) return;
    std::vector<std::chrono::microseconds> gaps;
    gaps.reserve(token_times.size() - 1);
    for (std::size_t i = 1; i < token_times.size(); ++i)
      gaps.push_back(std::chrono::duration_cast<std::chrono::microseconds>(token_times[i] - token_times[i - 1]));
    auto decode = std::chrono::duration<double>(token_times.back() - token_times.front()).count();
    stats.tokens_per_second = decode > 0 ? static_cast<double>(gaps.size()) / decode : 0;
    // Two quantiles, each found in linear time: no need to sort them all.
    auto at = [&gaps](double q) {
      auto nth = gaps.begin() + static_cast<std::ptrdiff_t>(std::min(gaps.size() - 1, static_cast<std::size_t>(q * static_cast<double>(gaps.size()))));
      std::nth_element(gaps.begin(), nth, gaps.end());
      return *nth;
    };
    stats.inter_token_p50 = at(0.50);
    stats.inter_token_p99 = at(0.99);
  }
};

std::string expected_of(const profile::StreamCheck& s) {
  std::string out = s.events.start.empty() ? "" : "a start event, ";
  out += "tokens";
  if (!s.events.end.empty()) out += ", an end event";
  if (s.events.count_required) out += fmt::format(" with the token count (\"{}\")", s.events.count.text());
  if (!s.events.done.empty()) out += fmt::format(", then data: {}", s.events.done);
  return out;
}

}  // namespace

profile::Placeholders own_values(const Endpoint& w, const std::string& tag, std::size_t max_tokens) {
  auto values = w.json_values;
  values["prompt"] = fmt::format("\"{} ({})\"", http::json_escape(w.config.prompt), tag);
  values["job_id"] = fmt::format("\"hivetest-{}-{}\"", tag, w.port);
  values["max_tokens"] = std::to_string(max_tokens);
  return values;
}

asio::awaitable<StreamRun> run_stream(const Endpoint& w, const profile::Placeholders& values,
                                      const profile::StreamCheck& stream, std::size_t close_after) {
  StreamRun run;
  run.check = CheckResult{.step = Step::inference, .name = stream.name};
  CheckResult& c = run.check;
  InferenceStats& stats = run.stats;
  auto fail = [&run](std::string message, std::string expected, std::string got, std::string hint = {}) {
    run.check.outcome = Outcome::fail;
    run.check.message = std::move(message);
    run.check.expected = std::move(expected);
    run.check.got = std::move(got);
    run.check.hint = std::move(hint);
    return run;
  };
  // A failure on the bytes that came: they are not what the grammar allows.
  auto garbled = [&run, &fail](std::string message, std::string expected, std::string got, std::string hint = {}) {
    run.garbled = true;
    return fail(std::move(message), std::move(expected), std::move(got), std::move(hint));
  };
  const auto& cfg = w.config;
  const std::string expected = expected_of(stream);
  auto deadline = Clock::now() + cfg.inference_timeout;
  StreamTally tally{.g = stream.events, .stats = stats, .started_at = Clock::now(), .close_after = close_after};
  SseReader reader(stream.events.done);
  reader.json_events([&tally, &reader](simdjson::dom::element e) { return tally.on_event(e, reader.last_event); });

  auto request = worker_request(cfg, stream.method, stream.path, profile::expand_json(stream.body, values));
  auto r = co_await http::fetch(*w.connections, request, deadline, reader.handler());
  std::string stream_from = fmt::format("{} {}", stream.method, stream.path);
  if (r) run.status = r.response->status;
  if (r && !is_event_stream(*r.response)) {
    // A job answer: where to stream from.
    if (stream.answer == profile::StreamCheck::Answer::stream || r.response->status != 200)
      co_return garbled(fmt::format("{} did not answer with an event stream", stream_from),
                        stream.answer == profile::StreamCheck::Answer::stream ? "200 text/event-stream"
                                                                             : "200 with an event stream or a job",
                        status_and_body(*r.response));
    simdjson::dom::parser parser;
    std::string error;
    auto root = parse_json(parser, r.response->body, error);
    std::string sse_url = root ? profile::text_at(*root, stream.sse_url_field) : "";
    if (!sse_url.empty() && sse_url[0] == '/' && !http::is_request_target(sse_url))
      co_return garbled(fmt::format("{} answered a job whose {} is not a path", stream_from, stream.sse_url_field),
                        fmt::format("a path of visible ASCII in \"{}\"", stream.sse_url_field), excerpt(sse_url, 100));
    if (sse_url.empty() || sse_url[0] != '/')
      co_return garbled(fmt::format("{} answered neither a stream nor a job's {}", stream_from, stream.sse_url_field),
                        fmt::format("an event stream, or 200 {{\"{}\":\"/…\"}}", stream.sse_url_field),
                        status_and_body(*r.response));
    stream_from = fmt::format("GET {}", excerpt(sse_url, 100));
    tally.started_at = Clock::now();
    auto get = worker_request(cfg, "GET", sse_url);
    r = co_await http::fetch(*w.connections, get, deadline, reader.handler());
    if (r) run.status = r.response->status;
    if (r && !is_event_stream(*r.response))
      co_return garbled(fmt::format("{} is not an event stream", stream_from), expected, status_and_body(*r.response));
  } else if (reader.streamed && stream.answer == profile::StreamCheck::Answer::job) {
    // Said by the head: a stream read only to its end marker leaves no whole answer.
    co_return garbled(fmt::format("{} streamed at once instead of answering with a job", stream_from),
                      fmt::format("200 {{\"{}\":\"/…\"}}", stream.sse_url_field), "an event stream");
  }
  c.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - tally.started_at);
  tally.figures();
  run.closed_early = tally.closed_early;
  if (run.closed_early) co_return run;  // what came is all that was asked for
  run.accounting = tally.accounting_verdict(std::stoi(values.at("max_tokens")));
  if (reader.over_limit())
    co_return garbled(fmt::format("the stream from {} went over a limit after {} events: {}", stream_from, reader.events,
                                  reader.limit_error()),
                      expected, fmt::format("{} bytes, {} tokens, then: {}", reader.bytes, stats.tokens, reader.limit_error()),
                      "a worker's events must stay within 1 MiB a line and 4 MiB an event");
  if (reader.is_not_sse())
    co_return garbled(fmt::format("the stream from {} is not server-sent events: {} bytes without one event", stream_from,
                                  reader.bytes),
                      expected, excerpt(reader.head));
  if (!tally.error_event.empty())
    co_return fail(fmt::format("the stream from {} sent an error event", stream_from), expected,
                   fmt::format("error {}", tally.error_event));
  if (!reader.not_json.empty())
    co_return garbled(fmt::format("the stream from {} sent an event that is not JSON", stream_from), expected, reader.not_json);
  bool finished = reader.done || (stream.events.done.empty() && tally.ended);
  if (!r && !finished && r.timed_out)
    co_return fail(fmt::format("the stream from {} did not finish within {}", stream_from, in_seconds(cfg.inference_timeout)),
                   expected,
                   fmt::format("{} tokens in {}, then no event for the last {}", stats.tokens,
                               in_seconds(Clock::now() - tally.started_at),
                               in_seconds(Clock::now() - std::max(reader.last_event, tally.started_at))),
                   "if the worker is just slow, try --inference-timeout with more seconds");
  if (!r && !finished)
    co_return fail(fmt::format("the stream from {} did not finish: {}", stream_from, r.error), expected,
                   fmt::format("{} after {} tokens", r.error, stats.tokens));
  if (!finished)
    co_return garbled(fmt::format("the stream from {} ended without data: {}", stream_from,
                                  stream.events.done.empty() ? "an end event" : stream.events.done),
                      expected, fmt::format("{} tokens, {}", stats.tokens, tally.ended ? "an end event" : "no end event"));
  if (auto broken = tally.verdict(); !broken.empty())
    co_return garbled(fmt::format("the stream from {} broke the {} grammar", stream_from, w.profile().name), expected, broken);
  std::string name = stream.name;
  if (!name.empty() && name[0] >= 'a' && name[0] <= 'z') name[0] = static_cast<char>(name[0] - 'a' + 'A');
  c.message = fmt::format("{} streamed {} tokens (first after {:.1f} ms{}): \"{}\"", name, stats.tokens,
                          stats.time_to_first_token.count() / 1000.0,
                          stats.stop_reason.empty() ? "" : fmt::format(", stop: {}", excerpt(stats.stop_reason, 40)),
                          excerpt(stats.text, 60));
  co_return run;
}

asio::awaitable<CheckResult> check_stream(const Endpoint& w, const profile::StreamCheck& stream, StreamRun& run) {
  run = co_await run_stream(w, w.json_values, stream, 0);
  co_return run.check;
}

}  // namespace hivetest::flow
