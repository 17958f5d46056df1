// The steps and checks of the flow: one table of their names, labels and reasons, read by the flow, the options and every report.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hivetest/flow/result.hpp"

namespace hivetest::flow {

struct CheckInfo {
  Step step;
  const char* name;      // stable, for reports and --checks: "graceful-shutdown"
  const char* label;     // the human summary's: "Graceful shutdown"
  const char* announce;  // the human progress line when it starts, "" when the step before said it
  const char* why;       // why it exists, for --help and docs; "" for the set-up steps
  bool selectable;       // may be chosen with --checks / --skip-check
};

const std::vector<CheckInfo>& check_catalog();
const CheckInfo& check_info(Step step);
// The selectable check of that name, or nullptr.
const CheckInfo* find_check(std::string_view name);
// "health, ready-endpoint, …": the names --checks takes.
std::string selectable_check_names();

// A check left out with --checks or --skip-check, shown as skipped.
CheckResult not_chosen(Step step, std::string name);

}  // namespace hivetest::flow
