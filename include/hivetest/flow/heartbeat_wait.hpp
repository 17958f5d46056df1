// Step 5 of the flow: the worker's heartbeats awaited at the mock hive, held to the profile's paths and shape.
#pragma once

#include <asio/awaitable.hpp>

namespace hivetest::flow {

struct Session;

// Waits for --heartbeats heartbeats from the session's worker, until --heartbeat-timeout,
// its exit or a refusal, and records the heartbeats check. False when the flow stops.
asio::awaitable<bool> wait_heartbeats(Session& s);

}  // namespace hivetest::flow
