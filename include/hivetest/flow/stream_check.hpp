// One streamed inference request of the profile, each event held to the stream's grammar, with its figures.
#pragma once

#include <cstddef>

#include <asio/awaitable.hpp>

#include "hivetest/flow/endpoint_checks.hpp"
#include "hivetest/flow/result.hpp"
#include "hivetest/profile/profile.hpp"

namespace hivetest::flow {

// What one stream came to.
struct StreamRun {
  CheckResult check;        // the grammar's verdict: does it stream as the profile says
  std::string accounting;   // "" when token indices, the final count, max_tokens and the stop reason hold
  InferenceStats stats;
  int status = 0;           // the answer's status (the job's stream's, for a job), 0 when none came
  bool closed_early = false;  // hivetest closed it after the tokens it asked for
  // The answer came but its bytes broke the stream's grammar (whatever its status), as
  // opposed to an error event, a timeout or a connection cut before the end.
  bool garbled = false;
};

// The placeholder values of a stream of its own: another prompt, job id and max_tokens.
profile::Placeholders own_values(const Endpoint& w, const std::string& tag, std::size_t max_tokens);

// Sends the stream's request with these placeholder values (w.json_values, or a changed
// copy: another prompt, max_tokens or job id). With `close_after` > 0 the connection is
// closed once that many tokens have come (a client that leaves).
asio::awaitable<StreamRun> run_stream(const Endpoint& w, const profile::Placeholders& values,
                                      const profile::StreamCheck& stream, std::size_t close_after);

// The stream as a check of step 6: run_stream's grammar verdict, its figures kept in `stats`.
asio::awaitable<CheckResult> check_stream(const Endpoint& w, const profile::StreamCheck& stream, StreamRun& run);

}  // namespace hivetest::flow
