// --format jsonl: one JSON object per line as the run goes (run started, check started and finished, worker finished, summary).
#include "hivetest/report/jsonl.hpp"

#include "hivetest/flow/checks.hpp"
#include "hivetest/report/json.hpp"
#include "hivetest/report/json_parts.hpp"
#include "hivetest/report/verdict.hpp"
#include "hivetest/version.hpp"

namespace hivetest::report {

namespace {

JsonWriter event(const char* name, std::chrono::steady_clock::time_point started) {
  auto w = JsonWriter::one_line();
  auto at = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  w.begin_object().field("event", name).field("at_ms", at.count());
  return w;
}

}  // namespace

JsonLinesReport::JsonLinesReport(std::FILE* out, std::FILE* progress, const ReportOptions& opts)
    : out_(out), progress_(progress, progress_options(opts)) {}

void JsonLinesReport::emit(JsonWriter& w) {
  w.end_object();
  auto line = w.take();
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

void JsonLinesReport::suite_started(const std::vector<std::string>& worker_labels) {
  progress_.suite_started(worker_labels);
  labels_ = worker_labels;
  started_ = std::chrono::steady_clock::now();
  auto w = event("run_started", started_);
  w.field("version", json_schema_version).field("hivetest", version).key("workers").begin_array();
  for (const auto& l : labels_) w.string(l);
  w.end_array();
  emit(w);
}

void JsonLinesReport::step_started(std::size_t worker, flow::Step step) {
  progress_.step_started(worker, step);
  auto w = event("check_started", started_);
  w.field("worker", labels_.at(worker)).field("check", flow::check_info(step).name);
  emit(w);
}

void JsonLinesReport::step_finished(std::size_t worker, const flow::CheckResult& c) {
  progress_.step_finished(worker, c);
  auto w = event("check_finished", started_);
  w.field("worker", labels_.at(worker)).key("check");
  check(w, c);
  emit(w);
}

void JsonLinesReport::finish(const flow::SuiteResult& result) {
  progress_.finish(result);
  for (const auto& r : result.runs) {
    auto w = event("worker_finished", started_);
    w.key("worker");
    run(w, r, result.started);
    emit(w);
  }
  auto w = event("summary", started_);
  w.field("outcome", suite_outcome(result)).field("exit_code", result.exit_code);
  summary(w, result);
  emit(w);
}

}  // namespace hivetest::report
