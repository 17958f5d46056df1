// Tests of first_of: the first of two awaitables to finish wins, whether it returns or throws.
#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "hivetest/util/event.hpp"
#include "hivetest/util/first_of.hpp"
#include "run_test.hpp"

using namespace hivetest;
using namespace std::chrono_literals;

namespace {

asio::awaitable<int> value_after(std::chrono::milliseconds d, int v) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
  co_return v;
}

asio::awaitable<void> throws_at_once() {
  throw std::runtime_error("step broke");
  co_return;
}

}  // namespace

TEST_CASE("first_of gives the side that finishes first, and cancels the other") {
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    Event never(ex);
    auto r = co_await first_of(value_after(1ms, 7), never.wait());
    CHECK(r.index() == 0);
    CHECK(std::get<0>(r) == 7);
    auto r2 = co_await first_of(never.wait(), value_after(1ms, 8));
    CHECK(r2.index() == 1);
  });
}

TEST_CASE("first_of rethrows a side that throws, without waiting for the other") {
  // With Asio 1.22's ||, the throwing side is ignored and this waits for the Event forever.
  run_test([](asio::any_io_executor ex) -> asio::awaitable<void> {
    Event never(ex);
    bool thrown = false;
    try {
      co_await first_of(throws_at_once(), never.wait());
    } catch (const std::runtime_error& e) {
      thrown = std::string(e.what()) == "step broke";
    }
    CHECK(thrown);
  });
}
