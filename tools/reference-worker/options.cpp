// The reference worker's command line: the rbee worker's options plus knobs for testing.
#include "options.hpp"

#include <cstdio>
#include <vector>

#include <CLI/CLI.hpp>

namespace reference_worker {

namespace {

std::string file_name_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// CLI11 takes `--worker-id ""` as given; an empty id or path is never what was meant.
std::string non_empty(const std::string& value) { return value.empty() ? "must not be empty" : ""; }

}  // namespace

std::optional<int> parse_options(int argc, char** argv, Options& out) {
  CLI::App app{"reference-worker: a stand-in LLM worker that speaks the rbee worker protocol"};
  std::string inference_api = "v2";
  std::string heartbeat_shape = "flat";
  std::vector<std::string> fault_list;

  app.add_option("--worker-id", out.worker_id, "worker id sent in heartbeats")->type_name("ID")->required()->check(non_empty);
  app.add_option("--model", out.model_path, "GGUF model file; its vocabulary becomes the output")
      ->type_name("PATH")
      ->required()
      ->check(non_empty);
  app.add_option("--model-ref", out.model_ref, "model reference reported to clients [default: file:<model file name>]")
      ->type_name("REF");
  app.add_option("--backend", out.backend, "compute backend (accepted; everything runs on the CPU)")
      ->type_name("BACKEND")
      ->check(CLI::IsMember({"cpu", "cuda", "metal"}))
      ->capture_default_str();
  app.add_option("--device", out.device, "device index")->type_name("N")->check(CLI::Range(0, 1024))->capture_default_str();
  app.add_option("--port", out.port, "port to listen on at 127.0.0.1 (0 picks a free one)")->type_name("PORT")->required();
  app.add_option("--hive-url", out.hive_url, "base URL of the hive, e.g. http://127.0.0.1:19200")
      ->type_name("URL")
      ->required();
  app.add_flag("--local-mode", out.local_mode, "no bearer token needed on /v1/*");

  app.add_option("--load-ms", out.load_ms, "time spent loading after listening")
      ->type_name("N")
      ->check(CLI::Range(0, 3'600'000))
      ->capture_default_str();
  app.add_option("--inference-api", inference_api, "v1: POST /v1/inference streams; v2: it answers with an sse_url")
      ->type_name("API")
      ->check(CLI::IsMember({"v1", "v2"}))
      ->capture_default_str();
  app.add_option("--heartbeat-interval-ms", out.heartbeat_interval_ms, "time between heartbeats; the first goes at once")
      ->type_name("N")
      ->check(CLI::Range(1, 86'400'000))
      ->capture_default_str();
  app.add_option("--heartbeat-shape", heartbeat_shape, "heartbeat payload shape")
      ->type_name("SHAPE")
      ->check(CLI::IsMember({"flat", "nested"}))
      ->capture_default_str();
  app.add_option("--heartbeat-path", out.heartbeat_path, "path on the hive that heartbeats go to")
      ->type_name("PATH")
      ->check([](const std::string& p) { return !p.empty() && p[0] == '/' ? "" : "must start with /"; })
      ->capture_default_str();
  app.add_option("--api-token", out.api_token, "bearer token required on /v1/* unless --local-mode [default: test-token]")
      ->type_name("TOKEN")
      ->envname("WORKER_API_TOKEN")
      ->check(non_empty);
  app.add_option("--token-delay-ms", out.token_delay_ms, "delay between streamed tokens [default: 0, or 200 with --fault slow-tokens]")
      ->type_name("N")
      ->check(CLI::Range(0, 60'000));
  const auto names = fault_names();
  const std::vector<std::string> known_faults(names.begin(), names.end());
  app.add_option("--fault", fault_list, "misbehave in this way; may be repeated")
      ->type_name("NAME")
      ->allow_extra_args(false)
      ->check(CLI::IsMember(known_faults));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 has its own exit codes; this program promises 2 for any usage error.
    return app.exit(e) == 0 ? 0 : 2;
  }
  out.inference_api = inference_api == "v1" ? InferenceApi::v1 : InferenceApi::v2;
  out.heartbeat_shape = heartbeat_shape == "nested" ? HeartbeatShape::nested : HeartbeatShape::flat;
  for (const auto& name : fault_list) out.faults.add(*fault_from_name(name));
  if (out.token_delay_ms < 0)
    out.token_delay_ms = out.faults.has(Fault::slow_tokens) ? static_cast<int>(slow_token_delay.count()) : 0;
  if (out.model_ref.empty()) out.model_ref = "file:" + file_name_of(out.model_path);
  return std::nullopt;
}

}  // namespace reference_worker
