// The ways this worker can be told to misbehave (--fault NAME), so that tests can show hivetest catches each.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

namespace reference_worker {

enum class Fault {
  crash_on_start,     // exits with a panic before it listens
  exit_after_ready,   // exits on the first request after it has said ready
  never_ready,        // never opens its port, but runs and sends heartbeats
  health_500,         // /health answers 500
  ready_false,        // /v1/ready says ready:false although the model is loaded
  no_heartbeat,       // sends no heartbeats
  bad_heartbeat,      // heartbeats whose body is not valid JSON
  late_heartbeat,     // the first heartbeat only after late_heartbeat_delay
  sse_error_event,    // the inference stream sends an error event mid-stream
  sse_no_done,        // the inference stream ends without data: [DONE]
  sse_stall,          // the inference stream stops mid-stream and keeps the connection open
  sse_garbage,        // the inference stream is bytes that are not server-sent events
  slow_tokens,        // slow_token_delay between tokens unless --token-delay-ms says otherwise
  ignore_sigterm,     // SIGTERM is logged and ignored: only SIGKILL ends it
  fork_grandchild,    // starts a child process that keeps running in the worker's group
  setsid_grandchild,  // starts a child process that leaves the group (setsid) and keeps running
  log_flood,          // writes to stdout and stderr as fast as they are read
  close_pipes,        // closes stdout and stderr once listening, and keeps running
  count_
};

inline constexpr int fault_exit_status = 101;  // what a panicking Rust worker exits with
inline constexpr auto late_heartbeat_delay = std::chrono::minutes(10);
inline constexpr auto slow_token_delay = std::chrono::milliseconds(200);

std::string_view fault_name(Fault f);
std::optional<Fault> fault_from_name(std::string_view name);
std::vector<std::string_view> fault_names();

// Several faults can be combined, e.g. a grandchild that also ignores SIGTERM.
class Faults {
 public:
  void add(Fault f) { bits_.set(static_cast<std::size_t>(f)); }
  bool has(Fault f) const { return bits_.test(static_cast<std::size_t>(f)); }

 private:
  std::bitset<static_cast<std::size_t>(Fault::count_)> bits_;
};

}  // namespace reference_worker
