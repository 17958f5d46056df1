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
  // Shutdown and concurrency bugs real workers have shipped (llama-server, rbee v3, ik_llama.cpp).
  crash_on_sigterm,     // SIGTERM once a request was answered: "terminate called without an active exception", abort()
  default_sigterm,      // SIGTERM keeps its default action (death by the signal); SIGINT still shuts down
  ignore_disconnect,    // one generation slot, held by a generation to its max_tokens after its client has gone
  cross_talk,           // with streams running side by side, every second token goes to another one
  cancel_kills_others,  // a client leaving its stream cuts every other running stream
  miscount,             // the end's token count is one more than the tokens streamed
  server_error_on_bad_request,  // 500 text/plain "Failed to parse operation: …" instead of a 400
  ready_too_early,      // says ready at once, even while loading; the first inference request gets 503
  irregular_heartbeat,  // heartbeat intervals alternate half and one and a half times the interval
  // Failure paths of hivetest's checks.
  unhealthy_after_ready,  // the health endpoint says not healthy once the worker has said ready
  unready_after_ready,    // /v1/ready says ready:true once, then ready:false
  progress_not_sse,       // /v1/loading/progress answers JSON instead of a stream
  progress_no_ready,      // the loading progress stream ends without the "ready" stage
  accept_invalid,         // requests it would refuse with 400 are served, with defaults for what is wrong
  inference_503,          // every inference request gets 503 "overloaded"
  job_without_url,        // the job answer has no sse_url
  sse_not_json,           // an event that is not JSON after 3 tokens, then the stream goes on
  sse_cut,                // the connection closed after 3 tokens, without the end of the chunked body
  garbage_while_loading,  // while loading (--load-ms), inference gets 200 and bytes that are no stream
  count_
};

inline constexpr int fault_exit_status = 101;  // what a panicking Rust worker exits with
inline constexpr auto late_heartbeat_delay = std::chrono::minutes(10);
inline constexpr auto slow_token_delay = std::chrono::milliseconds(200);
// The least time per token of a generation that the ignore-disconnect fault runs on for no
// one: 2048 abandoned tokens hold the slot about 10 s.
inline constexpr auto abandoned_token_delay = std::chrono::milliseconds(5);

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
