// A suite result for the report tests: a passing, a failing and a skipped worker, with hostile bytes.
#pragma once

#include <string>

#include "hivetest/flow/result.hpp"

namespace report_sample {

using namespace hivetest;

// Everything a worker could print that breaks a naive report: ANSI codes, NUL, invalid
// UTF-8, the noncharacter U+FFFE, a C1 CSI, DEL, CR and LF, a line separator, markup,
// TAP's own syntax and a YAML end marker.
inline std::string hostile() {
  static const char bytes[] =
      "\x1b[31mred\x1b[0m nul:\0: bad:\xff\xfe: nonchar:\xef\xbf\xbe: c1:\xc2\x9b: del:\x7f: cr:\r: lf:\n"
      "ls:\xe2\x80\xa8: <b>&amp;</b> \"q\" 'a' ]]> # SKIP \\ \n  ...\nBail out! not really\n"
      "cut utf8:\xe2\x82";
  return std::string(bytes, sizeof bytes - 1);
}

inline flow::CheckResult check(flow::Step step, std::string name, flow::Outcome outcome, std::string message) {
  flow::CheckResult c;
  c.step = step;
  c.name = std::move(name);
  c.outcome = outcome;
  c.message = std::move(message);
  c.duration = std::chrono::milliseconds(12);
  return c;
}

inline flow::RunResult run(std::string id, std::string label, std::optional<int> pid, int exit_code) {
  flow::RunResult r;
  r.worker_id = std::move(id);
  r.label = std::move(label);
  r.pid = pid;
  r.exit_code = exit_code;
  return r;
}

inline flow::RunResult passing_run() {
  auto r = run("test-worker-1", "reference-worker", 101, flow::exit_code::passed);
  r.worker_port = 18081;
  r.checks = {check(flow::Step::model, "model", flow::Outcome::pass, "Model found: tiny.gguf"),
              check(flow::Step::hive, "hive", flow::Outcome::pass, "Mock hive server started"),
              check(flow::Step::spawn, "spawn", flow::Outcome::pass, "Worker started"),
              check(flow::Step::ready, "ready", flow::Outcome::pass, "Worker is ready! (3 ms)"),
              check(flow::Step::heartbeats, "heartbeats", flow::Outcome::skip, "Not waiting for heartbeats"),
              check(flow::Step::inference, "inference", flow::Outcome::pass, "Inference streamed 5 tokens")};
  r.time_to_ready = std::chrono::milliseconds(3);
  r.inference = flow::InferenceStats{5, "Paris" + hostile(), std::chrono::milliseconds(1), "max_tokens"};
  r.worker_log = {{process::Stream::err, {}, "listening", false}};
  r.worker_log_total = 1;
  r.exit_description = "stopped: exited with status 0";
  r.duration = std::chrono::milliseconds(40);
  return r;
}

inline flow::RunResult failing_run() {
  auto r = run("test-worker-2", "hostile \x1b[1m# worker\n", 102, flow::exit_code::failed);
  r.checks = {check(flow::Step::model, "model", flow::Outcome::pass, "Model found: tiny.gguf"),
              check(flow::Step::ready, "ready", flow::Outcome::fail, "Worker exited: " + hostile())};
  auto& f = r.checks.back();
  f.expected = "the worker running";
  f.got = hostile();
  f.hint = "run it by hand";
  r.worker_log = {{process::Stream::out, {}, hostile(), false},
                  {process::Stream::err, {}, std::string(16 * 1024, 'x'), true},
                  {process::Stream::err, {}, std::string("\0\0\0", 3), false}};
  r.worker_log_total = 5000;
  r.exit_description = "exited with status 3";
  return r;
}

inline flow::RunResult skipped_run() {
  auto r = run("test-worker-3", "no model", std::nullopt, flow::exit_code::skipped);
  r.checks = {check(flow::Step::model, "model", flow::Outcome::skip, "Model not found: /no/such.gguf")};
  return r;
}

inline flow::SuiteResult suite(std::vector<flow::RunResult> runs, int exit_code) {
  flow::SuiteResult s;
  s.runs = std::move(runs);
  s.started_at = std::chrono::system_clock::now();
  s.started = std::chrono::steady_clock::now();
  for (auto& r : s.runs)
    for (auto& l : r.worker_log) l.at = s.started + std::chrono::milliseconds(5);
  s.hive_log = {{hive::HiveLogEntry::Kind::heartbeat, s.started_at, "test-worker-1", 1, "POST /v1/heartbeat"},
                {hive::HiveLogEntry::Kind::rejected, s.started_at, "", 0, hostile()}};
  s.duration = std::chrono::milliseconds(1234);
  s.exit_code = exit_code;
  return s;
}

}  // namespace report_sample
