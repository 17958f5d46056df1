// Tests of the JUnit report: counts, failures, skips, and only characters XML 1.0 allows.
#include <doctest/doctest.h>

#include <regex>

#include "hivetest/report/junit.hpp"
#include "hivetest/util/text.hpp"
#include "report_sample.hpp"

using namespace hivetest;

namespace {

// XML 1.0's Char production: tab, LF, CR and the text ranges, nothing else.
bool xml_chars_only(const std::string& doc) {
  std::string_view rest = doc;
  while (!rest.empty()) {
    auto ch = hivetest::next_utf8(rest);
    if (ch.length == 0) return false;
    char32_t c = ch.code_point;
    bool allowed = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
                   c >= 0x10000;
    if (!allowed) return false;
    rest.remove_prefix(ch.length);
  }
  return true;
}

// Every '<' opens one of our elements and every '&' one of the five entities: no markup
// from a worker got through unescaped.
bool markup_is_ours(const std::string& doc) {
  static const std::regex tag(R"(<(\?xml|/?(testsuites|testsuite|properties|property|testcase|failure|error|skipped|system-out))[ >/])");
  static const std::regex entity(R"(&(amp|lt|gt|quot|apos);)");
  for (std::size_t at = doc.find('<'); at != std::string::npos; at = doc.find('<', at + 1))
    if (!std::regex_search(doc.begin() + at, doc.begin() + std::min(doc.size(), at + 20), tag,
                           std::regex_constants::match_continuous))
      return false;
  for (std::size_t at = doc.find('&'); at != std::string::npos; at = doc.find('&', at + 1))
    if (!std::regex_search(doc.begin() + at, doc.begin() + std::min(doc.size(), at + 7), entity,
                           std::regex_constants::match_continuous))
      return false;
  return true;
}

std::size_t occurrences(const std::string& doc, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = doc.find(what); at != std::string::npos; at = doc.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a testsuite per worker and a testcase per check, with the counts CI systems read") {
  auto s = report_sample::suite(
      {report_sample::passing_run(), report_sample::failing_run(), report_sample::skipped_run()},
      flow::exit_code::failed);
  auto doc = report::junit_document(s);
  CHECK(doc.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"hivetest\" tests=\"9\" failures=\"1\" "
                  "errors=\"0\" skipped=\"2\" time=\"1.234\">\n",
                  0) == 0);
  CHECK(occurrences(doc, "<testsuite ") == 3);
  CHECK(occurrences(doc, "<testcase ") == 9);
  CHECK(doc.find(R"(<testsuite name="reference-worker" id="0" package="hivetest" timestamp=")") != std::string::npos);
  CHECK(doc.find(R"(tests="6" failures="0" errors="0" skipped="1" time="0.040">)") != std::string::npos);
  CHECK(doc.find(R"(<testcase name="ready" classname="hivetest.reference-worker" time="0.012"/>)") != std::string::npos);
  CHECK(doc.find("<skipped message=\"Not waiting for heartbeats\"/>") != std::string::npos);
  CHECK(doc.find("<failure message=\"Worker exited: \\x1b[31mred\\x1b[0m nul:\\x00: bad:\xEF\xBF\xBD\xEF\xBF\xBD:") !=
        std::string::npos);
  CHECK(doc.find("type=\"ready\">") != std::string::npos);
  CHECK(doc.find("\nexpected: the worker running\n") != std::string::npos);
  CHECK(doc.find("\nhint: run it by hand\n</failure>") != std::string::npos);
  CHECK(doc.find("<property name=\"worker_id\" value=\"test-worker-2\"/>") != std::string::npos);
  CHECK(doc.find("Worker log (last 3 of 5000 lines):\n[out] \\x1b[31mred") != std::string::npos);
  CHECK(doc.find("&lt;b&gt;&amp;amp;&lt;/b&gt; &quot;q&quot; &apos;a&apos; ]]&gt;") != std::string::npos);
  CHECK(doc.find("more bytes] [cut]\n") != std::string::npos);
  CHECK(doc.find("[err] \\x00\\x00\\x00\n") != std::string::npos);
  CHECK(doc.find("Hive log:\n[+0 ms] heartbeat #1 from test-worker-1") != std::string::npos);
  CHECK(occurrences(doc, "heartbeat #1 from test-worker-1") == 1);  // only in its own worker's suite
  CHECK(occurrences(doc, "rejected heartbeat: ") == 3);             // tied to no worker: in every suite
  CHECK(xml_chars_only(doc));
  CHECK(markup_is_ours(doc));
}

TEST_CASE("a set-up error is an <error>") {
  auto run = report_sample::passing_run();
  run.checks.resize(3);
  run.checks[2].outcome = flow::Outcome::error;
  run.checks[2].message = "Worker not started: cannot run '/nonexistent'";
  run.exit_code = flow::exit_code::setup_error;
  auto doc = report::junit_document(report_sample::suite({run}, flow::exit_code::setup_error));
  CHECK(doc.find(R"(tests="3" failures="0" errors="1" skipped="0")") != std::string::npos);
  CHECK(doc.find("<error message=\"Worker not started: cannot run &apos;/nonexistent&apos;\" type=\"spawn\">") !=
        std::string::npos);
  CHECK(markup_is_ours(doc));
}
