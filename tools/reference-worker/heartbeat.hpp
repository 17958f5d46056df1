// Heartbeats to the hive: the first at once, then one per interval, for as long as the worker runs.
#pragma once

#include <string>

#include <asio/awaitable.hpp>

#include "worker.hpp"

namespace reference_worker {

// The payload in the configured shape (docs/PROFILES.md): flat, or nested as rbee (v3) has it.
std::string heartbeat_payload(const Worker& w);

// Never returns on its own: a hive that is down or answers an error is logged, and the
// next heartbeat goes at the next interval. Ends when cancelled. The dialects without a
// hive (llama-server, openai) send none and only wait.
asio::awaitable<void> send_heartbeats(Worker& w);

}  // namespace reference_worker
