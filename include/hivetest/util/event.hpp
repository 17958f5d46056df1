// A one-shot event that coroutines await: set() wakes every waiter, now and later.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/redirect_error.hpp>

namespace hivetest {

// Waiting is a timer that never expires on its own; set() cancels it. Cancelling the
// awaiting coroutine (for example the loser of `||`) cancels only that wait.
class Event {
 public:
  explicit Event(asio::any_io_executor ex) : timer_(ex, asio::steady_timer::time_point::max()) {}

  void set() {
    is_set_ = true;
    timer_.cancel();
  }
  bool is_set() const { return is_set_; }

  // Completes when the event is set, or when the waiting coroutine is cancelled
  // (check is_set() to tell which).
  asio::awaitable<void> wait() {
    if (is_set_) co_return;
    std::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

 private:
  asio::steady_timer timer_;
  bool is_set_ = false;
};

// A pulse: every notify() wakes the current waiters once; used for "something changed,
// look again" (a heartbeat arrived, a line was logged).
class Pulse {
 public:
  explicit Pulse(asio::any_io_executor ex) : timer_(ex, asio::steady_timer::time_point::max()) {}
  void notify() { timer_.cancel(); }
  asio::awaitable<void> wait() {
    std::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

 private:
  asio::steady_timer timer_;
};

}  // namespace hivetest
