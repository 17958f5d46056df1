// The TAP version 14 report: a test point per check, a subtest per worker when there are several.
#include "hivetest/report/tap.hpp"

#include <fmt/format.h>

#include "hivetest/report/json_writer.hpp"
#include "hivetest/util/text.hpp"
#include "hivetest/report/verdict.hpp"

namespace hivetest::report {

using flow::CheckResult;
using flow::Outcome;
using flow::RunResult;

namespace {

constexpr std::size_t max_description = 300;  // bytes of a description or reason before the cut
constexpr std::size_t max_scalar = 4096;      // bytes of a YAML value before the cut

// A description or reason: one printable line, with TAP's two escapes so that a worker's
// text can never open a directive.
std::string tap_text(std::string_view bytes) {
  std::string out;
  for (char c : printable(bytes, max_description)) {
    if (c == '\\' || c == '#') out += '\\';
    out += c;
  }
  return out;
}

std::string log_entry(const process::LogLine& l) {
  return fmt::format("[{}] {}{}", l.stream == process::Stream::err ? "err" : "out", l.text, l.cut ? " [cut]" : "");
}

// The YAML block under a failing point: every value a quoted scalar, so that no byte of
// it can end the block or break a line.
void diagnostics(std::string& out, const std::string& indent, const CheckResult& c, const RunResult& r) {
  auto scalar = [&](std::string_view key, std::string_view value) {
    if (!value.empty()) out += fmt::format("{}  {}: {}\n", indent, key, json_string(value, max_scalar));
  };
  out += indent + "  ---\n";
  scalar("message", c.message);
  out += fmt::format("{}  severity: {}\n", indent, outcome_name(c.outcome));
  scalar("expected", c.expected);
  scalar("got", c.got);
  scalar("hint", c.hint);
  out += fmt::format("{}  duration_ms: {}\n", indent, c.duration.count());
  scalar("worker", r.worker_id);
  scalar("worker_exit", r.exit_description);
  if (!r.worker_log.empty()) {
    out += fmt::format("{}  log_lines_total: {}\n", indent, r.worker_log_total);
    out += indent + "  log:\n";
    for (const auto& l : r.worker_log) out += fmt::format("{}    - {}\n", indent, json_string(log_entry(l), max_scalar));
  }
  out += indent + "  ...\n";
}

// A point is named by its check alone, so that a CI system sees the same test from run to
// run; what happened goes in a comment after it, the reason of a skip, or the YAML block.
void test_point(std::string& out, const std::string& indent, std::size_t number, const CheckResult& c,
                const RunResult& r) {
  switch (c.outcome) {
    case Outcome::pass:
      out += fmt::format("{}ok {} - {}\n", indent, number, tap_text(c.name));
      out += fmt::format("{}# {}\n", indent, printable(c.message, max_description));
      break;
    case Outcome::warn:
      // A warning passes: TAP has no word for it, so it is a comment on a passing point.
      out += fmt::format("{}ok {} - {}\n", indent, number, tap_text(c.name));
      out += fmt::format("{}# WARN {}\n", indent, printable(c.message, max_description));
      break;
    case Outcome::skip:
      out += fmt::format("{}ok {} - {} # SKIP {}\n", indent, number, tap_text(c.name), tap_text(c.message));
      break;
    case Outcome::fail:
    case Outcome::error:
    case Outcome::interrupted:
      out += fmt::format("{}not ok {} - {}\n", indent, number, tap_text(c.name));
      diagnostics(out, indent, c, r);
      break;
  }
}

// One run's checks as a TAP document (plan first) at `indent`.
void run_document(std::string& out, const std::string& indent, const RunResult& r) {
  out += fmt::format("{}1..{}\n", indent, r.checks.size());
  for (std::size_t i = 0; i < r.checks.size(); ++i) test_point(out, indent, i + 1, r.checks[i], r);
}

const CheckResult* first_with(const RunResult& r, Outcome outcome) {
  for (const auto& c : r.checks)
    if (c.outcome == outcome) return &c;
  return nullptr;
}

// A worker's run as a subtest, closed by its correlated point, named by the worker's label
// (the worker id holds a process id: it changes from run to run).
void run_subtest(std::string& out, std::size_t number, const RunResult& r) {
  std::string name = tap_text(r.label.empty() ? r.worker_id : r.label);
  out += fmt::format("# Subtest: {}\n", name);
  out += fmt::format("    # worker id {}\n", tap_text(r.worker_id));
  run_document(out, "    ", r);
  switch (run_outcome(r)) {
    case Outcome::pass:
    case Outcome::warn:
      out += fmt::format("ok {} - {}\n", number, name);
      break;
    case Outcome::skip: {
      const auto* skip = first_with(r, Outcome::skip);
      out += fmt::format("ok {} - {} # SKIP {}\n", number, name, skip ? tap_text(skip->message) : "");
      break;
    }
    case Outcome::fail:
    case Outcome::error:
    case Outcome::interrupted:
      out += fmt::format("not ok {} - {}\n", number, name);
      if (const auto* failure = r.first_failure()) diagnostics(out, "", *failure, r);
      break;
  }
}

const CheckResult* first_error(const flow::SuiteResult& s) {
  for (const auto& r : s.runs)
    if (const auto* e = first_with(r, Outcome::error)) return e;
  return nullptr;
}

}  // namespace

std::string tap_document(const flow::SuiteResult& s, int version) {
  std::string out = fmt::format("TAP version {}\n", version);
  if (s.runs.size() == 1) {
    run_document(out, "", s.runs.front());
  } else {
    out += fmt::format("1..{}\n", s.runs.size());
    for (std::size_t i = 0; i < s.runs.size(); ++i) run_subtest(out, i + 1, s.runs[i]);
  }
  if (s.interrupted_by) {
    out += fmt::format("Bail out! Interrupted by {}; every worker was stopped\n", signal_name(s.interrupted_by));
  } else if (s.exit_code == flow::exit_code::setup_error) {
    const auto* e = first_error(s);
    out += fmt::format("Bail out! {}\n", e ? tap_text(e->message) : "set-up error");
  }
  return out;
}

int tap_exit_code(const flow::SuiteResult& s) {
  if (s.interrupted_by || s.exit_code == flow::exit_code::setup_error) return s.exit_code;
  return flow::exit_code::passed;
}

}  // namespace hivetest::report
