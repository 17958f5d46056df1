// Picks the reporter for the format asked for on the command line.
#include "hivetest/report/document_report.hpp"
#include "hivetest/report/human.hpp"
#include "hivetest/report/json.hpp"
#include "hivetest/report/jsonl.hpp"
#include "hivetest/report/reporter.hpp"
#include "hivetest/report/tap.hpp"

namespace hivetest::report {

std::unique_ptr<Reporter> make_reporter(const ReportOptions& opts, std::FILE* out, std::FILE* progress) {
  if (opts.format == "human") return std::make_unique<HumanReport>(out, opts);
  if (opts.format == "tap")
    return std::make_unique<DocumentReport>(
        out, progress, [version = opts.tap_version](const flow::SuiteResult& s) { return tap_document(s, version); },
        opts);
  if (opts.format == "json") return std::make_unique<DocumentReport>(out, progress, json_document, opts);
  if (opts.format == "jsonl") return std::make_unique<JsonLinesReport>(out, progress, opts);
  return nullptr;
}

int exit_code_for(const ReportOptions& opts, const flow::SuiteResult& result) {
  return opts.format == "tap" ? tap_exit_code(result) : result.exit_code;
}

}  // namespace hivetest::report
