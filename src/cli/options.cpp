// The command line of SPEC.md §3, turned into the flow's configuration.
#include "hivetest/cli/options.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <asio/ip/address.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hivetest/cli/matrix.hpp"
#include "hivetest/cli/shard.hpp"
#include "hivetest/flow/checks.hpp"
#include "hivetest/process/child.hpp"
#include "hivetest/version.hpp"

namespace hivetest::cli {

namespace fs = std::filesystem;

namespace {

const char* const default_external_model = ".test-models/tinyllama/tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf";

// The bundled reference worker and tiny model sit beside hivetest in the build tree, or
// under libexec and share when installed.
struct Bundled {
  std::string worker;
  std::string model;
};

Bundled find_bundled() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  fs::path dir = exe.parent_path();
  Bundled b;
  for (auto p : {dir / "tools/reference-worker/reference-worker", dir / "../libexec/hivetest/reference-worker"})
    if (fs::exists(p, ec)) {
      b.worker = p.lexically_normal().string();
      break;
    }
  for (auto p : {dir / "tools/make-tiny-model/tiny.gguf", dir / "../share/hivetest/tiny.gguf"})
    if (fs::exists(p, ec)) {
      b.model = p.lexically_normal().string();
      break;
    }
  return b;
}

// "auto" or a port number.
std::string port_value(const std::string& text, std::optional<uint16_t>& port) {
  if (text == "auto") {
    port.reset();
    return {};
  }
  try {
    std::size_t used = 0;
    long v = std::stol(text, &used);
    if (used == text.size() && v > 0 && v < 65536) {
      port = static_cast<uint16_t>(v);
      return {};
    }
  } catch (...) {
  }
  return fmt::format("'{}' is not a port: give 1-65535 or auto", text);
}

std::chrono::milliseconds from_seconds(double s) { return std::chrono::milliseconds(std::llround(s * 1000)); }

void print_profiles() {
  for (const auto& p : profile::builtin_profiles()) {
    fmt::print("{}\n", p.name);
    fmt::print("  {}\n", p.summary);
    std::string args;
    for (const auto& a : p.arguments) args += " " + a;
    fmt::print("  starts: WORKER{}\n", args.empty() ? " (the --worker command as given, placeholders filled in)" : args);
    std::vector<std::string> checks;
    for (const auto& r : p.readiness) checks.push_back("ready " + r.path);
    if (p.heartbeats.expected) checks.push_back("heartbeats " + p.heartbeats.paths.front());
    if (p.health) checks.push_back("health " + p.health->path);
    if (p.ready_endpoint) checks.push_back("ready-endpoint " + p.ready_endpoint->path);
    if (p.progress) checks.push_back("loading-progress " + p.progress->path);
    if (p.models) checks.push_back("models " + p.models->path);
    for (const auto& st : p.streams) checks.push_back(st.name + " " + st.method + " " + st.path);
    if (!p.invalid_requests.empty()) checks.push_back(fmt::format("client-errors-are-4xx ({})", p.invalid_requests.size()));
    fmt::print("  checks: {}\n", fmt::join(checks, ", "));
  }
}

}  // namespace

Parsed parse(int argc, char** argv) {
  Options o;
  flow::Config f;
  Bundled bundled = find_bundled();
  std::string worker, port = "18081", hive_port = "19200", profile = "rbee", matrix, attach, shard;
  bool list_profiles = false;
  std::vector<std::string> checks, skip_checks;
  double heartbeat_interval = 0;
  double timeout = 30, heartbeat_timeout = 35, inference_timeout = 30, grace = 5, hive_head_timeout = 10;
  std::size_t workers = 1, max_parallel = 0;
  bool verbose = false, no_color = false;

  CLI::App app{"hivetest: tests an LLM inference worker in isolation against a mock hive.\n"
               "With no options it runs the whole flow against the bundled reference worker and tiny model."};
  app.set_version_flag("--version", std::string("hivetest ") + version);
  app.add_option("--worker", worker, "worker command, split like a shell would but run without one")
      ->default_str(bundled.worker.empty() ? "reference-worker" : "bundled reference-worker");
  app.add_option("--model", f.model, "model file (GGUF)")
      ->default_str(bundled.model.empty() ? default_external_model : bundled.model);
  app.add_option("--model-ref", f.model_ref, "model reference passed to the worker")->default_str("file:<model name>");
  app.add_option("--backend", f.backend, "cpu, cuda or metal")->capture_default_str();
  app.add_option("--device", f.device, "device number")->capture_default_str();
  app.add_option("--port", port, "worker port, or auto")->capture_default_str();
  app.add_option("--hive-port", hive_port, "mock hive port, or auto")->capture_default_str();
  app.add_option("--timeout", timeout, "seconds for the worker to become ready")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--heartbeats", f.heartbeats, "heartbeats to wait for (0 = don't wait)")->capture_default_str();
  app.add_option("--heartbeat-timeout", heartbeat_timeout, "seconds to wait for them")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--inference-timeout", inference_timeout, "seconds for the inference stream to finish")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--grace", grace, "seconds between SIGTERM and SIGKILL at cleanup")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--hive-head-timeout", hive_head_timeout,
                 "seconds a client of the mock hive has to send a request head before it is cut off")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--prompt", f.prompt, "inference prompt")->capture_default_str();
  app.add_option("--max-tokens", f.max_tokens, "inference max_tokens")->capture_default_str()->check(CLI::Range(1, 2048));
  app.add_option("--temperature", f.temperature, "inference temperature")->capture_default_str()->check(CLI::Range(0.0, 2.0));
  app.add_option("--workers", workers, "workers to run in parallel, ports counting up from --port")
      ->capture_default_str()->check(CLI::Range(1, 1024));
  app.add_option("--max-parallel", max_parallel, "start at most K workers at a time (0 = all)")->capture_default_str();
  app.add_option("--matrix", matrix, "JSON file listing worker specs to run in parallel");
  app.add_option("--profile", profile, "worker kind: rbee, rbee-v1, rbee-v2, llama-server, openai, or a profile file (JSON)")
      ->capture_default_str();
  app.add_flag("--list-profiles", list_profiles, "list the built-in worker kinds: what each starts and checks");
  app.add_option("--api-key", f.api_key, "sent to the worker as Authorization: Bearer KEY");
  app.add_option("--attach", attach, "test the worker already running at http://HOST:PORT: no start, no stop");
  app.add_option("--hive-bind", o.plan.hive_bind, "address the mock hive listens on (wider than 127.0.0.1: reachable from other hosts)")
      ->capture_default_str();
  app.add_option("--checks", checks, "run only these checks (comma-separated): " + flow::selectable_check_names())
      ->delimiter(',');
  app.add_option("--skip-check", skip_checks, "leave this check out (repeatable)");
  app.add_flag("--strict", o.plan.strict, "a warning (e.g. a worker that dies by SIGTERM) fails the run");
  app.add_option("--concurrency", f.concurrency, "streams at once in the concurrent-streams check")
      ->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--heartbeat-interval", heartbeat_interval,
                 "seconds between the worker's heartbeats, for heartbeat-cadence [default: the profile's, 30 for rbee]")
      ->check(CLI::PositiveNumber);
  app.add_option("--shard", shard, "K/N: run the K-th of N shares of the workers (of a --matrix), for N CI jobs");
  app.add_option("--format", o.report.format, "what goes to stdout: human, tap or json")->capture_default_str();
  app.add_option("--tap-version", o.report.tap_version, "13 for TAP harnesses older than TAP 14 (prove 3.44)")
      ->capture_default_str()->check(CLI::IsMember({13, 14}));
  app.add_option("--junit", o.junit, "also write a JUnit XML report to FILE");
  app.add_option("--log-lines", f.log_lines, "worker log lines shown")->capture_default_str();
  app.add_flag("-v,--verbose", verbose, "stream worker output live, prefixed");
  app.add_flag("--no-color", no_color, "no colour (also when NO_COLOR is set or stdout is not a terminal)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return {std::nullopt, code == 0 ? 0 : 2};
  }

  auto usage_error = [](const std::string& msg) {
    fmt::print(stderr, "hivetest: {}\nRun with --help for more information.\n", msg);
    return Parsed{std::nullopt, 2};
  };
  if (list_profiles) {
    print_profiles();
    return {std::nullopt, 0};
  }
  if (auto err = port_value(port, f.port); !err.empty()) return usage_error("--port: " + err);
  if (auto err = port_value(hive_port, o.plan.hive_port); !err.empty()) return usage_error("--hive-port: " + err);
  if (!report::make_reporter(o.report, stdout, stderr))
    return usage_error(fmt::format("--format {}: unknown format (known: human, tap, json)", o.report.format));
  if (!matrix.empty() && workers > 1) return usage_error("--matrix and --workers: give one or the other");
  std::string profile_error;
  f.profile = profile::load_profile(profile, profile_error);
  if (!f.profile) return usage_error("--profile: " + profile_error);
  if (!checks.empty() && !skip_checks.empty()) return usage_error("--checks and --skip-check: give one or the other");
  for (const auto& name : checks.empty() ? skip_checks : checks)
    if (!flow::find_check(name))
      return usage_error(fmt::format("unknown check '{}' (known: {})", name, flow::selectable_check_names()));
  for (const auto& info : flow::check_catalog()) {
    if (!info.selectable) continue;
    bool listed = std::find(checks.begin(), checks.end(), info.name) != checks.end();
    bool skipped = std::find(skip_checks.begin(), skip_checks.end(), info.name) != skip_checks.end();
    if (skipped || (!checks.empty() && !listed)) f.skipped.insert(info.step);
  }
  if (heartbeat_interval > 0) f.heartbeat_interval = from_seconds(heartbeat_interval);
  if (!attach.empty()) {
    std::string error;
    f.attach = flow::parse_attach_url(attach, error);
    if (!f.attach) return usage_error("--attach: " + error);
    if (!worker.empty()) return usage_error("--attach and --worker: give one or the other");
    if (workers > 1) return usage_error("--attach and --workers: one running worker is one worker");
  }
  if (o.plan.hive_bind != "127.0.0.1") {
    std::error_code ec;
    asio::ip::make_address(o.plan.hive_bind, ec);
    if (ec) return usage_error(fmt::format("--hive-bind: '{}' is not an IP address", o.plan.hive_bind));
    fmt::print(stderr, "hivetest: warning: --hive-bind {}: the mock hive is reachable from other hosts\n", o.plan.hive_bind);
  }
  std::optional<Shard> share;
  if (!shard.empty()) {
    std::string error;
    share = parse_shard(shard, error);
    if (!share) return usage_error("--shard: " + error);
  }

  bool bundled_worker = worker.empty() && !f.attach;
  if (f.attach) {
    f.label = f.attach->url;
  } else if (bundled_worker) {
    if (bundled.worker.empty()) return usage_error("the bundled reference-worker was not found beside hivetest: pass --worker CMD");
    f.worker_argv = {bundled.worker};
  } else {
    std::string error;
    auto argv_words = process::split_command(worker, &error);
    if (!argv_words) return usage_error("--worker: " + error);
    if (argv_words->empty()) return usage_error("--worker: empty command");
    f.worker_argv = std::move(*argv_words);
  }
  if (!f.attach) f.label = bundled_worker ? "reference-worker" : worker;
  // An attached worker has its model loaded already: it is checked only when given.
  if (f.model.empty() && !f.attach) f.model = bundled_worker && !bundled.model.empty() ? bundled.model : default_external_model;

  f.ready_timeout = from_seconds(timeout);
  f.heartbeat_timeout = from_seconds(heartbeat_timeout);
  f.inference_timeout = from_seconds(inference_timeout);
  f.grace = from_seconds(grace);
  f.verbose = verbose;
  bool tty = ::isatty(STDOUT_FILENO);
  o.report.color = !no_color && std::getenv("NO_COLOR") == nullptr && tty;
  o.report.live_board = tty && o.report.format == "human" && !verbose;

  o.plan.max_parallel = max_parallel;
  o.plan.hive_head_timeout = from_seconds(hive_head_timeout);
  if (!matrix.empty()) {
    std::string error;
    if (!read_matrix(matrix, f, o.plan.workers, error)) return usage_error("--matrix: " + error);
    if (share) {
      o.plan.workers = take_shard(std::move(o.plan.workers), *share);
      if (o.plan.workers.empty()) return usage_error(fmt::format("--shard {}: no worker of the matrix falls in this share", shard));
    }
  } else {
    if (share) return usage_error("--shard needs --matrix: it shares out a matrix's workers");
    for (std::size_t i = 0; i < workers; ++i) {
      o.plan.workers.push_back(f);
      if (workers > 1) o.plan.workers.back().label = fmt::format("worker {}", i + 1);
    }
  }
  return {std::move(o), 0};
}

}  // namespace hivetest::cli
