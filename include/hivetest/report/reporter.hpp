// What every report does: follow the flow as it goes, then render the whole result.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "hivetest/flow/result.hpp"

namespace hivetest::report {

class Reporter : public flow::Observer {
 public:
  virtual void finish(const flow::SuiteResult& result) = 0;
};

struct ReportOptions {
  std::string format = "human";  // human, tap or json
  bool color = false;
  bool live_board = false;       // redraw a line per worker in place (stdout is a terminal)
  bool unicode = true;           // the locale is UTF-8: emoji; otherwise ASCII markers
  std::size_t hive_log_lines = 20;  // grouped hive log entries the human report shows
  bool terminal = false;         // stdout is a terminal: the human report may rewrite a line in place
  int tap_version = 14;          // 13 for harnesses that predate TAP 14
};

// The options of the human progress that goes beside a document: no colour, no board.
inline ReportOptions progress_options(ReportOptions opts) {
  opts.color = opts.live_board = opts.terminal = false;
  return opts;
}

// The reporter for a format, writing the report to `out` and progress to `progress`;
// nullptr for an unknown format.
std::unique_ptr<Reporter> make_reporter(const ReportOptions& opts, std::FILE* out, std::FILE* progress);

// hivetest's exit code for a result under this format (TAP has its own, see tap.hpp).
int exit_code_for(const ReportOptions& opts, const flow::SuiteResult& result);

}  // namespace hivetest::report
