// A report written as one document at the end (TAP, JSON), with human progress on another stream.
#include "hivetest/report/document_report.hpp"

namespace hivetest::report {

void DocumentReport::finish(const flow::SuiteResult& result) {
  progress_.finish(result);
  std::string text = render_(result);
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace hivetest::report
