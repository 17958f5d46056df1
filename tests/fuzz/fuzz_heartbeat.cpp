// libFuzzer target: heartbeat validation on any body: valid with a worker id, or a reason for the 400.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hivetest/hive/heartbeat.hpp"

using namespace hivetest::hive;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_heartbeat(body);
  if (parsed.heartbeat) {
    if (parsed.heartbeat->worker_id.empty() || !parsed.error.empty()) std::abort();
  } else if (parsed.error.empty()) {
    std::abort();
  }
  is_heartbeat_path(body);
  return 0;
}
