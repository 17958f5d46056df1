// Reads a worker's event stream: JSON events until the end marker, keeping what failure messages need.
#include "hivetest/flow/sse_reader.hpp"

#include "hivetest/flow/worker_http.hpp"

namespace hivetest::flow {

http::StreamHandler SseReader::handler() {
  return {[this](const http::ClientResponse& head) { return streamed = is_event_stream(head); },
          [this](std::string_view chunk, std::chrono::steady_clock::time_point arrived) {
            bytes += chunk.size();
            if (head.size() < head_kept) head.append(chunk.substr(0, head_kept - head.size()));
            bool ok = parser_.feed(chunk, [this, arrived](const http::SseEvent& e) {
              ++events;
              last_event = arrived;
              if (!stopped_ && !on_data(e.data)) stopped_ = true;
            });
            return ok && !stopped_;
          }};
}

bool SseReader::on_data(const std::string& data) {
  if (!done_marker_.empty() && data == done_marker_) {
    done = true;
    return false;
  }
  // Parsed in place: an event's data keeps simdjson's padding after it (SseEvent::room_after_data).
  static_assert(http::SseEvent::room_after_data >= simdjson::SIMDJSON_PADDING);
  simdjson::dom::element root;
  if (json_.parse(data).get(root)) {
    not_json = excerpt(data);
    return false;
  }
  return !on_event_ || on_event_(root);
}

}  // namespace hivetest::flow
