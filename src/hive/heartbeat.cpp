// Heartbeat payload validation for the mock hive, both worker payload shapes.
#include "hivetest/hive/heartbeat.hpp"

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <utility>

namespace hivetest::hive {

namespace {

constexpr const char* kMissingId = "missing worker id (expected \"worker_id\" or \"worker.id\")";
constexpr const char* kBadId = "worker id must be a non-empty string";

// Optional fields of the wrong type are left empty instead of failing the heartbeat:
// only the worker id decides whether the hive answers 400.
std::string optional_string(const simdjson::dom::object& obj, std::string_view key) {
  std::string_view s;
  if (obj.at_key(key).get_string().get(s) != simdjson::SUCCESS) return {};
  return std::string(s);
}

HeartbeatParse failure(std::string why) {
  HeartbeatParse r;
  r.error = std::move(why);
  return r;
}

}  // namespace

HeartbeatParse parse_heartbeat(std::string_view body) {
  if (body.empty()) return failure("empty body");

  // One parser kept for the life of the thread so its buffers are reused across requests.
  thread_local simdjson::dom::parser parser;
  const simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS)
    return failure(std::string("body is not valid JSON: ") + simdjson::error_message(err));

  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) return failure("body is not a JSON object");

  Heartbeat hb;
  simdjson::dom::object worker;
  simdjson::dom::element id_el;
  if (obj.at_key("worker_id").get(id_el) != simdjson::SUCCESS) {
    if (obj.at_key("worker").get_object().get(worker) != simdjson::SUCCESS ||
        worker.at_key("id").get(id_el) != simdjson::SUCCESS)
      return failure(kMissingId);
    hb.nested = true;
  }
  std::string_view id;
  if (id_el.get_string().get(id) != simdjson::SUCCESS || id.empty()) return failure(kBadId);
  hb.worker_id = id;

  hb.timestamp = optional_string(obj, "timestamp");
  if (hb.nested) {
    hb.model_id = optional_string(worker, "model_id");
    hb.health_status = optional_string(worker, "status");
    int64_t port = 0;
    if (worker.at_key("port").get_int64().get(port) == simdjson::SUCCESS) hb.port = port;
  } else {
    hb.health_status = optional_string(obj, "health_status");
  }

  HeartbeatParse r;
  r.heartbeat = std::move(hb);
  return r;
}

bool is_heartbeat_path(std::string_view path) {
  // Routing ignores the query string; workers never send one, but it must not cause a 404.
  path = path.substr(0, path.find('?'));
  return path == "/v1/heartbeat" || path == "/heartbeat/workers" || path == "/v1/worker-heartbeat";
}

}  // namespace hivetest::hive
