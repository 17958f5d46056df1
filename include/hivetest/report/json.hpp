// The JSON report: one document with every check, its timings and the logs of both sides.
#pragma once

#include <string>

#include "hivetest/flow/result.hpp"

namespace hivetest::report {

// The schema's version, the document's "version" field; docs/json-report.md describes it.
inline constexpr int json_schema_version = 1;

std::string json_document(const flow::SuiteResult& result);

}  // namespace hivetest::report
