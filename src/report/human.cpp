// The human report: progress lines as the flow goes, then logs and a summary.
#include "hivetest/report/human.hpp"

#include <algorithm>
#include <csignal>
#include <ctime>

#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "hivetest/flow/checks.hpp"
#include "hivetest/util/text.hpp"
#include "hivetest/report/verdict.hpp"

namespace hivetest::report {

using flow::Outcome;
using flow::Step;

namespace {

const char* const rule = "==================================";
// A worker's line as a person reads it; the reports for machines keep up to the log ring's
// limit, and a few hundred bytes keep a flooding worker's summary short for a slow reader.
constexpr std::size_t max_shown_line = 400;

const char* announce(Step step) { return flow::check_info(step).announce; }

// The setup steps pass with a plain tick, as the original tool printed them.
bool is_setup(Step step) { return step == Step::model || step == Step::hive || step == Step::spawn || step == Step::cleanup; }

const char* summary_name(Step step) { return flow::check_info(step).label; }

std::string clock_time(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  return fmt::format("{:%H:%M:%S}", tm);
}

// One group of the hive's log: an entry, or its repeats collapsed with their count and span.
std::string hive_group(const hive::HiveLogGroup& g) {
  using K = hive::HiveLogEntry::Kind;
  const auto& e = g.first;
  std::string span = g.count > 1 ? fmt::format(", {}–{}", clock_time(e.wall), clock_time(g.last_wall)) : "";
  std::string times = g.count > 1 ? fmt::format(" ×{}", g.count) : "";
  switch (e.kind) {
    case K::heartbeat:
      if (g.count == 1)
        return fmt::format("✅ Heartbeat #{} from worker {} ({})", e.number, printable(e.worker_id, 200), printable(e.text, 200));
      return fmt::format("✅ Heartbeats #{}–#{} from worker {} ({}){}", e.number, g.last_number, printable(e.worker_id, 200),
                         printable(e.text, 200), span);
    case K::unknown_worker:
      if (g.count == 1)
        return fmt::format("⚠️  Heartbeat from unexpected worker {} ({})", printable(e.worker_id, 200), printable(e.text, 200));
      return fmt::format("⚠️  {} heartbeats from unexpected worker {}{}", g.count, printable(e.worker_id, 200), span);
    case K::rejected: return fmt::format("❌ Rejected heartbeat: {}{}{}", printable(e.text, 300), times, span);
    case K::unknown_path: return fmt::format("⚠️  Unknown route: {}{}{}", printable(e.text, 300), times, span);
    case K::refused:
      return fmt::format("⛔ Refused {} {} ({} {}) from {}{}{}", e.status, printable(e.text, 200), printable(e.method, 20),
                         printable(e.path, 200), printable(e.peer, 60), times, span);
    case K::dropped: return fmt::format("… {} earlier entries not kept", g.count);
  }
  return "";
}


int terminal_columns(std::FILE* out) {
  winsize ws{};
  int fd = ::fileno(out);  // -1 for the live output's queue: the terminal is stdout
  if (fd < 0) fd = STDOUT_FILENO;
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
  return 80;
}

// Cuts text to at most `columns` terminal columns, counting any non-ASCII character as two.
std::string fit_columns(const std::string& text, int columns) {
  int used = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    int width = c < 0x80 ? 1 : 2;
    if (used + width > columns) break;
    used += width;
    i += len;
  }
  return text.substr(0, i);
}

}  // namespace

// What a terminal outside a UTF-8 locale shows instead of each marker.
std::string ascii_markers(std::string text) {
  static const std::pair<std::string_view, std::string_view> markers[] = {
      {"✅", "[ok]"}, {"❌", "[FAIL]"}, {"⚠️", "[!]"}, {"⏭️", "[skip]"}, {"✓", "[ok]"}, {"💡", "hint:"},
      {"🛑", "[!]"},  {"🧪", "=="},     {"📦", "*"},   {"📡", "*"},      {"🚀", "*"},    {"⏳", "*"},
      {"🔍", "*"},    {"🧹", "*"},      {"📋", "*"},   {"📊", "*"},      {"📈", "*"},    {"⏱️", "*"},
      {"…", "..."},   {"·", "-"},       {"→", "->"},   {"±", "+/-"},     {"–", "-"},
  };
  for (const auto& [from, to] : markers)
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  return text;
}

void HumanReport::write(std::string text) {
  if (!unicode_) text = ascii_markers(std::move(text));
  std::fwrite(text.data(), 1, text.size(), out_);
}

std::string HumanReport::paint(std::string_view text, const char* code) const {
  if (!color_) return std::string(text);
  return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
}

void HumanReport::suite_started(const std::vector<std::string>& worker_labels) {
  auto now = std::chrono::steady_clock::now();
  for (const auto& label : worker_labels) rows_.push_back({printable(label, 200), "waiting", "", now, false});
  if (many())
    emit("🧪 Worker Isolation Test ({} workers)\n{}\n\n", rows_.size(), rule);
  else
    emit("🧪 Worker Isolation Test\n{}\n\n", rule);
  // A board taller than the screen cannot be redrawn in place: then a line per event.
  winsize ws{};
  if (::ioctl(::fileno(out_), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && rows_.size() + 4 > ws.ws_row)
    live_board_ = false;
  if (many() && live_board_) {
    for (std::size_t i = 0; i < rows_.size(); ++i) emit("\n");
    board_drawn_ = true;
    for (std::size_t i = 0; i < rows_.size(); ++i) draw_row(i);
  }
  std::fflush(out_);
}

// Rewrites one board row in place: up to it, clear it, write it, back down. A row
// never wraps, or the cursor arithmetic would be off.
void HumanReport::draw_row(std::size_t worker) {
  const auto& row = rows_[worker];
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - row.started);
  std::size_t up = rows_.size() - worker;
  std::string text = fmt::format("{:<24} {:<18} {:>7} ms  {}", fit_columns(row.id, 24), row.phase, elapsed.count(),
                                 printable(row.last_event, 1000));
  emit("\x1b[{}A\r\x1b[2K{}\x1b[{}B\r", up, fit_columns(text, terminal_columns(out_) - 1), up);
}

void HumanReport::step_started(std::size_t worker, Step step) {
  if (*announce(step) == '\0') return;  // said already by the step it belongs to
  if (!many()) {
    emit("{}\n", announce(step));
  } else if (live_board_) {
    rows_[worker].phase = summary_name(step);
    draw_row(worker);
  } else {
    emit("[{}] {}\n", rows_[worker].id, announce(step));
  }
  std::fflush(out_);
}

void HumanReport::print_check(const flow::CheckResult& c, const std::string& prefix) {
  if (waiting_line_open_) {  // the counting line ends where the outcome begins
    emit("\n");
    waiting_line_open_ = false;
  }
  switch (c.outcome) {
    case Outcome::pass:
      emit("{}{} {}\n", prefix, is_setup(c.step) ? "✓" : "✅", paint(printable(c.message, 1000), "32"));
      break;
    case Outcome::warn:
      emit("{}⚠️  {}\n", prefix, paint(printable(c.message, 1000), "33"));
      if (!c.got.empty()) emit("{}   got:      {}\n", prefix, printable(c.got, 500));
      if (!c.hint.empty()) emit("{}   💡 {}\n", prefix, printable(c.hint, 500));
      break;
    case Outcome::skip:
      emit("{}⚠️  {}\n", prefix, paint(printable(c.message, 1000), "33"));
      if (c.step == Step::model) {
        emit("{}   Skipping test\n", prefix);
        if (!c.hint.empty()) emit("{}   💡 {}\n", prefix, printable(c.hint, 500));
      }
      break;
    case Outcome::fail:
    case Outcome::error:
    case Outcome::interrupted:
      emit("{}❌ {}\n", prefix, paint(printable(c.message, 1000), "31"));
      if (!c.expected.empty()) emit("{}   expected: {}\n", prefix, printable(c.expected, 500));
      if (!c.got.empty()) emit("{}   got:      {}\n", prefix, printable(c.got, 500));
      if (!c.hint.empty()) emit("{}   💡 {}\n", prefix, printable(c.hint, 500));
      break;
  }
}

void HumanReport::step_finished(std::size_t worker, const flow::CheckResult& c) {
  if (!many()) {
    print_check(c, "");
  } else if (live_board_) {
    auto& row = rows_[worker];
    row.failed = row.failed || c.outcome == Outcome::fail || c.outcome == Outcome::error;
    if (row.failed) row.phase = "FAILED";
    else if (c.step == Step::cleanup) row.phase = "passed";
    row.last_event = c.message;
    draw_row(worker);
  } else {
    print_check(c, fmt::format("[{}] ", rows_[worker].id));
  }
  std::fflush(out_);
}

// On a terminal the waiting line counts the seconds in place; elsewhere a line every 10 s,
// so that a CI log shows the run is alive.
void HumanReport::still_waiting(std::size_t worker, const flow::Waiting& w) {
  constexpr long quiet_interval = 10;
  constexpr long long bar_width = 20;
  long elapsed = static_cast<long>(w.elapsed.count());
  std::string detail;
  if (w.loaded) {
    auto [done, total] = *w.loaded;
    detail = fmt::format(", loading {}/{} layers ({} %)", done, total, 100 * done / total);
  } else if (!w.last_answer.empty()) {
    detail = fmt::format(", last answer: {}", printable(w.last_answer, 120));
  }
  if (many() && live_board_) {
    rows_[worker].last_event = fmt::format("still waiting: {} s{}", elapsed, detail);
    draw_row(worker);
  } else if (!many() && terminal_) {
    // On a terminal the waiting line counts in place, with a bar when the loading says how far.
    std::string bar;
    if (w.loaded) {
      auto filled = std::min(bar_width, bar_width * w.loaded->first / w.loaded->second);
      bar = fmt::format(" [{}{}]", std::string(static_cast<std::size_t>(filled), '#'),
                        std::string(static_cast<std::size_t>(bar_width - filled), '.'));
    }
    emit("\r\x1b[2K⏳ Waiting for worker to be ready... {} s{}{}", elapsed, bar, fit_columns(detail, 60));
    waiting_line_open_ = true;
  } else if (elapsed % quiet_interval == 0) {
    // Elsewhere a line every 10 s, so that a CI log shows the run is alive.
    std::string who = many() ? fmt::format("[{}] ", rows_[worker].id) : "   ";
    emit("{}still waiting: {} s{}\n", who, elapsed, detail);
  }
  std::fflush(out_);
}

void HumanReport::worker_line(std::size_t worker, const process::LogLine& line) {
  if (many() && live_board_) return;  // the board owns the screen; the logs come at the end
  std::string who = many() ? fmt::format("[{}] ", rows_[worker].id) : "";
  emit("   {}{} {}{}\n", who, paint(line.stream == process::Stream::err ? "[worker:err]" : "[worker:out]", "2"),
             printable(line.text, max_shown_line), line.cut ? " [cut]" : "");
  std::fflush(out_);
}

void HumanReport::finish(const flow::SuiteResult& r) {
  if (r.interrupted_by)
    emit("\n🛑 Interrupted by {} — workers cleaned up\n",
               r.interrupted_by == SIGINT ? "Ctrl-C" : signal_name(r.interrupted_by));
  if (many())
    finish_many(r);
  else
    finish_one(r);
  print_verdict(r);
  std::fflush(out_);
}

// The hive's log, repeats grouped, at most --hive-log-lines groups: a flood of heartbeats
// under a foreign id is one line, not a screenful.
void HumanReport::print_hive_log(const flow::SuiteResult& r) {
  emit("\n📋 Hive server logs:\n");
  const auto& groups = r.hive_log_groups;
  if (groups.empty()) emit("   (nothing received)\n");
  std::size_t shown = std::min(groups.size(), hive_log_lines_);
  for (std::size_t i = 0; i < shown; ++i) emit("   [{}] {}\n", clock_time(groups[i].first.wall), hive_group(groups[i]));
  if (groups.size() > shown) emit("   … {} more (see --format json)\n", groups.size() - shown);
}

void HumanReport::finish_one(const flow::SuiteResult& suite) {
  if (suite.runs.empty()) return;
  const auto& r = suite.runs.front();
  bool hive_ran = std::any_of(r.checks.begin(), r.checks.end(), [](const auto& c) { return c.step == Step::hive; });
  if (hive_ran) print_hive_log(suite);
  if (r.pid) {
    emit("\n📋 Worker logs (last {} of {} lines):\n", r.worker_log.size(), r.worker_log_total);
    if (r.worker_log.empty()) emit("   (no output)\n");
    for (const auto& l : r.worker_log)
      emit("   {} {}{}\n", l.stream == process::Stream::err ? "[err]" : "[out]", printable(l.text, max_shown_line),
                 l.cut ? " [cut]" : "");
  }

  emit("\n📊 Test Summary\n{}\n", rule);
  for (const auto& c : r.checks) {
    if (is_setup(c.step) && c.outcome == Outcome::pass) continue;
    const char* mark = c.outcome == Outcome::pass   ? "✅"
                       : c.outcome == Outcome::skip ? "⏭️ "
                       : c.outcome == Outcome::warn ? "⚠️ "
                                                    : "❌";
    const char* verdict = c.outcome == Outcome::pass   ? "passed"
                          : c.outcome == Outcome::skip ? "skipped"
                          : c.outcome == Outcome::warn ? "WARNED"
                                                       : "FAILED";
    // A profile with several streams names each: "Inference (chat-completions)".
    std::string name = c.step == Step::inference && c.name != "inference" ? fmt::format("Inference ({})", c.name)
                                                                           : summary_name(c.step);
    emit("{} {} test {} ({} ms)", mark, name, verdict, c.duration.count());
    if (c.outcome != Outcome::pass && c.outcome != Outcome::skip) emit(": {}", printable(c.message, 300));
    emit("\n");
  }
  if (r.inference && r.inference->tokens) emit("📈 {}\n", figures_line(*r.inference));
  if (r.concurrent)
    emit("📈 concurrent streams: {} tokens, {:.0f} tokens/s in all, slowest first token {:.1f} ms\n",
               r.concurrent->tokens, r.concurrent->tokens_per_second, r.concurrent->time_to_first_token.count() / 1000.0);
  print_resources(suite);
}

void HumanReport::finish_many(const flow::SuiteResult& suite) {
  print_hive_log(suite);
  // The logs of the workers that did not pass: those are the ones worth reading.
  for (const auto& r : suite.runs) {
    if (r.exit_code == flow::exit_code::passed || r.worker_log.empty()) continue;
    emit("\n📋 Worker {} logs (last {} of {} lines):\n", r.worker_id, r.worker_log.size(), r.worker_log_total);
    for (const auto& l : r.worker_log)
      emit("   {} {}{}\n", l.stream == process::Stream::err ? "[err]" : "[out]", printable(l.text, max_shown_line),
                 l.cut ? " [cut]" : "");
  }

  emit("\n📊 Test Summary\n{}\n", rule);
  emit("{:<24} {:<8} {:>9} {:>10} {:>6} {:>8} {:>8} {:>9}\n", "worker", "result", "ready ms", "heartbeats",
             "tokens", "ttft ms", "tok/s", "total ms");
  Tally runs;
  for (const auto& r : suite.runs) {
    auto outcome = run_outcome(r);
    runs.add(outcome);
    const char* result = outcome == Outcome::fail ? "FAIL" : outcome == Outcome::interrupted ? "INTERRUPTED" : outcome_name(outcome);
    auto ms = [](auto d) {
      return d ? fmt::format("{:.1f}", std::chrono::duration<double, std::milli>(*d).count()) : std::string("-");
    };
    std::optional<std::chrono::microseconds> ttft;
    std::string rate = "-";
    if (r.inference && r.inference->tokens) {
      ttft = r.inference->time_to_first_token;
      rate = fmt::format("{:.0f}", r.inference->tokens_per_second);
    }
    emit("{:<24} {:<8} {:>9} {:>10} {:>6} {:>8} {:>8} {:>9}\n", fit_columns(printable(r.label, 200), 24), result, ms(r.time_to_ready),
               r.heartbeats, r.inference ? r.inference->tokens : 0, ms(ttft), rate, r.duration.count());
    if (const auto* f = r.first_failure())
      emit("   ❌ {}: {}\n", printable(r.label, 80), printable(f->message, 300));
  }
  emit("\n{} passed, {} failed, {} skipped{} of {} workers\n", runs.pass, runs.fail + runs.error, runs.skip,
       runs.interrupted ? fmt::format(", {} interrupted", runs.interrupted) : "", suite.runs.size());
  print_resources(suite);
}

void HumanReport::print_resources(const flow::SuiteResult& r) {
  emit("⏱️  Total {} ms · hivetest CPU {:.1f} ms · peak RSS {:.1f} MiB\n\n", r.duration.count(),
             r.cpu_time.count() / 1000.0, r.peak_rss_kib / 1024.0);
}

void HumanReport::print_verdict(const flow::SuiteResult& r) {
  if (r.interrupted_by) {
    emit("{}\n", paint("🛑 Isolation test INTERRUPTED", "1;33"));
    return;
  }
  const flow::CheckResult* failure = nullptr;
  for (const auto& run : r.runs)
    if (!failure) failure = run.first_failure();
  switch (r.exit_code) {
    case flow::exit_code::passed:
      emit("{}\n", paint("✅ Isolation test complete - ALL TESTS PASSED!", "1;32"));
      break;
    case flow::exit_code::skipped:
      emit("{}\n", paint("⚠️  Isolation test SKIPPED (no model)", "1;33"));
      break;
    default:
      emit("{}\n", paint(fmt::format("❌ Isolation test FAILED: {}", failure ? printable(failure->message, 300) : "see above"), "1;31"));
      if (failure && !failure->hint.empty()) emit("   💡 {}\n", printable(failure->hint, 500));
  }
}

}  // namespace hivetest::report
