// Picks the reporter for the format asked for on the command line.
#include "hivetest/report/human.hpp"
#include "hivetest/report/reporter.hpp"

namespace hivetest::report {

std::unique_ptr<Reporter> make_reporter(const ReportOptions& opts, std::FILE* out, std::FILE*) {
  if (opts.format == "human") return std::make_unique<HumanReport>(out, opts.color, opts.live_board);
  return nullptr;
}

}  // namespace hivetest::report
