// What checks, runs and the suite came to, in the words every report uses.
#include "hivetest/report/verdict.hpp"

#include <cstring>

#include <fmt/format.h>

namespace hivetest::report {

using flow::Outcome;

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::pass: return "pass";
    case Outcome::warn: return "warn";
    case Outcome::fail: return "fail";
    case Outcome::skip: return "skip";
    case Outcome::error: return "error";
    case Outcome::interrupted: return "interrupted";
  }
  return "error";
}

Outcome run_outcome(const flow::RunResult& run) {
  switch (run.exit_code) {
    case flow::exit_code::passed: return Outcome::pass;
    case flow::exit_code::skipped: return Outcome::skip;
    case flow::exit_code::setup_error: return Outcome::error;
    case flow::exit_code::interrupted:
    case flow::exit_code::terminated: return Outcome::interrupted;
    default: return Outcome::fail;
  }
}

std::string signal_name(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

std::string figures_line(const flow::InferenceStats& s) {
  auto ms = [](std::chrono::microseconds d) { return static_cast<double>(d.count()) / 1000.0; };
  return fmt::format("first token {:.1f} ms · {:.0f} tokens/s · inter-token p50 {:.2f} ms, p99 {:.2f} ms",
                     ms(s.time_to_first_token), s.tokens_per_second, ms(s.inter_token_p50), ms(s.inter_token_p99));
}

void Tally::add(Outcome o) {
  switch (o) {
    case Outcome::pass: ++pass; break;
    case Outcome::warn: ++warn; break;
    case Outcome::fail: ++fail; break;
    case Outcome::skip: ++skip; break;
    case Outcome::error: ++error; break;
    case Outcome::interrupted: ++interrupted; break;
  }
}

}  // namespace hivetest::report
