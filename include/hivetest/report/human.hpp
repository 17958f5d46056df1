// The human report: progress lines as the flow goes, then logs and a summary.
#pragma once

#include <cstdio>

#include "hivetest/flow/result.hpp"

namespace hivetest::report {

class HumanReport : public flow::Observer {
 public:
  HumanReport(std::FILE* out, bool color) : out_(out), color_(color) {}
  void header();
  void step_started(flow::Step step) override;
  void step_finished(const flow::CheckResult& check) override;
  void worker_line(const process::LogLine& line) override;
  // Step 7 and the summary.
  void finish(const flow::RunResult& result);

 private:
  std::string paint(std::string_view text, const char* code) const;
  std::FILE* out_;
  bool color_;
};

}  // namespace hivetest::report
