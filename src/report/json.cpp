// The JSON report: one document with every check, its timings and the logs of both sides.
#include "hivetest/report/json.hpp"

#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "hivetest/report/json_parts.hpp"
#include "hivetest/report/json_writer.hpp"
#include "hivetest/report/verdict.hpp"
#include "hivetest/version.hpp"

namespace hivetest::report {

using std::chrono::milliseconds;

namespace {

// RFC 3339 in UTC with milliseconds: 2026-01-01T10:54:23.042Z.
std::string utc_time(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count() % 1000;
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", tm, ms);
}

const char* hive_kind(hive::HiveLogEntry::Kind kind) {
  using K = hive::HiveLogEntry::Kind;
  switch (kind) {
    case K::heartbeat: return "heartbeat";
    case K::rejected: return "rejected";
    case K::unknown_path: return "unknown_path";
    case K::unknown_worker: return "unknown_worker";
    case K::refused: return "refused";
    case K::dropped: return "dropped";
  }
  return "unknown";
}

// Milliseconds, with decimals when the duration is finer.
template <class Duration>
void optional_ms(JsonWriter& w, std::string_view key, const std::optional<Duration>& d) {
  w.key(key);
  if (!d)
    w.null();
  else if constexpr (std::is_same_v<Duration, milliseconds>)
    w.number(d->count());
  else
    w.real(std::chrono::duration<double, std::milli>(*d).count());
}

// An integer, or null when there is none.
template <class T>
void optional_number(JsonWriter& w, std::string_view key, const std::optional<T>& v) {
  w.key(key);
  if (v)
    w.number(*v);
  else
    w.null();
}

// A steady-clock time as CLOCK_MONOTONIC's microseconds (the same clock on Linux).
std::optional<int64_t> monotonic_us(const std::optional<std::chrono::steady_clock::time_point>& t) {
  if (!t) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::microseconds>(t->time_since_epoch()).count();
}

}  // namespace

void check(JsonWriter& w, const flow::CheckResult& c) {
  w.begin_object()
      .field("name", c.name)
      .field("outcome", outcome_name(c.outcome))
      .field("message", c.message)
      .field("expected", c.expected)
      .field("got", c.got)
      .field("hint", c.hint)
      .field("duration_ms", c.duration.count())
      .end_object();
}

void run(JsonWriter& w, const flow::RunResult& r, std::chrono::steady_clock::time_point suite_start) {
  w.begin_object()
      .field("id", r.worker_id)
      .field("label", r.label)
      .field("outcome", outcome_name(run_outcome(r)))
      .field("exit_code", r.exit_code);
  optional_number(w, "pid", r.pid);
  w.field("port", r.worker_port).field("duration_ms", r.duration.count());
  optional_ms(w, "time_to_ready_ms", r.time_to_ready);
  optional_number(w, "ready_seen_monotonic_us", monotonic_us(r.ready_seen));
  w.field("heartbeats", r.heartbeats);
  w.key("inference");
  if (r.inference) {
    const auto& i = *r.inference;
    w.begin_object().field("tokens", i.tokens).field("text", i.text);
    optional_ms(w, "time_to_first_token_ms", i.tokens ? std::optional(i.time_to_first_token) : std::nullopt);
    w.field("time_to_first_token_us", i.time_to_first_token.count())
        .key("tokens_per_second").real(i.tokens_per_second, 1)
        .field("inter_token_p50_us", i.inter_token_p50.count())
        .field("inter_token_p99_us", i.inter_token_p99.count())
        .field("stop_reason", i.stop_reason)
        .end_object();
  } else {
    w.null();
  }
  w.key("concurrent");
  if (r.concurrent)
    w.begin_object()
        .field("tokens", r.concurrent->tokens)
        .key("tokens_per_second").real(r.concurrent->tokens_per_second, 1)
        .field("slowest_time_to_first_token_us", r.concurrent->time_to_first_token.count())
        .end_object();
  else
    w.null();
  w.field("worker_exit", r.exit_description);

  w.key("checks").begin_array();
  for (const auto& c : r.checks) check(w, c);
  w.end_array();

  w.key("log").begin_object().field("total_lines", r.worker_log_total).key("lines").begin_array();
  for (const auto& l : r.worker_log)
    w.begin_object()
        .field("stream", l.stream == process::Stream::err ? "stderr" : "stdout")
        .field("at_ms", std::chrono::duration_cast<milliseconds>(l.at - suite_start).count())
        .field("text", l.text)
        .key("cut")
        .boolean(l.cut)
        .end_object();
  w.end_array().end_object();
  w.end_object();
}

void hive_log(JsonWriter& w, const flow::SuiteResult& s) {
  w.key("hive").begin_object().field("unknown_worker_heartbeats", s.unknown_worker_heartbeats);
  w.key("log").begin_array();
  for (const auto& e : s.hive_log) {
    w.begin_object().field("at", utc_time(e.wall)).field("kind", hive_kind(e.kind));
    if (!e.worker_id.empty()) w.field("worker_id", e.worker_id);
    if (e.kind == hive::HiveLogEntry::Kind::heartbeat || e.kind == hive::HiveLogEntry::Kind::dropped)
      w.field("number", e.number);
    if (e.status) w.field("status", e.status);
    if (!e.method.empty()) w.field("method", e.method);
    if (!e.path.empty()) w.field("path", e.path);
    if (!e.peer.empty()) w.field("peer", e.peer);
    w.field("text", e.text).end_object();
  }
  w.end_array().end_object();
}

void summary(JsonWriter& w, const flow::SuiteResult& s) {
  Tally runs, checks;
  for (const auto& r : s.runs) {
    runs.add(run_outcome(r));
    for (const auto& c : r.checks) checks.add(c.outcome);
  }
  auto tally = [&](std::string_view key, const Tally& t) {
    w.key(key)
        .begin_object()
        .field("total", t.total())
        .field("pass", t.pass)
        .field("warn", t.warn)
        .field("fail", t.fail)
        .field("skip", t.skip)
        .field("error", t.error)
        .field("interrupted", t.interrupted)
        .end_object();
  };
  w.key("summary").begin_object();
  tally("workers", runs);
  tally("checks", checks);
  w.end_object();
}

const char* suite_outcome(const flow::SuiteResult& s) {
  if (s.interrupted_by) return "interrupted";
  switch (s.exit_code) {
    case flow::exit_code::passed: return "pass";
    case flow::exit_code::skipped: return "skip";
    case flow::exit_code::setup_error: return "error";
    default: return "fail";
  }
}

std::string json_document(const flow::SuiteResult& s) {
  JsonWriter w;
  w.begin_object()
      .field("version", json_schema_version)
      .field("hivetest", version)
      .field("started_at", utc_time(s.started_at))
      .field("duration_ms", s.duration.count())
      .key("hivetest_cpu_ms")
      .real(std::chrono::duration<double, std::milli>(s.cpu_time).count())
      .field("hivetest_peak_rss_kib", s.peak_rss_kib)
      .field("outcome", suite_outcome(s))
      .field("exit_code", s.exit_code);
  w.key("interrupted_by");
  if (s.interrupted_by)
    w.string(signal_name(s.interrupted_by));
  else
    w.null();
  summary(w, s);
  w.key("workers").begin_array();
  for (const auto& r : s.runs) run(w, r, s.started);
  w.end_array();
  hive_log(w, s);
  w.end_object();
  return w.take();
}

}  // namespace hivetest::report
