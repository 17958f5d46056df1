// Reads a worker's event stream: JSON events until the end marker, keeping what failure messages need.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <simdjson.h>

#include "hivetest/http/client.hpp"
#include "hivetest/http/sse.hpp"

namespace hivetest::flow {

class SseReader {
 public:
  static constexpr std::size_t head_kept = 200;

  // `done`: the data that ends the stream ("[DONE]"), or "" when the stream just ends.
  explicit SseReader(std::string done) : done_marker_(std::move(done)) {}

  // Each event's JSON goes to `on_event`; false from it stops reading.
  void json_events(std::function<bool(simdjson::dom::element)> on_event) { on_event_ = std::move(on_event); }

  // Streams the body of an event-stream answer into the reader; other answers are kept whole.
  http::StreamHandler handler();

  // A body of bytes with no event in it: whatever it is, it is not an event stream.
  bool is_not_sse() const { return events == 0 && bytes > 0 && !over_limit(); }
  // The parser's limit that the stream went over ("SSE line longer than …"), or "".
  bool over_limit() const { return parser_.failed(); }
  const std::string& limit_error() const { return parser_.error(); }

  bool streamed = false;  // the answer's head said it is an event stream, whether or not it was read to its end
  std::size_t bytes = 0;
  std::size_t events = 0;
  std::string head;       // the first bytes of the body
  bool done = false;      // the end marker came
  std::string not_json;   // the start of an event that is not JSON, which stopped the reading
  // When the bytes of the last event were read.
  std::chrono::steady_clock::time_point last_event = std::chrono::steady_clock::now();

 private:
  bool on_data(const std::string& data);

  std::string done_marker_;
  std::function<bool(simdjson::dom::element)> on_event_;
  http::SseParser parser_;
  simdjson::dom::parser json_;  // one parser for every event of the stream
  bool stopped_ = false;
};

}  // namespace hivetest::flow
