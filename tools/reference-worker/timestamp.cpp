// Timestamps: the wall clock's as the protocol writes them, and the monotonic clock's for a tester to compare with its own.
#include "timestamp.hpp"

#include <chrono>
#include <ctime>
#include <time.h>

#include <fmt/format.h>

namespace reference_worker {

std::string rfc3339_now() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::time_t secs = system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, ms);
}

std::string monotonic_now() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return fmt::format("{}.{:06}", now.tv_sec, now.tv_nsec / 1000);
}

}  // namespace reference_worker
