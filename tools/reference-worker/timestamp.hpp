// Timestamps: the wall clock's as the protocol writes them, and the monotonic clock's for a tester to compare with its own.
#pragma once

#include <string>

namespace reference_worker {

// RFC 3339 in UTC with milliseconds: "2024-05-01T10:54:23.123Z".
std::string rfc3339_now();

// CLOCK_MONOTONIC now, in seconds with microseconds: "12345.678901". The same clock as a
// tester's on this machine (std::chrono::steady_clock on Linux), so that the moment the
// worker logs can be set against the moment the tester saw it.
std::string monotonic_now();

}  // namespace reference_worker
