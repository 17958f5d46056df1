// Tests of the TAP 14 report: its grammar line by line, subtests, skips, bail-outs, hostile bytes.
#include <doctest/doctest.h>

#include <csignal>
#include <regex>
#include <sstream>

#include <simdjson.h>

#include "hivetest/report/tap.hpp"
#include "hivetest/util/text.hpp"
#include "report_sample.hpp"

using namespace hivetest;
using report::tap_document;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Valid UTF-8 without a single control character: one line stays one line.
bool clean(const std::string& line) {
  std::string_view rest = line;
  while (!rest.empty()) {
    auto ch = hivetest::next_utf8(rest);
    if (ch.length == 0 || hivetest::is_control(ch.code_point)) return false;
    rest.remove_prefix(ch.length);
  }
  return true;
}

bool json_scalar(const std::string& text) {
  simdjson::dom::parser parser;
  std::string_view value;
  return !parser.parse(simdjson::padded_string(text)).get(value);
}

// Checks every line against TAP 14's grammar as this report uses it; returns the first
// line that does not fit, or "" when all do.
std::string first_bad_line(const std::string& doc) {
  static const std::regex plan(R"(( {4})*1\.\.\d+)");
  // A description may hold escaped '#' and '\' but never a bare '#': that opens a directive.
  static const std::regex point(R"(( {4})*(not )?ok \d+ - (?:[^#\\]|\\[#\\])+( # SKIP (?:[^#\\]|\\[#\\])*)?)");
  static const std::regex comment(R"(( {4})*# .+)");  // "# Subtest: name" among them
  static const std::regex yaml_field(R"(( {4})*  (\w+):(?: (.+))?)");
  static const std::regex yaml_item(R"(( {4})*    - (".*"))");
  static const std::regex bail(R"(Bail out! .+)");
  auto lines = lines_of(doc);
  if (lines.empty() || lines[0] != "TAP version 14") return "(no version line)";
  bool in_yaml = false;
  std::smatch m;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto& l = lines[i];
    if (!clean(l)) return l;
    if (in_yaml) {
      if (std::regex_match(l, std::regex(R"(( {4})*  \.\.\.)"))) {
        in_yaml = false;
      } else if (std::regex_match(l, m, yaml_field)) {
        std::string v = m[3];
        bool ok = v == "fail" || v == "error" || std::all_of(v.begin(), v.end(), ::isdigit) ||
                  (v.empty() && m[2] == "log") || json_scalar(v);
        if (!ok) return l;
      } else if (!(std::regex_match(l, m, yaml_item) && json_scalar(m[2]))) {
        return l;
      }
      continue;
    }
    if (std::regex_match(l, std::regex(R"(( {4})*  ---)"))) {
      in_yaml = true;
      continue;
    }
    if (!std::regex_match(l, plan) && !std::regex_match(l, point) && !std::regex_match(l, comment) &&
        !std::regex_match(l, bail))
      return l;
  }
  return in_yaml ? "(unterminated YAML block)" : "";
}

}  // namespace

TEST_CASE("one worker: a plan and a point per check named by the check, skips as SKIP") {
  auto s = report_sample::suite({report_sample::passing_run()}, flow::exit_code::passed);
  auto doc = tap_document(s);
  auto lines = lines_of(doc);
  REQUIRE(lines.size() == 13);
  CHECK(lines[0] == "TAP version 14");
  CHECK(lines[1] == "1..6");
  CHECK(lines[2] == "ok 1 - model");
  CHECK(lines[3] == "# Model found: tiny.gguf");
  CHECK(lines[8] == "ok 4 - ready");
  CHECK(lines[9] == "# Worker is ready! (3 ms)");
  CHECK(lines[10] == "ok 5 - heartbeats # SKIP Not waiting for heartbeats");
  CHECK(lines[11] == "ok 6 - inference");
  CHECK(first_bad_line(doc) == "");
  CHECK(report::tap_exit_code(s) == 0);
}

TEST_CASE("a failing check gets a YAML block with expected, got, duration and the worker's log") {
  auto s = report_sample::suite({report_sample::failing_run()}, flow::exit_code::failed);
  auto doc = tap_document(s);
  CHECK(first_bad_line(doc) == "");
  CHECK(doc.find("ok 1 - model\n# Model found: tiny.gguf\nnot ok 2 - ready\n  ---\n  message: \"Worker exited: \\u001b[31mred") !=
        std::string::npos);
  CHECK(doc.find("  severity: fail\n") != std::string::npos);
  CHECK(doc.find("  expected: \"the worker running\"\n") != std::string::npos);
  CHECK(doc.find("  got: \"\\u001b[31mred\\u001b[0m nul:\\u0000:") != std::string::npos);
  CHECK(doc.find("  duration_ms: 12\n") != std::string::npos);
  CHECK(doc.find("  log_lines_total: 5000\n") != std::string::npos);
  CHECK(doc.find("    - \"[err] xxxx") != std::string::npos);
  CHECK(doc.find("[12300 more bytes]\"\n") != std::string::npos);  // the 16 KiB line, cut again
  CHECK(doc.find("    - \"[err] \\u0000\\u0000\\u0000\"\n") != std::string::npos);
  // The hostile text never starts a line of its own: one YAML end, no bail-out.
  auto all = lines_of(doc);
  CHECK(std::count(all.begin(), all.end(), "  ...") == 1);
  for (const auto& l : all) CHECK(l.rfind("Bail out!", 0) != 0);
  CHECK(report::tap_exit_code(s) == 0);
}

TEST_CASE("several workers: a subtest each, closed by a point that carries its verdict") {
  auto s = report_sample::suite(
      {report_sample::passing_run(), report_sample::failing_run(), report_sample::skipped_run()},
      flow::exit_code::failed);
  auto doc = tap_document(s);
  CHECK(first_bad_line(doc) == "");
  auto lines = lines_of(doc);
  CHECK(lines[1] == "1..3");
  CHECK(lines[2] == "# Subtest: reference-worker");
  CHECK(lines[3] == "    # worker id test-worker-1");
  CHECK(lines[4] == "    1..6");
  CHECK(doc.find("\nok 1 - reference-worker\n") != std::string::npos);
  CHECK(doc.find("\n# Subtest: hostile \\\\x1b[1m\\# worker\\\\x0a\n") != std::string::npos);
  CHECK(doc.find("\nnot ok 2 - hostile \\\\x1b[1m\\# worker\\\\x0a\n  ---\n") != std::string::npos);
  CHECK(doc.find("\n    not ok 2 - ready\n      ---\n") != std::string::npos);
  CHECK(doc.find("\n    ok 1 - model # SKIP Model not found: /no/such.gguf\n") != std::string::npos);
  CHECK(lines.back() == "ok 3 - no model # SKIP Model not found: /no/such.gguf");
}

TEST_CASE("a set-up error bails out, and so does an interruption") {
  auto run = report_sample::passing_run();
  run.checks.resize(2);
  run.checks[1].outcome = flow::Outcome::error;
  run.checks[1].message = "Failed to start mock hive server: port 19200 in use";
  run.exit_code = flow::exit_code::setup_error;
  auto s = report_sample::suite({run}, flow::exit_code::setup_error);
  auto doc = tap_document(s);
  CHECK(first_bad_line(doc) == "");
  CHECK(lines_of(doc).back() == "Bail out! Failed to start mock hive server: port 19200 in use");
  CHECK(doc.find("  severity: error\n") != std::string::npos);
  CHECK(report::tap_exit_code(s) == 2);

  auto interrupted = report_sample::suite({report_sample::passing_run()}, 130);
  interrupted.interrupted_by = SIGINT;
  CHECK(lines_of(tap_document(interrupted)).back() == "Bail out! Interrupted by SIGINT; every worker was stopped");
  CHECK(report::tap_exit_code(interrupted) == 130);
}

TEST_CASE("a skipped run is a skipped point, and exits 0 for the harness") {
  auto s = report_sample::suite({report_sample::skipped_run()}, flow::exit_code::skipped);
  CHECK(tap_document(s) == "TAP version 14\n1..1\nok 1 - model # SKIP Model not found: /no/such.gguf\n");
  CHECK(report::tap_exit_code(s) == 0);
}

TEST_CASE("--tap-version 13 writes the same document under version 13") {
  auto s = report_sample::suite({report_sample::passing_run(), report_sample::failing_run()}, flow::exit_code::failed);
  auto v14 = tap_document(s);
  auto v13 = tap_document(s, 13);
  REQUIRE(v14.rfind("TAP version 14\n", 0) == 0);
  CHECK(v13 == "TAP version 13\n" + v14.substr(std::string("TAP version 14\n").size()));
}
