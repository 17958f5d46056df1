// What checks, runs and the suite came to, in the words every report uses.
#pragma once

#include <string>

#include "hivetest/flow/result.hpp"

namespace hivetest::report {

// "pass", "fail", "skip" or "error".
const char* outcome_name(flow::Outcome outcome);

// A worker's run as one outcome, from its exit code.
flow::Outcome run_outcome(const flow::RunResult& run);

// "SIGINT", "SIGTERM", …
std::string signal_name(int signal);

// Checks or runs by outcome.
struct Tally {
  std::size_t pass = 0, fail = 0, skip = 0, error = 0;
  void add(flow::Outcome o);
  std::size_t total() const { return pass + fail + skip + error; }
};

}  // namespace hivetest::report
