// The human report: progress lines as the flow goes, then logs and a summary.
#pragma once

#include <cstdio>

#include <fmt/format.h>
#include <string>
#include <vector>

#include "hivetest/report/reporter.hpp"

namespace hivetest::report {

// One worker: the classic step-by-step output. Several: a line per event prefixed by
// the worker id, or a live board on a terminal; then a table of every worker.
class HumanReport : public Reporter {
 public:
  HumanReport(std::FILE* out, const ReportOptions& opts)
      : out_(out), color_(opts.color), live_board_(opts.live_board), unicode_(opts.unicode), terminal_(opts.terminal),
        hive_log_lines_(opts.hive_log_lines) {}
  void suite_started(const std::vector<std::string>& worker_labels) override;
  void step_started(std::size_t worker, flow::Step step) override;
  void step_finished(std::size_t worker, const flow::CheckResult& check) override;
  void worker_line(std::size_t worker, const process::LogLine& line) override;
  void still_waiting(std::size_t worker, const flow::Waiting& waiting) override;
  void finish(const flow::SuiteResult& result) override;

 private:
  struct Row {
    std::string id;
    std::string phase;
    std::string last_event;
    std::chrono::steady_clock::time_point started;
    bool failed;
  };
  std::string paint(std::string_view text, const char* code) const;
  // Every line goes out through here: outside a UTF-8 locale, ASCII markers replace the emoji.
  template <typename... Args>
  void emit(fmt::format_string<Args...> format, Args&&... args) {
    write(fmt::format(format, std::forward<Args>(args)...));
  }
  void write(std::string text);
  bool many() const { return rows_.size() > 1; }
  void print_check(const flow::CheckResult& c, const std::string& prefix);
  void draw_row(std::size_t worker);
  void finish_one(const flow::SuiteResult& r);
  void finish_many(const flow::SuiteResult& r);
  void print_hive_log(const flow::SuiteResult& r);
  void print_verdict(const flow::SuiteResult& r);
  void print_resources(const flow::SuiteResult& r);

  std::FILE* out_;
  bool color_;
  bool live_board_;
  bool unicode_;
  bool terminal_;
  bool waiting_line_open_ = false;
  std::size_t hive_log_lines_;
  std::vector<Row> rows_;
  bool board_drawn_ = false;
};

}  // namespace hivetest::report
