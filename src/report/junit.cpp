// The JUnit XML report, as GitLab and Jenkins read it: a testsuite per worker, a testcase per check.
#include "hivetest/report/junit.hpp"

#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "hivetest/util/text.hpp"
#include "hivetest/report/verdict.hpp"

namespace hivetest::report {

using flow::Outcome;

namespace {

constexpr std::size_t max_attribute = 1000;  // bytes of an attribute value before the cut
constexpr std::size_t max_line = 4096;       // bytes of a log line before the cut

// Text as XML character data or attribute value: printable() leaves only characters XML
// 1.0 allows (no C0 control but none, no U+FFFE/U+FFFF), then the five markup characters.
std::string xml(std::string_view bytes, std::size_t max_bytes = max_attribute) {
  std::string out;
  for (char c : printable(bytes, max_bytes)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string seconds(std::chrono::milliseconds d) { return fmt::format("{:.3f}", d.count() / 1000.0); }

// JUnit's timestamp: ISO 8601 local time without a zone, as its schema has it.
std::string local_time(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}", tm);
}

struct Counts {
  std::size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  std::chrono::milliseconds time{0};
  void add(const Counts& o) {
    tests += o.tests, failures += o.failures, errors += o.errors, skipped += o.skipped, time += o.time;
  }
};

// A run's checks as test cases; a run cut short by a signal ends with an <error> that says so.
std::vector<flow::CheckResult> testcases(const flow::RunResult& r, int signal) {
  auto cases = r.checks;
  if (r.interrupted)
    cases.push_back(flow::CheckResult{.step = flow::Step::cleanup, .name = "interrupted", .outcome = Outcome::error,
                                      .message = fmt::format("interrupted by {} before the checks were done",
                                                             signal_name(signal))});
  return cases;
}

Counts count(const std::vector<flow::CheckResult>& cases, std::chrono::milliseconds duration) {
  Tally t;
  for (const auto& c : cases) t.add(c.outcome);
  return {t.total(), t.fail, t.error, t.skip, duration};
}

std::string count_attributes(const Counts& c) {
  return fmt::format(R"(tests="{}" failures="{}" errors="{}" skipped="{}" time="{}")", c.tests, c.failures, c.errors,
                     c.skipped, seconds(c.time));
}

// One line per entry, each made printable on its own so that line breaks stay line breaks.
void worker_log(std::string& out, const flow::RunResult& r) {
  out += fmt::format("Worker log (last {} of {} lines):\n", r.worker_log.size(), r.worker_log_total);
  for (const auto& l : r.worker_log)
    out += fmt::format("[{}] {}{}\n", l.stream == process::Stream::err ? "err" : "out", xml(l.text, max_line),
                       l.cut ? " [cut]" : "");
  if (!r.exit_description.empty()) out += fmt::format("Worker {}\n", xml(r.exit_description));
}

std::string hive_entry(const hive::HiveLogEntry& e) {
  using K = hive::HiveLogEntry::Kind;
  switch (e.kind) {
    case K::heartbeat: return fmt::format("heartbeat #{} from {} ({})", e.number, e.worker_id, e.text);
    case K::rejected: return fmt::format("rejected heartbeat: {}", e.text);
    case K::unknown_path: return fmt::format("unknown route: {}", e.text);
    case K::unknown_worker: return fmt::format("heartbeat from unexpected worker {} ({})", e.worker_id, e.text);
    case K::refused: return fmt::format("refused {} {} ({} {}) from {}", e.status, e.text, e.method, e.path, e.peer);
    case K::dropped: return fmt::format("{} earlier entries not kept", e.number);
  }
  return e.text;
}

// The hive's log as this worker's suite shows it: its own heartbeats, and what the hive
// could not tie to any worker.
void hive_log(std::string& out, const flow::SuiteResult& s, const flow::RunResult& r) {
  out += "Hive log:\n";
  for (const auto& e : s.hive_log) {
    if (e.kind == hive::HiveLogEntry::Kind::heartbeat && e.worker_id != r.worker_id) continue;
    auto offset = std::chrono::duration_cast<std::chrono::milliseconds>(e.wall - s.started_at);
    out += fmt::format("[+{} ms] {}\n", offset.count(), xml(hive_entry(e), max_line));
  }
}

void testcase(std::string& out, const flow::CheckResult& c, const std::string& classname) {
  out += fmt::format(R"(    <testcase name="{}" classname="{}" time="{}")", xml(c.name), classname, seconds(c.duration));
  switch (c.outcome) {
    case Outcome::pass:
      out += "/>\n";
      return;
    case Outcome::warn:
      // JUnit has no warning: the test passed, and says why it warns.
      out += fmt::format(">\n      <system-out>WARN: {}</system-out>\n", xml(c.message, max_line));
      break;
    case Outcome::skip:
      out += fmt::format(">\n      <skipped message=\"{}\"/>\n", xml(c.message));
      break;
    case Outcome::fail:
    case Outcome::error:
    case Outcome::interrupted: {
      const char* element = c.outcome == Outcome::fail ? "failure" : "error";
      out += fmt::format(">\n      <{} message=\"{}\" type=\"{}\">", element, xml(c.message), xml(c.name));
      std::string details = xml(c.message, max_line) + "\n";
      if (!c.expected.empty()) details += "expected: " + xml(c.expected, max_line) + "\n";
      if (!c.got.empty()) details += "got: " + xml(c.got, max_line) + "\n";
      if (!c.hint.empty()) details += "hint: " + xml(c.hint, max_line) + "\n";
      out += details + fmt::format("</{}>\n", element);
      break;
    }
  }
  out += "    </testcase>\n";
}

}  // namespace

std::string junit_document(const flow::SuiteResult& s) {
  Counts all;
  std::string suites;
  for (std::size_t i = 0; i < s.runs.size(); ++i) {
    const auto& r = s.runs[i];
    auto cases = testcases(r, s.interrupted_by);
    Counts c = count(cases, r.duration);
    all.add(c);
    std::string name = xml(r.label.empty() ? r.worker_id : r.label);
    std::string classname = xml("hivetest." + (r.label.empty() ? r.worker_id : r.label));
    suites += fmt::format(R"(  <testsuite name="{}" id="{}" package="hivetest" timestamp="{}" hostname="localhost" {}>)",
                          name, i, local_time(s.started_at), count_attributes(c));
    suites += "\n    <properties>\n";
    auto property = [&](std::string_view key, const std::string& value) {
      suites += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", key, xml(value));
    };
    property("worker_id", r.worker_id);
    property("outcome", outcome_name(run_outcome(r)));
    if (r.pid) property("pid", std::to_string(*r.pid));
    if (r.worker_port) property("port", std::to_string(r.worker_port));
    if (r.time_to_ready) property("time_to_ready_us", std::to_string(r.time_to_ready->count()));
    if (r.inference && r.inference->tokens) {
      property("time_to_first_token_us", std::to_string(r.inference->time_to_first_token.count()));
      property("tokens_per_second", fmt::format("{:.1f}", r.inference->tokens_per_second));
      property("inter_token_p50_us", std::to_string(r.inference->inter_token_p50.count()));
      property("inter_token_p99_us", std::to_string(r.inference->inter_token_p99.count()));
    }
    if (r.concurrent) property("concurrent_tokens_per_second", fmt::format("{:.1f}", r.concurrent->tokens_per_second));
    suites += "    </properties>\n";
    for (const auto& check : cases) testcase(suites, check, classname);
    suites += "    <system-out>";
    worker_log(suites, r);
    suites += "\n";
    hive_log(suites, s, r);
    suites += "</system-out>\n  </testsuite>\n";
  }
  all.time = s.duration;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"hivetest\" {}>\n", count_attributes(all));
  out += suites;
  out += "</testsuites>\n";
  return out;
}

}  // namespace hivetest::report
