// A bounded ring of log lines (both pipes of a worker), and the splitter that feeds it.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hivetest::process {

enum class Stream { out, err };

struct LogLine {
  Stream stream;
  std::chrono::steady_clock::time_point at;
  std::string text;  // raw bytes, without the line end; may hold anything
  bool cut = false;  // the line was longer than the limit and was cut
};

// Keeps at most max_lines lines and max_bytes bytes of text, dropping the oldest.
class LogRing {
 public:
  explicit LogRing(std::size_t max_lines = 2000, std::size_t max_bytes = 512 * 1024);
  void push(LogLine line);
  std::vector<LogLine> tail(std::size_t n) const;  // the last n lines, oldest first
  std::size_t size() const { return lines_.size(); }
  std::size_t bytes() const { return bytes_; }
  std::size_t dropped() const { return dropped_; }  // lines pushed out so far
  std::size_t total() const { return total_; }      // lines ever pushed

 private:
  std::size_t max_lines_, max_bytes_;
  std::deque<LogLine> lines_;
  std::size_t bytes_ = 0, dropped_ = 0, total_ = 0;
};

// Splits a byte stream into lines (LF, with a CR before it dropped). A line longer than
// max_line is emitted cut at max_line with cut=true, and the rest up to its end is skipped.
class LineSplitter {
 public:
  using Sink = std::function<void(std::string_view text, bool cut)>;
  explicit LineSplitter(std::size_t max_line = 16 * 1024) : max_line_(max_line) {}
  void feed(std::string_view bytes, const Sink& sink);
  void finish(const Sink& sink);  // emits a last line with no line end, if any

 private:
  std::size_t max_line_;
  std::string partial_;
  bool skipping_ = false;
};

}  // namespace hivetest::process
