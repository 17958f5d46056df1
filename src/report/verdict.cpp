// What checks, runs and the suite came to, in the words every report uses.
#include "hivetest/report/verdict.hpp"

#include <cstring>

namespace hivetest::report {

using flow::Outcome;

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::pass: return "pass";
    case Outcome::fail: return "fail";
    case Outcome::skip: return "skip";
    case Outcome::error: return "error";
  }
  return "error";
}

Outcome run_outcome(const flow::RunResult& run) {
  switch (run.exit_code) {
    case flow::exit_code::passed: return Outcome::pass;
    case flow::exit_code::skipped: return Outcome::skip;
    case flow::exit_code::setup_error: return Outcome::error;
    default: return Outcome::fail;
  }
}

std::string signal_name(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

void Tally::add(Outcome o) {
  switch (o) {
    case Outcome::pass: ++pass; break;
    case Outcome::fail: ++fail; break;
    case Outcome::skip: ++skip; break;
    case Outcome::error: ++error; break;
  }
}

}  // namespace hivetest::report
