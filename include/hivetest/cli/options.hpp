// The command line, turned into the flow's configuration (the options: cli/option_table).
#pragma once

#include <optional>
#include <string>

#include "hivetest/flow/suite.hpp"
#include "hivetest/report/reporter.hpp"

namespace hivetest::cli {

struct Options {
  flow::SuitePlan plan;
  report::ReportOptions report;
  std::string junit;  // also write JUnit XML here, when set
};

struct Parsed {
  std::optional<Options> options;  // set when the run should go ahead
  int exit_code = 0;               // otherwise: 0 after --help or --version, 2 for bad usage
};

// Prints help, version and usage errors itself.
Parsed parse(int argc, char** argv);

}  // namespace hivetest::cli
