// The bounded log ring of a worker's output and the splitter that cuts its pipes into lines.
#include "hivetest/process/log_ring.hpp"

#include <utility>

namespace hivetest::process {

LogRing::LogRing(std::size_t max_lines, std::size_t max_bytes)
    : max_lines_(max_lines), max_bytes_(max_bytes) {}

void LogRing::push(LogLine line) {
  ++total_;
  if (max_lines_ == 0) {
    ++dropped_;
    return;
  }
  // A single line bigger than the whole byte budget would evict everything and then
  // itself; keep its start instead so the newest line is always there.
  if (line.text.size() > max_bytes_) {
    line.text.resize(max_bytes_);
    line.cut = true;
  }
  bytes_ += line.text.size();
  lines_.push_back(std::move(line));
  while (lines_.size() > max_lines_ || bytes_ > max_bytes_) {
    bytes_ -= lines_.front().text.size();
    lines_.pop_front();
    ++dropped_;
  }
}

std::vector<LogLine> LogRing::tail(std::size_t n) const {
  if (n > lines_.size()) n = lines_.size();
  return {lines_.end() - static_cast<std::ptrdiff_t>(n), lines_.end()};
}

// partial_ never holds more than max_line + 1 bytes: one byte past the limit is kept so
// that a line of exactly max_line bytes followed by CR LF is not mistaken for a long one.
void LineSplitter::feed(std::string_view bytes, const Sink& sink) {
  const std::size_t keep = max_line_ + 1;
  while (!bytes.empty()) {
    const std::size_t nl = bytes.find('\n');
    if (skipping_) {
      if (nl == std::string_view::npos) return;
      skipping_ = false;
      bytes.remove_prefix(nl + 1);
      continue;
    }
    const std::string_view chunk = bytes.substr(0, nl);
    const std::size_t room = keep - partial_.size();
    if (nl == std::string_view::npos) {
      if (chunk.size() <= room) {
        partial_.append(chunk);
        return;
      }
      // Already longer than any line we keep: emit the start now, skip to the line end.
      partial_.append(chunk.substr(0, room));
      partial_.resize(max_line_);
      sink(partial_, true);
      partial_.clear();
      skipping_ = true;
      return;
    }
    const std::size_t length = partial_.size() + chunk.size();
    const bool cr = chunk.empty() ? (!partial_.empty() && partial_.back() == '\r')
                                  : chunk.back() == '\r';
    partial_.append(chunk.substr(0, room));
    if (length - (cr ? 1 : 0) > max_line_) {
      partial_.resize(max_line_);
      sink(partial_, true);
    } else {
      if (cr) partial_.pop_back();
      sink(partial_, false);
    }
    partial_.clear();
    bytes.remove_prefix(nl + 1);
  }
}

void LineSplitter::finish(const Sink& sink) {
  // An unterminated last line follows the same rules as one that has its LF.
  if (!skipping_ && !partial_.empty()) feed("\n", sink);
  partial_.clear();
  skipping_ = false;
}

}  // namespace hivetest::process
