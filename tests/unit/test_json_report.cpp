// Tests of the JSON report: read back with simdjson, every field and the worker's bytes intact.
#include <doctest/doctest.h>

#include <csignal>

#include <simdjson.h>

#include "hivetest/report/json.hpp"
#include "report_sample.hpp"

using namespace hivetest;

namespace {

// The hostile bytes as a JSON reader gets them back: only invalid UTF-8 differs.
std::string read_back(std::string bytes) {
  const std::string fffd = "\xEF\xBF\xBD";
  for (auto [from, to] : {std::pair<std::string, std::string>{"\xff\xfe", fffd + fffd}, {"\xe2\x82", fffd + fffd}}) {
    auto at = bytes.find(from);
    REQUIRE(at != std::string::npos);
    bytes.replace(at, from.size(), to);
  }
  return bytes;
}

}  // namespace

TEST_CASE("the JSON report reads back with every worker, check, timing and log line") {
  auto s = report_sample::suite(
      {report_sample::passing_run(), report_sample::failing_run(), report_sample::skipped_run()},
      flow::exit_code::failed);
  auto text = report::json_document(s);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(!parser.parse(simdjson::padded_string(text)).get(doc));

  CHECK(int64_t(doc["version"]) == report::json_schema_version);
  CHECK(std::string_view(doc["outcome"]) == "fail");
  CHECK(int64_t(doc["exit_code"]) == 1);
  CHECK(int64_t(doc["duration_ms"]) == 1234);
  CHECK(doc["interrupted_by"].is_null());
  CHECK(std::string_view(doc["started_at"]).size() == 24);  // 2026-01-01T10:54:23.042Z
  CHECK(int64_t(doc["summary"]["workers"]["total"]) == 3);
  CHECK(int64_t(doc["summary"]["workers"]["skip"]) == 1);
  CHECK(int64_t(doc["summary"]["checks"]["total"]) == 9);
  CHECK(int64_t(doc["summary"]["checks"]["fail"]) == 1);

  simdjson::dom::array workers = doc["workers"];
  REQUIRE(workers.size() == 3);
  auto pass = workers.at(0), fail = workers.at(1), skip = workers.at(2);
  CHECK(std::string_view(pass["outcome"]) == "pass");
  CHECK(double(pass["time_to_ready_ms"]) == 3.0);
  CHECK(int64_t(pass["inference"]["tokens"]) == 5);
  CHECK(std::string_view(pass["inference"]["text"]) == "Paris" + read_back(report_sample::hostile()));
  CHECK(std::string_view(pass["checks"].at(4)["outcome"]) == "skip");
  CHECK(int64_t(pass["checks"].at(0)["duration_ms"]) == 12);

  CHECK(std::string_view(fail["label"]) == "hostile \x1b[1m# worker\n");
  auto failed = fail["checks"].at(1);
  CHECK(std::string_view(failed["name"]) == "ready");
  CHECK(std::string_view(failed["outcome"]) == "fail");
  CHECK(std::string_view(failed["got"]) == read_back(report_sample::hostile()));
  CHECK(int64_t(fail["log"]["total_lines"]) == 5000);
  auto lines = fail["log"]["lines"];
  CHECK(std::string_view(lines.at(0)["text"]) == read_back(report_sample::hostile()));
  CHECK(std::string_view(lines.at(0)["stream"]) == "stdout");
  CHECK(int64_t(lines.at(0)["at_ms"]) == 5);
  CHECK(std::string_view(lines.at(1)["text"]).size() == 16 * 1024);
  CHECK(bool(lines.at(1)["cut"]));
  CHECK(std::string_view(lines.at(2)["text"]) == std::string("\0\0\0", 3));
  CHECK(fail["time_to_ready_ms"].is_null());
  CHECK(fail["inference"].is_null());

  CHECK(std::string_view(skip["outcome"]) == "skip");
  CHECK(skip["pid"].is_null());

  simdjson::dom::array hive_log = doc["hive"]["log"];
  REQUIRE(hive_log.size() == 2);
  CHECK(std::string_view(hive_log.at(0)["kind"]) == "heartbeat");
  CHECK(int64_t(hive_log.at(0)["number"]) == 1);
  CHECK(std::string_view(hive_log.at(1)["kind"]) == "rejected");
  CHECK(std::string_view(hive_log.at(1)["text"]) == read_back(report_sample::hostile()));
}

TEST_CASE("an interrupted run names the signal") {
  auto s = report_sample::suite({report_sample::passing_run()}, 143);
  s.interrupted_by = SIGTERM;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(!parser.parse(simdjson::padded_string(report::json_document(s))).get(doc));
  CHECK(std::string_view(doc["outcome"]) == "interrupted");
  CHECK(std::string_view(doc["interrupted_by"]) == "SIGTERM");
}
