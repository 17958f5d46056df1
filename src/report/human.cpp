// The human report: progress lines as the flow goes, then logs and a summary.
#include "hivetest/report/human.hpp"

#include <csignal>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "hivetest/report/text.hpp"

namespace hivetest::report {

using flow::Outcome;
using flow::Step;

namespace {

const char* const rule = "==================================";

const char* announce(Step step) {
  switch (step) {
    case Step::model: return "📦 Checking model file...";
    case Step::hive: return "📡 Starting mock hive server...";
    case Step::spawn: return "🚀 Starting worker...";
    case Step::ready: return "⏳ Waiting for worker to be ready...";
    case Step::heartbeats: return "⏳ Waiting for heartbeats...";
    case Step::health: return "🔍 Testing health endpoint...";
    case Step::ready_endpoint: return "🔍 Testing ready endpoint...";
    case Step::progress: return "🔍 Testing loading progress stream...";
    case Step::inference: return "🔍 Testing inference endpoint...";
    case Step::invalid_request: return "🔍 Testing invalid inference requests...";
    case Step::cleanup: return "🧹 Stopping worker...";
  }
  return "";
}

// The setup steps pass with a plain tick, as the original tool printed them.
bool is_setup(Step step) { return step == Step::model || step == Step::hive || step == Step::spawn || step == Step::cleanup; }

const char* summary_name(Step step) {
  switch (step) {
    case Step::model: return "Model";
    case Step::hive: return "Mock hive";
    case Step::spawn: return "Worker start";
    case Step::ready: return "Readiness";
    case Step::heartbeats: return "Heartbeat";
    case Step::health: return "Health";
    case Step::ready_endpoint: return "Ready endpoint";
    case Step::progress: return "Loading progress";
    case Step::inference: return "Inference";
    case Step::invalid_request: return "Invalid request";
    case Step::cleanup: return "Cleanup";
  }
  return "";
}

std::string clock_time(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  return fmt::format("{:%H:%M:%S}", tm);
}

std::string hive_entry(const hive::HiveLogEntry& e) {
  using K = hive::HiveLogEntry::Kind;
  switch (e.kind) {
    case K::heartbeat:
      return fmt::format("✅ Heartbeat #{} from worker {} ({})", e.number, printable(e.worker_id, 200), e.text);
    case K::rejected: return fmt::format("❌ Rejected heartbeat: {}", printable(e.text, 300));
    case K::unknown_path: return fmt::format("⚠️  Unknown route: {}", printable(e.text, 300));
    case K::unknown_worker:
      return fmt::format("⚠️  Heartbeat from unexpected worker {} ({})", printable(e.worker_id, 200), e.text);
  }
  return "";
}

}  // namespace

std::string HumanReport::paint(std::string_view text, const char* code) const {
  if (!color_) return std::string(text);
  return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
}

void HumanReport::header() {
  fmt::print(out_, "🧪 Worker Isolation Test\n{}\n\n", rule);
  std::fflush(out_);
}

void HumanReport::step_started(Step step) {
  fmt::print(out_, "{}\n", announce(step));
  std::fflush(out_);
}

void HumanReport::step_finished(const flow::CheckResult& c) {
  switch (c.outcome) {
    case Outcome::pass:
      fmt::print(out_, "{} {}\n", is_setup(c.step) ? "✓" : "✅", paint(c.message, "32"));
      break;
    case Outcome::skip:
      fmt::print(out_, "⚠️  {}\n", paint(c.message, "33"));
      if (c.step == Step::model) {
        fmt::print(out_, "   Skipping test\n");
        if (!c.hint.empty()) fmt::print(out_, "   💡 {}\n", c.hint);
      }
      break;
    case Outcome::fail:
    case Outcome::error:
      fmt::print(out_, "❌ {}\n", paint(c.message, "31"));
      if (!c.expected.empty()) fmt::print(out_, "   expected: {}\n", printable(c.expected, 500));
      if (!c.got.empty()) fmt::print(out_, "   got:      {}\n", printable(c.got, 500));
      if (!c.hint.empty()) fmt::print(out_, "   💡 {}\n", c.hint);
      break;
  }
  std::fflush(out_);
}

void HumanReport::worker_line(const process::LogLine& line) {
  fmt::print(out_, "   {} {}{}\n", paint(line.stream == process::Stream::err ? "[worker:err]" : "[worker:out]", "2"),
             printable(line.text), line.cut ? " [cut]" : "");
  std::fflush(out_);
}

void HumanReport::finish(const flow::RunResult& r) {
  if (r.interrupted_by)
    fmt::print(out_, "\n🛑 Interrupted by {} — worker cleaned up\n",
               r.interrupted_by == SIGINT ? "Ctrl-C" : fmt::format("SIG{}", sigabbrev_np(r.interrupted_by)));

  if (!r.hive_log.empty() || r.pid) {
    fmt::print(out_, "\n📋 Hive server logs:\n");
    if (r.hive_log.empty()) fmt::print(out_, "   (nothing received)\n");
    for (const auto& e : r.hive_log) fmt::print(out_, "   [{}] {}\n", clock_time(e.wall), hive_entry(e));
  }
  if (r.pid) {
    fmt::print(out_, "\n📋 Worker logs (last {} of {} lines):\n", r.worker_log.size(), r.worker_log_total);
    if (r.worker_log.empty()) fmt::print(out_, "   (no output)\n");
    for (const auto& l : r.worker_log)
      fmt::print(out_, "   {} {}{}\n", l.stream == process::Stream::err ? "[err]" : "[out]", printable(l.text),
                 l.cut ? " [cut]" : "");
  }

  fmt::print(out_, "\n📊 Test Summary\n{}\n", rule);
  for (const auto& c : r.checks) {
    if (is_setup(c.step) && c.outcome == Outcome::pass) continue;
    const char* mark = c.outcome == Outcome::pass ? "✅" : c.outcome == Outcome::skip ? "⏭️ " : "❌";
    const char* verdict = c.outcome == Outcome::pass ? "passed" : c.outcome == Outcome::skip ? "skipped" : "FAILED";
    fmt::print(out_, "{} {} test {} ({} ms)", mark, summary_name(c.step), verdict, c.duration.count());
    if (c.outcome == Outcome::fail || c.outcome == Outcome::error) fmt::print(out_, ": {}", printable(c.message, 300));
    fmt::print(out_, "\n");
  }
  fmt::print(out_, "⏱️  Total {} ms\n\n", r.duration.count());

  const auto* failure = r.first_failure();
  if (r.interrupted_by) {
    fmt::print(out_, "{}\n", paint("🛑 Isolation test INTERRUPTED", "1;33"));
    std::fflush(out_);
    return;
  }
  switch (r.exit_code) {
    case flow::exit_code::passed:
      fmt::print(out_, "{}\n", paint("✅ Isolation test complete - ALL TESTS PASSED!", "1;32"));
      break;
    case flow::exit_code::skipped:
      fmt::print(out_, "{}\n", paint("⚠️  Isolation test SKIPPED (no model)", "1;33"));
      break;
    default:
      fmt::print(out_, "{}\n", paint(fmt::format("❌ Isolation test FAILED: {}", failure ? printable(failure->message, 300) : "see above"), "1;31"));
      if (failure && !failure->hint.empty()) fmt::print(out_, "   💡 {}\n", failure->hint);
  }
  std::fflush(out_);
}

}  // namespace hivetest::report
