// The one table of hivetest's options: name, group, value, help, matrix key, how a value is checked and set, how its default shows.
#include "hivetest/cli/option_table.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "hivetest/process/split_command.hpp"

namespace hivetest::cli {

namespace {

using std::chrono::milliseconds;

// --- values, each checked one way, with the words that say what is allowed ---

std::optional<double> number(const std::string& text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<long long> whole(const std::string& text) {
  long long v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// Seconds as milliseconds; `zero_ok` for a grace that may be none.
std::string seconds(milliseconds& out, const std::string& text, bool zero_ok = false) {
  auto v = number(text);
  if (!v || *v < 0 || (*v == 0 && !zero_ok) || *v > 86400)
    return zero_ok ? "must be a number of seconds from 0 to 86400" : "must be a positive number of seconds (up to 86400)";
  out = milliseconds(std::llround(*v * 1000));
  return {};
}

template <typename T>
std::string in_range(T& out, const std::string& text, long long min, long long max) {
  auto v = whole(text);
  if (!v || *v < min || *v > max) return fmt::format("must be a whole number from {} to {}", min, max);
  out = static_cast<T>(*v);
  return {};
}

std::string one_of(std::string& out, const std::string& text, std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (text == a) {
      out = text;
      return {};
    }
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  return fmt::format("must be one of {}", list);
}

std::string not_empty(std::string& out, const std::string& text, const char* what) {
  if (text.find_first_not_of(" \t\n") == std::string::npos) return fmt::format("must be {}, not empty", what);
  out = text;
  return {};
}

// An option that takes no value: it turns its setting on.
std::string switch_on(bool& out) {
  out = true;
  return {};
}

std::string port(std::optional<uint16_t>& out, const std::string& text) {
  if (text == "auto") {
    out.reset();
    return {};
  }
  uint16_t p = 0;
  if (!in_range(p, text, 1, 65535).empty()) return "must be a port from 1 to 65535, or auto";
  out = p;
  return {};
}

std::string secs(milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000);
  return fmt::format("{}", static_cast<double>(d.count()) / 1000.0);
}

std::string port_text(const std::optional<uint16_t>& p) { return p ? std::to_string(*p) : "auto"; }

std::string none(const Settings&) { return {}; }

}  // namespace

const std::vector<OptionSpec>& option_table() {
  static const std::vector<OptionSpec> table = {
      // The worker and how it is started.
      {"--worker", "CMD", Group::worker, "worker command, split like a shell would but run without one; "
       "{model} {port} {host} {hive_url} {worker_id} {model_ref} {backend} {device} are filled in", "worker",
       [](Settings& s, const std::string& v) {
         auto e = not_empty(s.worker_command, v, "a command");
         if (!e.empty()) return e;
         std::string error;
         auto words = process::split_command(v, &error);
         if (!words) return "must be a command a shell could split: " + error;
         s.worker.worker_argv = *words;
         s.worker_given = true;
         return std::string();
       },
       [](const Settings&) { return std::string("the bundled reference-worker"); }, ""},
      {"--model", "PATH", Group::worker, "model file (GGUF), or a model id where the profile takes one", "model",
       [](Settings& s, const std::string& v) {
         s.model_given = true;
         return not_empty(s.worker.model, v, "a model file or id");
       },
       [](const Settings&) {
         return std::string("the bundled tiny model with the bundled worker; with --worker, ") + default_external_model;
       }, ""},
      {"--model-ref", "REF", Group::worker, "model reference given to the worker", "model_ref",
       [](Settings& s, const std::string& v) { return not_empty(s.worker.model_ref, v, "a reference"); },
       [](const Settings&) { return std::string("file:<model file name>"); }, ""},
      {"--backend", "NAME", Group::worker, "compute backend given to the worker", "backend",
       [](Settings& s, const std::string& v) { return one_of(s.worker.backend, v, {"cpu", "cuda", "metal"}); },
       [](const Settings& s) { return s.worker.backend; }, "cpu cuda metal"},
      {"--device", "N", Group::worker, "device number given to the worker", "device",
       [](Settings& s, const std::string& v) { return in_range(s.worker.device, v, 0, 1024); },
       [](const Settings& s) { return std::to_string(s.worker.device); }, ""},
      {"--profile", "NAME|FILE", Group::worker, "worker kind (hivetest --list-profiles), or a profile file in JSON", "profile",
       [](Settings& s, const std::string& v) { return not_empty(s.profile, v, "a profile name or file"); },
       [](const Settings& s) { return s.profile; }, "rbee rbee-v1 rbee-v2 llama-server openai"},
      {"--attach", "URL", Group::worker, "test the worker already running at http://HOST:PORT: nothing started or stopped",
       "attach", [](Settings& s, const std::string& v) { return not_empty(s.attach, v, "a URL"); }, none, ""},
      {"--api-key", "KEY", Group::worker, "sent to the worker as Authorization: Bearer KEY", "api_key",
       [](Settings& s, const std::string& v) { return not_empty(s.worker.api_key, v, "a key"); }, none, ""},
      {"--port", "N|auto", Group::worker, "worker port; auto picks a free one", "port",
       [](Settings& s, const std::string& v) { return port(s.worker.port, v); },
       [](const Settings& s) { return port_text(s.worker.port); }, ""},
      {"--timeout", "SECONDS", Group::worker, "for the worker to become ready", "timeout",
       [](Settings& s, const std::string& v) { return seconds(s.worker.ready_timeout, v); },
       [](const Settings& s) { return secs(s.worker.ready_timeout); }, ""},
      {"--grace", "SECONDS", Group::worker, "between SIGTERM and SIGKILL at cleanup", "grace",
       [](Settings& s, const std::string& v) { return seconds(s.worker.grace, v, true); },
       [](const Settings& s) { return secs(s.worker.grace); }, ""},
      {"--log-lines", "N", Group::worker, "worker log lines shown", "log_lines",
       [](Settings& s, const std::string& v) { return in_range(s.worker.log_lines, v, 0, 100000); },
       [](const Settings& s) { return std::to_string(s.worker.log_lines); }, ""},
      {"-v,--verbose", nullptr, Group::worker, "stream worker output live, prefixed", nullptr,
       [](Settings& s, const std::string&) { return switch_on(s.worker.verbose); }, none, ""},

      // The mock hive and heartbeats.
      {"--hive-port", "N|auto", Group::hive, "mock hive port; auto picks a free one", nullptr,
       [](Settings& s, const std::string& v) { return port(s.plan.hive_port, v); },
       [](const Settings& s) { return port_text(s.plan.hive_port); }, ""},
      {"--hive-bind", "ADDR", Group::hive, "address the mock hive listens on (wider than 127.0.0.1: reachable from other hosts)",
       nullptr, [](Settings& s, const std::string& v) { return not_empty(s.plan.hive_bind, v, "an IP address"); },
       [](const Settings& s) { return s.plan.hive_bind; }, ""},
      {"--hive-head-timeout", "SECONDS", Group::hive, "for a client of the mock hive to send a request head", nullptr,
       [](Settings& s, const std::string& v) { return seconds(s.plan.hive_head_timeout, v); },
       [](const Settings& s) { return secs(s.plan.hive_head_timeout); }, ""},
      {"--hive-body-timeout", "SECONDS", Group::hive,
       "for a client of the mock hive to send a request's body after its head (sooner when connections run short)", nullptr,
       [](Settings& s, const std::string& v) { return seconds(s.plan.hive_body_timeout, v); },
       [](const Settings& s) { return secs(s.plan.hive_body_timeout); }, ""},
      {"--hive-log-lines", "N", Group::hive, "hive log entries shown, repeats grouped (the JSON report keeps more)", nullptr,
       [](Settings& s, const std::string& v) { return in_range(s.report.hive_log_lines, v, 0, 100000); },
       [](const Settings& s) { return std::to_string(s.report.hive_log_lines); }, ""},
      {"--heartbeats", "N", Group::hive, "heartbeats to wait for (0: none)", "heartbeats",
       [](Settings& s, const std::string& v) { return in_range(s.worker.heartbeats, v, 0, 100000); },
       [](const Settings& s) { return std::to_string(s.worker.heartbeats); }, ""},
      {"--heartbeat-timeout", "SECONDS", Group::hive, "to wait for them", "heartbeat_timeout",
       [](Settings& s, const std::string& v) { return seconds(s.worker.heartbeat_timeout, v); },
       [](const Settings& s) { return secs(s.worker.heartbeat_timeout); }, ""},
      {"--heartbeat-interval", "SECONDS", Group::hive, "between the worker's heartbeats, for heartbeat-cadence",
       "heartbeat_interval",
       [](Settings& s, const std::string& v) {
         milliseconds d{};
         auto e = seconds(d, v);
         if (e.empty()) s.worker.heartbeat_interval = d;
         return e;
       },
       [](const Settings&) { return std::string("the profile's (30 for rbee)"); }, ""},

      // The checks.
      {"--checks", "LIST", Group::checks, "run only these checks, comma-separated", nullptr,
       [](Settings& s, const std::string& v) {
         s.checks.push_back(v);
         return std::string();
       }, none, "check names"},
      {"--skip-check", "NAME", Group::checks, "leave this check out (may be repeated)", nullptr,
       [](Settings& s, const std::string& v) {
         s.skip_checks.push_back(v);
         return std::string();
       }, none, "check names"},
      {"--strict", nullptr, Group::checks, "a warning (a worker that dies by SIGTERM) fails the run", nullptr,
       [](Settings& s, const std::string&) { return switch_on(s.plan.strict); }, none, ""},
      {"--prompt", "TEXT", Group::checks, "inference prompt", "prompt",
       [](Settings& s, const std::string& v) { return not_empty(s.worker.prompt, v, "a prompt"); },
       [](const Settings& s) { return s.worker.prompt; }, ""},
      {"--max-tokens", "N", Group::checks, "inference max_tokens", "max_tokens",
       [](Settings& s, const std::string& v) { return in_range(s.worker.max_tokens, v, 1, 2048); },
       [](const Settings& s) { return std::to_string(s.worker.max_tokens); }, ""},
      {"--temperature", "T", Group::checks, "inference temperature", "temperature",
       [](Settings& s, const std::string& v) {
         auto t = number(v);
         if (!t || *t < 0 || *t > 2) return std::string("must be a number from 0 to 2");
         s.worker.temperature = *t;
         return std::string();
       },
       [](const Settings& s) { return fmt::format("{}", s.worker.temperature); }, ""},
      {"--inference-timeout", "SECONDS", Group::checks, "for an inference stream to finish", "inference_timeout",
       [](Settings& s, const std::string& v) { return seconds(s.worker.inference_timeout, v); },
       [](const Settings& s) { return secs(s.worker.inference_timeout); }, ""},
      {"--concurrency", "N", Group::checks, "streams at once in concurrent-streams", "concurrency",
       [](Settings& s, const std::string& v) { return in_range(s.worker.concurrency, v, 1, 64); },
       [](const Settings& s) { return std::to_string(s.worker.concurrency); }, ""},

      // What is shown and written.
      {"--format", "FORMAT", Group::output, "what goes to stdout", nullptr,
       [](Settings& s, const std::string& v) { return one_of(s.report.format, v, {"human", "tap", "json", "jsonl"}); },
       [](const Settings& s) { return s.report.format; }, "human tap json jsonl"},
      {"--tap-version", "N", Group::output, "13 for TAP harnesses older than TAP 14 (prove 3.44)", nullptr,
       [](Settings& s, const std::string& v) {
         if (v != "13" && v != "14") return std::string("must be 13 or 14");
         s.report.tap_version = v == "13" ? 13 : 14;
         return std::string();
       },
       [](const Settings& s) { return std::to_string(s.report.tap_version); }, "13 14"},
      {"--junit", "FILE", Group::output, "also write a JUnit XML report", nullptr,
       [](Settings& s, const std::string& v) { return not_empty(s.junit, v, "a file"); }, none, ""},
      {"--no-color", nullptr, Group::output, "no colour (none either when NO_COLOR is set, TERM is dumb or stdout is no terminal)",
       nullptr,
       [](Settings& s, const std::string&) { return switch_on(s.no_color); }, none, ""},
      {"--list-profiles", nullptr, Group::output, "list the built-in worker kinds: what each starts and checks", nullptr,
       [](Settings& s, const std::string&) { return switch_on(s.list_profiles); }, none, ""},
      {"-h,--help", nullptr, Group::output, "this help", nullptr,
       [](Settings& s, const std::string&) { return switch_on(s.help); }, none, ""},
      {"-V,--version", nullptr, Group::output, "hivetest's version", nullptr,
       [](Settings& s, const std::string&) { return switch_on(s.version); }, none, ""},

      // Many workers.
      {"--workers", "N", Group::parallel, "run N workers in parallel, ports counting up from --port", nullptr,
       [](Settings& s, const std::string& v) { return in_range(s.workers, v, 1, 1024); },
       [](const Settings& s) { return std::to_string(s.workers); }, ""},
      {"--max-parallel", "K", Group::parallel, "start at most K workers at a time (0: all)", nullptr,
       [](Settings& s, const std::string& v) { return in_range(s.plan.max_parallel, v, 0, 1024); },
       [](const Settings& s) { return std::to_string(s.plan.max_parallel); }, ""},
      {"--matrix", "FILE", Group::parallel, "a JSON list of workers to run side by side", nullptr,
       [](Settings& s, const std::string& v) { return not_empty(s.matrix, v, "a file"); }, none, ""},
      {"--shard", "K/N", Group::parallel, "run the K-th of N shares of the matrix's workers, for N CI jobs", nullptr,
       [](Settings& s, const std::string& v) { return not_empty(s.shard, v, "K/N"); }, none, ""},

      {"--generate", "WHAT", Group::hidden, "print the man page or the bash completion (the build does)", nullptr,
       [](Settings& s, const std::string& v) { return one_of(s.generate, v, {"man", "bash-completion"}); }, none,
       "man bash-completion"},
  };
  return table;
}

const char* group_title(Group g) {
  switch (g) {
    case Group::worker: return "Worker";
    case Group::hive: return "Hive and heartbeats";
    case Group::checks: return "Checks";
    case Group::output: return "Output";
    case Group::parallel: return "Many workers";
    case Group::hidden: return "";
  }
  return "";
}

std::string long_name(const OptionSpec& o) {
  std::string names = o.names;
  auto comma = names.rfind(',');
  return comma == std::string::npos ? names : names.substr(comma + 1);
}

const OptionSpec* find_option(const std::string& flag) {
  for (const auto& o : option_table())
    if (long_name(o) == flag) return &o;
  return nullptr;
}

const OptionSpec* find_matrix_field(const std::string& key) {
  for (const auto& o : option_table())
    if (o.matrix_key && key == o.matrix_key) return &o;
  return nullptr;
}

}  // namespace hivetest::cli
