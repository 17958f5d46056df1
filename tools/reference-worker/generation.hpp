// One answer's tokens: drawn by the sampler, paced by the token delay, ended by the token limit or a stop sequence.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "inference_request.hpp"
#include "worker.hpp"

namespace reference_worker {

class Generation {
 public:
  enum class End { running, length, stop_sequence, shutdown };

  // Keeps a reference to the worker, copies what it needs of the job.
  Generation(Worker& w, const InferenceRequest& job);

  // Waits the token delay (not before the first token) and draws the next token; false
  // once the answer has ended: then end() says why. The token that completes a stop
  // sequence ends the answer and is not given out.
  asio::awaitable<bool> next();

  // From the next token on, at least this long between tokens.
  void pace_at_least(std::chrono::milliseconds delay) { delay_ = std::max(delay_, delay); }

  const std::string& text() const { return *token_; }  // the token next() drew
  uint32_t id() const { return sampler_.last_id(); }
  int count() const { return count_; }  // tokens given out so far
  End end() const { return end_; }

  // From the start to the first token, and from the first token on; never zero.
  double prompt_ms() const;
  double decode_ms() const;

 private:
  using Clock = std::chrono::steady_clock;

  Worker& w_;
  TokenSampler sampler_;
  int max_tokens_;
  std::chrono::milliseconds delay_;
  std::vector<std::string> stop_;
  std::string text_;  // kept only to find stop sequences
  const std::string* token_ = nullptr;
  int count_ = 0;
  End end_ = End::running;
  Clock::time_point started_ = Clock::now();
  Clock::time_point first_token_{};
};

// How an answer ended, in the words of the rbee protocol's end event.
inline const char* rbee_stop_reason(Generation::End end) {
  return end == Generation::End::stop_sequence ? "stop_sequence" : "max_tokens";
}

}  // namespace reference_worker
