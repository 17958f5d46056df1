// The steps and checks of the flow: one table of their names, labels and reasons, read by the flow, the options and every report.
#include "hivetest/flow/checks.hpp"

#include <fmt/format.h>

namespace hivetest::flow {

const std::vector<CheckInfo>& check_catalog() {
  static const std::vector<CheckInfo> catalog = {
      {Step::model, "model", "Model", "📦 Checking model file...", "", false},
      {Step::hive, "hive", "Mock hive", "📡 Starting mock hive server...", "", false},
      {Step::spawn, "spawn", "Worker start", "🚀 Starting worker...", "", false},
      {Step::ready, "ready", "Readiness", "⏳ Waiting for worker to be ready...", "", false},
      {Step::ready_means_ready, "ready-means-ready", "Ready means ready", "🔍 Sending the first inference right after ready...",
       "a worker that says ready before its model can answer fails its first clients; while loading it may refuse "
       "them (503), never answer garbage",
       true},
      {Step::heartbeats, "heartbeats", "Heartbeat", "⏳ Waiting for heartbeats...",
       "the hive knows a worker only by its heartbeats", true},
      {Step::heartbeat_cadence, "heartbeat-cadence", "Heartbeat cadence", "🔍 Checking heartbeat intervals...",
       "a hive counts a worker whose beats come late as dead, and one that beats too often as a load", true},
      {Step::health, "health", "Health", "🔍 Testing health endpoint...", "load balancers and the hive ask it", true},
      {Step::ready_endpoint, "ready-endpoint", "Ready endpoint", "🔍 Testing ready endpoint...",
       "the ready endpoint must keep saying ready once loaded", true},
      {Step::progress, "loading-progress", "Loading progress", "🔍 Testing loading progress stream...",
       "the loading progress stream must end ready", true},
      {Step::models, "models", "Models", "🔍 Testing model list...", "clients ask which model to name", true},
      {Step::inference, "inference", "Inference", "🔍 Testing inference endpoint...",
       "each of the profile's streams, every event held to its grammar", true},
      {Step::stream_accounting, "stream-accounting", "Stream accounting", "🔍 Checking the streams' token accounting...",
       "a final count that disagrees with the tokens streamed breaks billing and limits", true},
      {Step::concurrent_streams, "concurrent-streams", "Concurrent streams", "🔍 Testing concurrent streams...",
       "workers have mixed clients' tokens, and let one client's cancel end another's stream", true},
      {Step::disconnect_cancels, "disconnect-cancels", "Disconnect cancels", "🔍 Testing that a dropped stream stops generating...",
       "generation that outlives its client holds the slot, and the next client waits", true},
      {Step::client_errors, "client-errors-are-4xx", "Client errors are 4xx", "🔍 Testing invalid requests...",
       "a 500 for a malformed request hides the client's mistake and pages the wrong people", true},
      {Step::cleanup, "cleanup", "Cleanup", "🧹 Stopping worker...", "", false},
      {Step::shutdown, "graceful-shutdown", "Graceful shutdown", "",
       "docker stop and Kubernetes send SIGTERM, and count a death by it or an abort as a failure", true},
  };
  return catalog;
}

const CheckInfo& check_info(Step step) {
  for (const auto& c : check_catalog())
    if (c.step == step) return c;
  return check_catalog().front();
}

const CheckInfo* find_check(std::string_view name) {
  for (const auto& c : check_catalog())
    if (c.selectable && name == c.name) return &c;
  return nullptr;
}

std::string selectable_check_names() {
  std::string out;
  for (const auto& c : check_catalog())
    if (c.selectable) out += (out.empty() ? "" : ", ") + std::string(c.name);
  return out;
}

CheckResult not_chosen(Step step, std::string name) {
  return CheckResult{.step = step, .name = std::move(name), .outcome = Outcome::skip,
                     .message = fmt::format("{}: not chosen (--checks, --skip-check)", check_info(step).label)};
}

}  // namespace hivetest::flow
