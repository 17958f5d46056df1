// A report written as one document at the end (TAP, JSON), with human progress on another stream.
#pragma once

#include <cstdio>
#include <functional>
#include <string>

#include "hivetest/report/human.hpp"
#include "hivetest/report/reporter.hpp"

namespace hivetest::report {

class DocumentReport : public Reporter {
 public:
  using Render = std::function<std::string(const flow::SuiteResult&)>;
  // The human report, without colour, goes to `progress` as the flow goes; the document
  // to `out` when it ends.
  DocumentReport(std::FILE* out, std::FILE* progress, Render render, const ReportOptions& opts)
      : out_(out), progress_(progress, progress_options(opts)), render_(std::move(render)) {}

  void suite_started(const std::vector<std::string>& worker_labels) override { progress_.suite_started(worker_labels); }
  void step_started(std::size_t worker, flow::Step step) override { progress_.step_started(worker, step); }
  void still_waiting(std::size_t worker, const flow::Waiting& waiting) override {
    progress_.still_waiting(worker, waiting);
  }
  void step_finished(std::size_t worker, const flow::CheckResult& check) override {
    progress_.step_finished(worker, check);
  }
  void worker_line(std::size_t worker, const process::LogLine& line) override { progress_.worker_line(worker, line); }
  void finish(const flow::SuiteResult& result) override;

 private:
  std::FILE* out_;
  HumanReport progress_;
  Render render_;
};

}  // namespace hivetest::report
