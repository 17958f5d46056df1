// The worker's log on stderr: one line per event, stamped with milliseconds since start.
#include "log.hpp"

#include <cstdio>
#include <string>

namespace reference_worker {

std::string Log::stamp() const {
  auto since_start = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_);
  return fmt::format("[{:9.3f}] ", since_start.count());
}

void Log::line(std::string_view text) {
  std::string out = stamp();
  out.reserve(out.size() + text.size() + 1);
  for (char c : text) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  out += '\n';
  // stderr is usually a pipe to the tester: each line must reach it when it happens.
  std::fwrite(out.data(), 1, out.size(), stderr);
  std::fflush(stderr);
}

}  // namespace reference_worker
