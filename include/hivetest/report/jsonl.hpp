// --format jsonl: one JSON object per line as the run goes (run started, check started and finished, worker finished, summary).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "hivetest/report/human.hpp"
#include "hivetest/report/json_writer.hpp"
#include "hivetest/report/reporter.hpp"

namespace hivetest::report {

class JsonLinesReport : public Reporter {
 public:
  // Events to `out`, each flushed as it happens; the human progress to `progress`.
  JsonLinesReport(std::FILE* out, std::FILE* progress, const ReportOptions& opts);
  void suite_started(const std::vector<std::string>& worker_labels) override;
  void step_started(std::size_t worker, flow::Step step) override;
  void step_finished(std::size_t worker, const flow::CheckResult& check) override;
  void worker_line(std::size_t worker, const process::LogLine& line) override { progress_.worker_line(worker, line); }
  void still_waiting(std::size_t worker, const flow::Waiting& waiting) override {
    progress_.still_waiting(worker, waiting);
  }
  void finish(const flow::SuiteResult& result) override;

 private:
  void emit(JsonWriter& w);

  std::FILE* out_;
  HumanReport progress_;
  std::vector<std::string> labels_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace hivetest::report
