// The checks that catch the bugs real workers ship: early "ready", miscounts, cross-talk, abandoned generations, shutdown.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <vector>

#include <asio/awaitable.hpp>

#include "hivetest/flow/endpoint_checks.hpp"
#include "hivetest/flow/loading_probe.hpp"
#include "hivetest/flow/result.hpp"
#include "hivetest/flow/stream_check.hpp"
#include "hivetest/hive/mock_hive.hpp"
#include "hivetest/process/child.hpp"

namespace hivetest::flow {

// The first inference right after "ready" (the profile's first stream, one token) must
// succeed, and the one sent while the worker said it was loading (if any) must not have
// been answered with garbage.
asio::awaitable<CheckResult> check_ready_means_ready(const Endpoint& w, LoadingProbe* while_loading);

// Over every stream that ran: indices from 0, the final count equal to the tokens, never
// over max_tokens, a stop reason the dialect defines.
CheckResult check_stream_accounting(const std::vector<StreamRun>& runs);

// `n` streams at once, and one more cancelled after its first token: all n finish, each by
// its own grammar and accounting (when a stream alone keeps its accounting: otherwise that
// is stream-accounting's failure, not cross-talk), no 5xx. Fills `aggregate` (tokens/s over
// all, the slowest first token).
asio::awaitable<CheckResult> check_concurrent_streams(const Endpoint& w, std::size_t n, bool solo_accounting_held,
                                                      InferenceStats& aggregate);

// A long stream dropped after a few tokens must not hold the worker: a short request's
// first token then comes within max(5 x the baseline, baseline + 1 s).
asio::awaitable<CheckResult> check_disconnect_cancels(const Endpoint& w);

// The intervals between the worker's heartbeats lie within 20 % of `expected`.
CheckResult check_heartbeat_cadence(const std::deque<hive::HeartbeatRecord>& beats, std::chrono::milliseconds expected);

// How the worker ended at SIGTERM: by itself with status 0 (pass), by SIGTERM's default
// action (warn), any other way or only by SIGKILL (fail).
CheckResult check_graceful_shutdown(const process::ExitStatus& status, std::chrono::milliseconds grace,
                                    std::chrono::milliseconds took);

}  // namespace hivetest::flow
