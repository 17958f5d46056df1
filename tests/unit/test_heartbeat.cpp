// Unit tests for heartbeat payload validation and heartbeat route matching.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "hivetest/hive/heartbeat.hpp"

using hivetest::hive::is_heartbeat_path;
using hivetest::hive::parse_heartbeat;

namespace {

const std::string kMissing = "missing worker id (expected \"worker_id\" or \"worker.id\")";
const std::string kBadId = "worker id must be a non-empty string";

std::string error_of(std::string_view body) {
  auto r = parse_heartbeat(body);
  CHECK_FALSE(r.heartbeat.has_value());
  return r.error;
}

bool starts_with_invalid_json(const std::string& s) {
  const std::string prefix = "body is not valid JSON: ";
  return s.size() > prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

TEST_CASE("heartbeat: flat shape") {
  auto r = parse_heartbeat(
      R"({"worker_id":"worker-1","timestamp":"2024-05-01T12:00:00Z","health_status":"healthy"})");
  REQUIRE(r.heartbeat.has_value());
  CHECK(r.error.empty());
  CHECK(r.heartbeat->worker_id == "worker-1");
  CHECK(r.heartbeat->timestamp == "2024-05-01T12:00:00Z");
  CHECK(r.heartbeat->health_status == "healthy");
  CHECK_FALSE(r.heartbeat->nested);
  CHECK(r.heartbeat->model_id.empty());
  CHECK_FALSE(r.heartbeat->port.has_value());
}

TEST_CASE("heartbeat: flat shape with only the id, and any health status kept") {
  auto r = parse_heartbeat(R"({"worker_id":"w"})");
  REQUIRE(r.heartbeat.has_value());
  CHECK(r.heartbeat->worker_id == "w");
  CHECK(r.heartbeat->timestamp.empty());
  CHECK(r.heartbeat->health_status.empty());

  r = parse_heartbeat(R"( {"health_status":"degraded-ish","worker_id":"w2"} )");
  REQUIRE(r.heartbeat.has_value());
  CHECK(r.heartbeat->health_status == "degraded-ish");
}

TEST_CASE("heartbeat: nested shape") {
  auto r = parse_heartbeat(
      R"({"worker":{"id":"w-9","model_id":"tinyllama","port":8081,"status":"idle"},)"
      R"("timestamp":"2024-05-01T12:00:30Z"})");
  REQUIRE(r.heartbeat.has_value());
  CHECK(r.heartbeat->nested);
  CHECK(r.heartbeat->worker_id == "w-9");
  CHECK(r.heartbeat->model_id == "tinyllama");
  REQUIRE(r.heartbeat->port.has_value());
  CHECK(*r.heartbeat->port == 8081);
  CHECK(r.heartbeat->health_status == "idle");
  CHECK(r.heartbeat->timestamp == "2024-05-01T12:00:30Z");
}

TEST_CASE("heartbeat: nested optional fields of the wrong type are left empty") {
  auto r = parse_heartbeat(R"({"worker":{"id":"w","model_id":null,"port":"8080","status":3}})");
  REQUIRE(r.heartbeat.has_value());
  CHECK(r.heartbeat->worker_id == "w");
  CHECK(r.heartbeat->model_id.empty());
  CHECK_FALSE(r.heartbeat->port.has_value());
  CHECK(r.heartbeat->health_status.empty());
  CHECK(r.heartbeat->timestamp.empty());
}

TEST_CASE("heartbeat: flat id wins when both shapes are present") {
  auto r = parse_heartbeat(R"({"worker":{"id":"nested"},"worker_id":"flat"})");
  REQUIRE(r.heartbeat.has_value());
  CHECK(r.heartbeat->worker_id == "flat");
  CHECK_FALSE(r.heartbeat->nested);
}

TEST_CASE("heartbeat: empty body") { CHECK(error_of("") == "empty body"); }

TEST_CASE("heartbeat: invalid JSON") {
  CHECK(starts_with_invalid_json(error_of("{")));
  CHECK(starts_with_invalid_json(error_of("not json")));
  CHECK(starts_with_invalid_json(error_of("{'worker_id':'w'}")));
  CHECK(starts_with_invalid_json(error_of("   ")));
  CHECK(starts_with_invalid_json(error_of("{\"worker_id\":\"\xff\"}")));
  CHECK(starts_with_invalid_json(error_of(R"({"worker_id":"w",})")));
}

TEST_CASE("heartbeat: trailing garbage after the object is rejected") {
  CHECK(starts_with_invalid_json(error_of(R"({"worker_id":"w"} x)")));
  CHECK(starts_with_invalid_json(error_of(R"({"worker_id":"w"}{})")));
  CHECK(starts_with_invalid_json(error_of(R"({"worker_id":"w"}])")));
  // Trailing whitespace is not garbage.
  CHECK(parse_heartbeat("{\"worker_id\":\"w\"}\r\n").heartbeat.has_value());
}

TEST_CASE("heartbeat: JSON that is not an object") {
  CHECK(error_of(R"(["worker_id","w"])") == "body is not a JSON object");
  CHECK(error_of(R"("w")") == "body is not a JSON object");
  CHECK(error_of("42") == "body is not a JSON object");
  CHECK(error_of("null") == "body is not a JSON object");
}

TEST_CASE("heartbeat: missing worker id") {
  CHECK(error_of("{}") == kMissing);
  CHECK(error_of(R"({"workerId":"w"})") == kMissing);
  CHECK(error_of(R"({"worker":{}})") == kMissing);
  CHECK(error_of(R"({"worker":{"model_id":"m"}})") == kMissing);
  CHECK(error_of(R"({"worker":"w"})") == kMissing);
  CHECK(error_of(R"({"id":"w"})") == kMissing);
}

TEST_CASE("heartbeat: worker id must be a non-empty string") {
  CHECK(error_of(R"({"worker_id":""})") == kBadId);
  CHECK(error_of(R"({"worker_id":42})") == kBadId);
  CHECK(error_of(R"({"worker_id":null})") == kBadId);
  CHECK(error_of(R"({"worker_id":["w"]})") == kBadId);
  CHECK(error_of(R"({"worker":{"id":7}})") == kBadId);
  CHECK(error_of(R"({"worker":{"id":""}})") == kBadId);
}

TEST_CASE("heartbeat: worker id with escapes is decoded") {
  auto r = parse_heartbeat(R"({"worker_id":"w\u00e9\n1"})");
  REQUIRE(r.heartbeat.has_value());
  CHECK(r.heartbeat->worker_id == "w\xC3\xA9\n1");
}

TEST_CASE("heartbeat: accepted paths") {
  CHECK(is_heartbeat_path("/v1/heartbeat"));
  CHECK(is_heartbeat_path("/heartbeat/workers"));
  CHECK(is_heartbeat_path("/v1/worker-heartbeat"));
  CHECK(is_heartbeat_path("/v1/heartbeat?worker=1"));
  CHECK(is_heartbeat_path("/heartbeat/workers?"));
  CHECK(is_heartbeat_path("/v1/worker-heartbeat?a=b&c=/v2"));
}

TEST_CASE("heartbeat: rejected paths") {
  CHECK_FALSE(is_heartbeat_path(""));
  CHECK_FALSE(is_heartbeat_path("/"));
  CHECK_FALSE(is_heartbeat_path("/heartbeat"));
  CHECK_FALSE(is_heartbeat_path("/v1/heartbeat/"));
  CHECK_FALSE(is_heartbeat_path("/v1/heartbeats"));
  CHECK_FALSE(is_heartbeat_path("/V1/heartbeat"));
  CHECK_FALSE(is_heartbeat_path("v1/heartbeat"));
  CHECK_FALSE(is_heartbeat_path("/v2/heartbeat?/v1/heartbeat"));
  CHECK_FALSE(is_heartbeat_path("/health"));
}
