// Incremental text/event-stream parser: the same events however the bytes are split.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hivetest::http {

struct SseEvent {
  std::string event = "message";  // the `event:` field, "message" when absent
  std::string data;               // `data:` lines joined with '\n'; its capacity has room_after_data more
  // Room kept after the data, so that a JSON parser that reads past the end (simdjson's
  // padding) can parse it where it is, without a copy.
  static constexpr std::size_t room_after_data = 64;
  std::string id;                 // last event id seen so far
  std::optional<long> retry_ms;   // `retry:` when given in this event
};

// Follows the HTML Living Standard's event-stream rules: UTF-8 BOM at the start is
// skipped, lines end in LF, CR or CRLF (a CR at the end of one chunk and an LF at the
// start of the next are one line end), `:` lines are comments, a field without a colon
// has an empty value, one leading space after the colon is dropped, a blank line
// dispatches, an event whose data is empty is not dispatched.
class SseParser {
 public:
  using Sink = std::function<void(const SseEvent&)>;
  explicit SseParser(std::size_t max_line = 1 << 20, std::size_t max_event = 4 << 20);

  // Feeds bytes; calls `sink` for each complete event. Returns false (and stays failed)
  // when a line or an event goes over its limit.
  bool feed(std::string_view bytes, const Sink& sink);
  // Call at end of stream: an incomplete event is dropped, as the standard says.
  void finish();
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }

 private:
  void line(std::string_view l, const Sink& sink);
  void field(std::string_view name, std::string_view value);
  void dispatch(const Sink& sink);
  void reset_event();
  void fail(std::string why);
  std::size_t max_line_, max_event_;
  std::string buf_;          // the partial line (before the BOM is ruled out: the BOM bytes seen)
  bool bom_checked_ = false;
  bool last_was_cr_ = false; // an LF starting the next chunk belongs to this CR
  bool failed_ = false;
  std::string error_;
  SseEvent pending_;         // event field "" until an `event:` line; data keeps its trailing '\n'
  SseEvent dispatched_;      // the event given to the sink: its buffers serve the next event too
  std::string last_id_;
};

}  // namespace hivetest::http
