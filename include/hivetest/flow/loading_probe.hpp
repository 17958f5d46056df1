// One inference sent while the worker says it is loading, and the verdict ready-means-ready gives its answer.
#pragma once

#include <memory>
#include <string>

#include <asio/awaitable.hpp>

#include "hivetest/flow/endpoint_checks.hpp"

namespace hivetest::flow {

// What the worker did with the inference sent while it said it was loading. A refusal
// (503, or any status that is no success) and a well-formed stream are fine; a success
// whose bytes break the stream's grammar is garbage.
struct LoadingAnswer {
  bool sent = false;
  bool garbage = false;
  std::string said;     // what came of it, in words, for the check's message
  std::string broken;   // when garbage: how the answer broke the grammar
  std::string got;      // when garbage: what came (escaped, bounded)
};

// Sent once, in the background, the first time the readiness poll sees the worker
// loading, so that the wait for ready goes on meanwhile. It ends at the inference
// deadline (--inference-timeout), or at once when its owner goes.
class LoadingProbe {
 public:
  LoadingProbe() = default;
  LoadingProbe(const LoadingProbe&) = delete;
  LoadingProbe& operator=(const LoadingProbe&) = delete;
  ~LoadingProbe();

  // The profile's first stream, asked for one token; nothing when sent already, when
  // ready-means-ready is not chosen, or when the profile has no stream.
  void send(const Endpoint& w);
  // The verdict, once the answer is in; at once when nothing was sent.
  asio::awaitable<LoadingAnswer> answer();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace hivetest::flow
