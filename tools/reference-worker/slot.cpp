// The one generation slot of the ignore-disconnect fault: answers generate one at a time, in the order they came.
#include "slot.hpp"

#include <chrono>
#include <iterator>

#include <asio/experimental/awaitable_operators.hpp>

namespace reference_worker {

using namespace asio::experimental::awaitable_operators;

Slot::Place::Place(Slot& slot) : slot_(slot), it_(slot.line_.insert(slot.line_.end(), this)) {}

Slot::Place::~Place() {
  slot_.line_.erase(it_);
  slot_.changed_.notify();
}

asio::awaitable<bool> Slot::wait_turn(const Place& place, std::string job_id, hivetest::Event& shutdown) {
  if (!one_at_a_time_ || line_.front() == &place) co_return true;
  const auto ahead = std::distance(line_.begin(), place.it_);
  log_("job {}: fault ignore-disconnect: waiting for the one generation slot, {} answer(s) ahead", job_id, ahead);
  const auto since = std::chrono::steady_clock::now();
  while (line_.front() != &place) {
    co_await (changed_.wait() || shutdown.wait());
    if (shutdown.is_set()) co_return false;
  }
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since);
  log_("job {}: fault ignore-disconnect: has the generation slot after waiting {} ms", job_id, waited.count());
  co_return true;
}

}  // namespace reference_worker
