// The names of the worker's fault modes as --fault takes them.
#include "fault.hpp"

#include <array>

namespace reference_worker {

namespace {

constexpr std::array<std::string_view, static_cast<std::size_t>(Fault::count_)> names = {
    "crash-on-start", "exit-after-ready", "never-ready",     "health-500",       "ready-false",
    "no-heartbeat",   "bad-heartbeat",    "late-heartbeat",  "sse-error-event",  "sse-no-done",
    "sse-stall",      "sse-garbage",      "slow-tokens",     "ignore-sigterm",   "fork-grandchild",
    "setsid-grandchild", "log-flood",     "close-pipes",
    "crash-on-sigterm",  "default-sigterm", "ignore-disconnect", "cross-talk", "cancel-kills-others",
    "miscount",          "server-error-on-bad-request", "ready-too-early", "irregular-heartbeat",
    "unhealthy-after-ready", "unready-after-ready", "progress-not-sse", "progress-no-ready",
    "accept-invalid",    "inference-503",   "job-without-url", "sse-not-json", "sse-cut",
    "garbage-while-loading",
};
static_assert(!names.back().empty(), "every fault has a name");

}  // namespace

std::string_view fault_name(Fault f) { return names[static_cast<std::size_t>(f)]; }

std::optional<Fault> fault_from_name(std::string_view name) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<Fault>(i);
  return std::nullopt;
}

std::vector<std::string_view> fault_names() { return {names.begin(), names.end()}; }

}  // namespace reference_worker
