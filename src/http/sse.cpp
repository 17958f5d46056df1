// text/event-stream parsing per the HTML Living Standard, fed in arbitrary chunks.
#include "hivetest/http/sse.hpp"

#include <charconv>
#include <cstring>
#include <system_error>
#include <utility>

namespace hivetest::http {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Where the line that starts at `pos` ends (its CR or LF), or npos. Two memchr scans:
// string_view::find_first_of with a set tests the set once per byte, several times slower.
std::size_t line_end(std::string_view bytes, std::size_t pos) {
  const char* from = bytes.data() + pos;
  const char* to = bytes.data() + bytes.size();
  const char* lf = static_cast<const char*>(std::memchr(from, '\n', static_cast<std::size_t>(to - from)));
  const char* limit = lf ? lf : to;
  const char* cr = static_cast<const char*>(std::memchr(from, '\r', static_cast<std::size_t>(limit - from)));
  const char* end = cr ? cr : lf;
  return end ? static_cast<std::size_t>(end - bytes.data()) : std::string_view::npos;
}

bool all_ascii_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

SseParser::SseParser(std::size_t max_line, std::size_t max_event)
    : max_line_(max_line), max_event_(max_event) {
  reset_event();
}

bool SseParser::feed(std::string_view bytes, const Sink& sink) {
  if (failed_) return false;

  // The BOM may arrive split over several chunks, so match it byte by byte; the bytes
  // matched so far wait in buf_ and become ordinary line content on a mismatch.
  while (!bom_checked_ && !bytes.empty()) {
    if (bytes.front() != kBom[buf_.size()]) {
      bom_checked_ = true;
      break;
    }
    buf_.push_back(bytes.front());
    bytes.remove_prefix(1);
    if (buf_.size() == kBom.size()) {
      buf_.clear();
      bom_checked_ = true;
    }
  }

  std::size_t pos = 0;
  if (last_was_cr_ && !bytes.empty()) {
    last_was_cr_ = false;
    if (bytes.front() == '\n') pos = 1;
  }

  while (pos < bytes.size()) {
    const std::size_t end = line_end(bytes, pos);
    if (end == std::string_view::npos) {
      const std::string_view rest = bytes.substr(pos);
      if (buf_.size() + rest.size() > max_line_) {
        fail("SSE line longer than max_line (" + std::to_string(max_line_) + " bytes)");
        return false;
      }
      buf_.append(rest);
      break;
    }

    const std::string_view piece = bytes.substr(pos, end - pos);
    if (buf_.size() + piece.size() > max_line_) {
      fail("SSE line longer than max_line (" + std::to_string(max_line_) + " bytes)");
      return false;
    }
    // Only a line that began in an earlier chunk is copied; the rest are parsed in place.
    if (buf_.empty()) {
      line(piece, sink);
    } else {
      buf_.append(piece);
      line(buf_, sink);
      buf_.clear();
    }
    if (failed_) return false;

    pos = end + 1;
    if (bytes[end] == '\r') {
      if (pos == bytes.size())
        last_was_cr_ = true;
      else if (bytes[pos] == '\n')
        ++pos;
    }
  }
  return true;
}

void SseParser::finish() {
  buf_.clear();
  last_was_cr_ = false;
  reset_event();
}

void SseParser::line(std::string_view l, const Sink& sink) {
  if (l.empty()) {
    dispatch(sink);
    return;
  }
  if (l.front() == ':') return;

  const std::size_t colon = l.find(':');
  if (colon == std::string_view::npos) {
    field(l, {});
    return;
  }
  std::string_view value = l.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  field(l.substr(0, colon), value);
}

void SseParser::field(std::string_view name, std::string_view value) {
  if (name == "data") {
    // Checked before appending so an oversized event never gets buffered.
    if (pending_.data.size() + value.size() > max_event_) {
      fail("SSE event data longer than max_event (" + std::to_string(max_event_) + " bytes)");
      return;
    }
    pending_.data.append(value);
    pending_.data.push_back('\n');
  } else if (name == "event") {
    pending_.event.assign(value);
  } else if (name == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_.assign(value);
  } else if (name == "retry") {
    long ms = 0;
    // Values too large for a long are ignored rather than clamped.
    if (all_ascii_digits(value) &&
        std::from_chars(value.data(), value.data() + value.size(), ms).ec == std::errc{})
      pending_.retry_ms = ms;
  }
}

void SseParser::dispatch(const Sink& sink) {
  if (pending_.data.empty()) {
    reset_event();
    return;
  }
  // Swapped and assigned, not moved out: the strings keep their room from event to event.
  pending_.data.pop_back();
  if (pending_.data.capacity() < pending_.data.size() + SseEvent::room_after_data)
    pending_.data.reserve(pending_.data.size() + SseEvent::room_after_data);
  dispatched_.data.swap(pending_.data);
  dispatched_.event.assign(pending_.event.empty() ? std::string_view("message") : std::string_view(pending_.event));
  dispatched_.id.assign(last_id_);
  dispatched_.retry_ms = pending_.retry_ms;
  reset_event();
  sink(dispatched_);
}

void SseParser::reset_event() {
  pending_.data.clear();
  pending_.event.clear();
  pending_.retry_ms.reset();
}

void SseParser::fail(std::string why) {
  failed_ = true;
  error_ = std::move(why);
}

}  // namespace hivetest::http
