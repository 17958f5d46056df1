// One answer's tokens: drawn by the sampler, paced by the token delay, ended by the token limit or a stop sequence.
#include "generation.hpp"

#include <algorithm>

#include "event_stream.hpp"

namespace reference_worker {

namespace {

// Only the end of the text can hold a stop sequence that the last token completed.
bool ends_in_stop(const std::string& text, std::size_t new_from, const std::vector<std::string>& stops) {
  for (const auto& stop : stops) {
    std::size_t from = new_from >= stop.size() ? new_from - stop.size() + 1 : 0;
    if (text.find(stop, from) != std::string::npos) return true;
  }
  return false;
}

// Never zero: without a token delay a whole answer takes less than the clock's tick.
double ms_between(std::chrono::steady_clock::time_point from, std::chrono::steady_clock::time_point to) {
  return std::max(std::chrono::duration<double, std::milli>(to - from).count(), 1e-3);
}

}  // namespace

Generation::Generation(Worker& w, const InferenceRequest& job)
    : w_(w),
      sampler_(w.model.vocabulary, job.prompt, job.seed, job.temperature),
      max_tokens_(job.max_tokens),
      delay_(w.opts.token_delay_ms),
      stop_(job.stop) {}

asio::awaitable<bool> Generation::next() {
  if (end_ != End::running) co_return false;
  if (count_ == max_tokens_) {
    end_ = End::length;
    co_return false;
  }
  if (count_ > 0 && delay_.count() > 0) {
    const bool waited = co_await wait_until(Clock::now() + delay_, w_.shutdown);
    if (!waited) {
      end_ = End::shutdown;
      co_return false;
    }
  }
  if (!token_) first_token_ = Clock::now();
  token_ = &sampler_.next();
  if (!stop_.empty()) {
    std::size_t new_from = text_.size();
    text_ += *token_;
    if (ends_in_stop(text_, new_from, stop_)) {
      end_ = End::stop_sequence;
      co_return false;
    }
  }
  ++count_;
  co_return true;
}

double Generation::prompt_ms() const {
  return ms_between(started_, token_ ? first_token_ : Clock::now());
}

double Generation::decode_ms() const {
  return ms_between(token_ ? first_token_ : started_, Clock::now());
}

}  // namespace reference_worker
