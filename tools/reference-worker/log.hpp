// The worker's log on stderr: one line per event, stamped with milliseconds since start.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace reference_worker {

class Log {
 public:
  Log() : start_(std::chrono::steady_clock::now()) {}

  template <typename... Args>
  void operator()(fmt::format_string<Args...> format, Args&&... args) {
    line(fmt::format(format, std::forward<Args>(args)...));
  }
  // Line breaks inside `text` are escaped so that one event stays one line for readers
  // that split the log by lines (hivetest keeps the last lines of it).
  void line(std::string_view text);
  // The "[ms since start] " that begins each line.
  std::string stamp() const;

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace reference_worker
