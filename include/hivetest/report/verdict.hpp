// What checks, runs and the suite came to, in the words every report uses.
#pragma once

#include <string>

#include "hivetest/flow/result.hpp"

namespace hivetest::report {

// "pass", "warn", "fail", "skip", "error" or "interrupted".
const char* outcome_name(flow::Outcome outcome);

// A worker's run as one outcome, from its exit code.
flow::Outcome run_outcome(const flow::RunResult& run);

// "SIGINT", "SIGTERM", …
std::string signal_name(int signal);

// A stream's figures in one line: "first token 0.4 ms · 2100 tokens/s · inter-token p50 0.4 ms, p99 0.9 ms".
std::string figures_line(const flow::InferenceStats& stats);

// Checks or runs by outcome.
struct Tally {
  std::size_t pass = 0, warn = 0, fail = 0, skip = 0, error = 0, interrupted = 0;
  void add(flow::Outcome o);
  std::size_t total() const { return pass + warn + fail + skip + error + interrupted; }
};

}  // namespace hivetest::report
