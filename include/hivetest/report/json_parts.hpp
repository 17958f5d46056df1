// The pieces of the JSON report that the JSON Lines events reuse: one home for how a check, a run and a summary are written.
#pragma once

#include <chrono>

#include "hivetest/flow/result.hpp"
#include "hivetest/report/json_writer.hpp"

namespace hivetest::report {

void check(JsonWriter& w, const flow::CheckResult& c);
void run(JsonWriter& w, const flow::RunResult& r, std::chrono::steady_clock::time_point suite_start);
void hive_log(JsonWriter& w, const flow::SuiteResult& s);
void summary(JsonWriter& w, const flow::SuiteResult& s);  // the "summary" key and its object
const char* suite_outcome(const flow::SuiteResult& s);

}  // namespace hivetest::report
