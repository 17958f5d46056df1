// Step 6's inference: one streamed request of the profile, each event held to the stream's grammar.
#pragma once

#include <asio/awaitable.hpp>

#include "hivetest/flow/endpoint_checks.hpp"
#include "hivetest/flow/result.hpp"
#include "hivetest/profile/profile.hpp"

namespace hivetest::flow {

// Fills `stats` as the stream goes, so that what came before a failure is known.
asio::awaitable<CheckResult> check_stream(const Endpoint& w, const profile::StreamCheck& stream, InferenceStats& stats);

}  // namespace hivetest::flow
