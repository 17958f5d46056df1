// Which built-in profile a worker's answers or log fit: said at once when the chosen profile is the wrong one.
#pragma once

#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "hivetest/flow/endpoint_checks.hpp"
#include "hivetest/process/log_ring.hpp"

namespace hivetest::flow {

// The name of the first built-in profile, other than the worker's own, whose identifying
// questions the worker answers as that kind would; "" when none does. Takes at most a
// second or so: each question has its own short deadline.
asio::awaitable<std::string> guess_kind(const Endpoint& w);

// The first built-in profile, other than `current`, whose signs stand in the log; "" when none.
std::string guess_kind_from_log(const std::vector<process::LogLine>& log, const std::string& current);

// The hint for a wrong profile: "its answers fit the llama-server profile: try --profile llama-server".
std::string wrong_profile_hint(const std::string& kind);

// The hint for a worker that does not behave as its profile says: the kind it looks
// like (asked with guess_kind), or `otherwise`.
asio::awaitable<std::string> kind_hint(const Endpoint& w, std::string otherwise);

}  // namespace hivetest::flow
