// The reference worker's command line: each dialect's options plus knobs for testing.
#include "options.hpp"

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace reference_worker {

namespace {

constexpr const char* rbee_group = "rbee dialects (what an rbee hive passes)";
constexpr const char* server_group = "llama-server and openai dialects";
constexpr const char* knob_group = "Testing knobs";

constexpr const char* dialect_footer = R"(Dialects:
  rbee          the newest rbee worker: loads before listening, POST /v1/jobs -> sse_url, nested
                heartbeats to /v1/worker-heartbeat, bearer token from LLORCH_API_TOKEN
  rbee-v1       POST /v1/inference streams; /v1/ready, /v1/loading/progress; flat heartbeats
  rbee-v2       as rbee-v1, but POST /v1/inference answers {job_id, sse_url}
  llama-server  llama.cpp's server: /health, /v1/models, /props, /completion, /v1/chat/completions,
                /v1/completions; no hive, no heartbeats
  openai        an OpenAI-compatible server (vLLM): /health, /v1/models, /v1/chat/completions,
                /v1/completions; --api-key guards /v1/*)";

std::string file_name_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// CLI11 takes `--worker-id ""` as given; an empty id or path is never what was meant.
std::string non_empty(const std::string& value) { return value.empty() ? "must not be empty" : ""; }

int usage_error(const std::string& message) {
  std::fprintf(stderr, "reference-worker: %s\n", message.c_str());
  return 2;
}

// llama-server spells --parallel "-np", a short name of two letters that CLI11 cannot take.
std::vector<char*> with_long_names(int argc, char** argv) {
  static char parallel[] = "--parallel";
  std::vector<char*> args(argv, argv + argc);
  for (auto& a : args)
    if (std::string_view(a) == "-np") a = parallel;
  return args;
}

// The choices that depend on the dialect, made once the command line is read.
std::optional<int> settle(const CLI::App& app, const std::string& inference_api, Options& out) {
  if (!inference_api.empty()) {
    Dialect meant = inference_api == "v1" ? Dialect::rbee_v1 : Dialect::rbee_v2;
    if (app.count("--dialect") && out.dialect != meant)
      return usage_error(fmt::format("--inference-api {} means --dialect {}, not {}", inference_api,
                                     dialect_name(meant), dialect_name(out.dialect)));
    out.dialect = meant;
  }
  const auto dialect = dialect_name(out.dialect);
  if (is_rbee(out.dialect)) {
    for (const char* required : {"--worker-id", "--port", "--hive-url"})
      if (!app.count(required)) return usage_error(fmt::format("{} is required with --dialect {}", required, dialect));
  } else {
    // The servers these dialects stand for know nothing of a hive: they refuse rbee's
    // arguments, each in its own words, as a tester pointed at them with the wrong
    // profile sees it.
    for (const char* rbee_only : {"--worker-id", "--hive-url", "--backend", "--device", "--local-mode"})
      if (app.count(rbee_only)) {
        if (out.dialect == Dialect::llama_server) std::fprintf(stderr, "error: invalid argument: %s\n", rbee_only);
        else std::fprintf(stderr, "reference-worker: error: unrecognized arguments: %s\n", rbee_only);
        return out.dialect == Dialect::llama_server ? 1 : 2;
      }
    if (!app.count("--port")) out.port = out.dialect == Dialect::llama_server ? 8080 : 8000;  // what llama-server and vLLM listen on
  }
  if (!out.api_key.empty() && out.dialect != Dialect::openai)
    return usage_error(fmt::format("--api-key is for --dialect openai, not {} (the rbee dialects take --api-token)", dialect));
  for (auto name : fault_names()) {
    Fault f = *fault_from_name(name);
    if (out.faults.has(f) && !fault_applies(f, out.dialect))
      return usage_error(fmt::format("fault {} does not apply to --dialect {}", name, dialect));
  }

  if (out.faults.has(Fault::garbage_while_loading) && out.load_ms <= 0)
    return usage_error("fault garbage-while-loading needs --load-ms above 0: a time while the model loads");

  if (out.dialect == Dialect::rbee) {
    if (!app.count("--heartbeat-shape")) out.heartbeat_shape = HeartbeatShape::nested;
    if (!app.count("--heartbeat-path")) out.heartbeat_path = "/v1/worker-heartbeat";
    if (const char* token = std::getenv("LLORCH_API_TOKEN"); token && *token) out.api_token = token;
  }
  if (out.model_ref.empty())
    out.model_ref = is_rbee(out.dialect) ? "file:" + file_name_of(out.model_path) : file_name_of(out.model_path);
  if (out.token_delay_ms < 0)
    out.token_delay_ms = out.faults.has(Fault::slow_tokens) ? static_cast<int>(slow_token_delay.count()) : 0;
  return std::nullopt;
}

}  // namespace

std::optional<int> parse_options(int argc, char** argv, Options& out) {
  CLI::App app{"reference-worker: a stand-in LLM worker that speaks the rbee, llama-server and OpenAI worker protocols"};
  app.footer(dialect_footer);
  std::string dialect = "rbee";
  std::string inference_api;
  std::string heartbeat_shape = "flat";
  std::vector<std::string> fault_list;
  int parallel = 1;

  const auto dialects = dialect_names();
  app.add_option("--dialect", dialect, "the wire protocol to speak")
      ->type_name("DIALECT")
      ->check(CLI::IsMember(std::vector<std::string>(dialects.begin(), dialects.end())))
      ->capture_default_str();
  app.add_option("-m,--model", out.model_path, "GGUF model file; its vocabulary becomes the output")
      ->type_name("PATH")
      ->required()
      ->check(non_empty);
  auto* model_ref = app.add_option("--model-ref", out.model_ref,
                                   "the model as clients see it [default: file:<model file name> for rbee, else the file name]")
                        ->type_name("REF");
  app.add_option("--port", out.port,
                 "port to listen on, 0 picks a free one (required for the rbee dialects) [default: 8080 for llama-server, 8000 for openai]")
      ->type_name("PORT");
  app.add_option("--host", out.host, "address to listen on")->type_name("ADDR")->check(non_empty)->capture_default_str();

  app.add_option("--worker-id", out.worker_id, "worker id sent in heartbeats (rbee dialects: required; the others refuse it)")
      ->type_name("ID")
      ->check(non_empty)
      ->group(rbee_group);
  app.add_option("--hive-url", out.hive_url, "base URL of the hive, e.g. http://127.0.0.1:19200 (rbee dialects: required; the others refuse it)")
      ->type_name("URL")
      ->group(rbee_group);
  app.add_option("--backend", out.backend, "compute backend (accepted; everything runs on the CPU)")
      ->type_name("BACKEND")
      ->check(CLI::IsMember({"cpu", "cuda", "metal"}))
      ->capture_default_str()
      ->group(rbee_group);
  app.add_option("--device", out.device, "device index")
      ->type_name("N")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str()
      ->group(rbee_group);
  app.add_flag("--local-mode", out.local_mode, "no bearer token needed on /v1/*")->group(rbee_group);
  app.add_option("--api-token", out.api_token,
                 "bearer token required on /v1/* unless --local-mode; rbee prefers env LLORCH_API_TOKEN [default: test-token]")
      ->type_name("TOKEN")
      ->envname("WORKER_API_TOKEN")
      ->check(non_empty)
      ->group(rbee_group);
  app.add_option("--inference-api", inference_api, "v1 or v2: the same as --dialect rbee-v1 or rbee-v2")
      ->type_name("API")
      ->check(CLI::IsMember({"v1", "v2"}))
      ->group(rbee_group);

  app.add_option("--served-model-name", out.model_ref, "the same as --model-ref")
      ->type_name("NAME")
      ->excludes(model_ref)
      ->group(server_group);
  app.add_option("--api-key", out.api_key, "openai: /v1/* needs Authorization: Bearer KEY")
      ->type_name("KEY")
      ->check(non_empty)
      ->group(server_group);
  app.add_option("-c,--ctx-size", out.ctx_size, "context size /props reports [default: the model's]")
      ->type_name("N")
      ->check(CLI::Range(0, 1 << 24))
      ->group(server_group);
  app.add_option("--parallel", parallel, "slots, also spelled -np (accepted and ignored)")
      ->type_name("N")
      ->check(CLI::Range(1, 1024))
      ->group(server_group);

  app.add_option("--load-ms", out.load_ms, "time spent loading the model (rbee: before listening; others: after)")
      ->type_name("N")
      ->check(CLI::Range(0, 3'600'000))
      ->capture_default_str()
      ->group(knob_group);
  app.add_option("--token-delay-ms", out.token_delay_ms, "delay between streamed tokens [default: 0, or 200 with --fault slow-tokens]")
      ->type_name("N")
      ->check(CLI::Range(0, 60'000))
      ->group(knob_group);
  app.add_option("--heartbeat-interval-ms", out.heartbeat_interval_ms, "time between heartbeats; the first goes at once")
      ->type_name("N")
      ->check(CLI::Range(1, 86'400'000))
      ->capture_default_str()
      ->group(knob_group);
  app.add_option("--heartbeat-shape", heartbeat_shape, "heartbeat payload shape, flat or nested [default: nested for rbee, else flat]")
      ->type_name("SHAPE")
      ->check(CLI::IsMember({"flat", "nested"}))
      ->group(knob_group);
  app.add_option("--heartbeat-path", out.heartbeat_path,
                 "path on the hive that heartbeats go to [default: /v1/worker-heartbeat for rbee, else /v1/heartbeat]")
      ->type_name("PATH")
      ->check([](const std::string& p) { return !p.empty() && p[0] == '/' ? "" : "must start with /"; })
      ->group(knob_group);
  const auto names = fault_names();
  const std::vector<std::string> known_faults(names.begin(), names.end());
  app.add_option("--fault", fault_list, "misbehave in this way; may be repeated")
      ->type_name("NAME")
      ->allow_extra_args(false)
      ->check(CLI::IsMember(known_faults))
      ->group(knob_group);

  auto args = with_long_names(argc, argv);
  try {
    app.parse(argc, args.data());
  } catch (const CLI::ParseError& e) {
    // CLI11 has its own exit codes; this program promises 2 for any usage error.
    return app.exit(e) == 0 ? 0 : 2;
  }
  out.dialect = *dialect_from_name(dialect);
  out.heartbeat_shape = heartbeat_shape == "nested" ? HeartbeatShape::nested : HeartbeatShape::flat;
  for (const auto& name : fault_list) out.faults.add(*fault_from_name(name));
  return settle(app, inference_api, out);
}

}  // namespace reference_worker
