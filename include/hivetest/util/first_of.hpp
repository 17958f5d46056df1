// The first of two awaitables to finish, by success or by exception; the other is cancelled and awaited.
#pragma once

#include <exception>
#include <utility>
#include <variant>

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/experimental/parallel_group.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

namespace hivetest {

// What an awaitable gives, with void as std::monostate so that both sides have a value.
template <typename T>
struct awaited {
  using type = T;
};
template <>
struct awaited<void> {
  using type = std::monostate;
};

namespace first_of_detail {

template <typename T>
asio::awaitable<T> as_value(asio::awaitable<T> a) {
  co_return co_await std::move(a);
}

inline asio::awaitable<std::monostate> as_value(asio::awaitable<void> a) {
  co_await std::move(a);
  co_return std::monostate{};
}

}  // namespace first_of_detail

// Asio 1.22's `a || b` completes on the first *success*: a side that throws leaves the
// other running (a step that throws would wait for Ctrl-C). This completes on the first to
// finish either way: its value, or its exception rethrown once the other is cancelled.
// index() 0 is a, 1 is b.
template <typename A, typename B>
asio::awaitable<std::variant<typename awaited<A>::type, typename awaited<B>::type>> first_of(asio::awaitable<A> a,
                                                                                            asio::awaitable<B> b) {
  using Result = std::variant<typename awaited<A>::type, typename awaited<B>::type>;
  auto ex = co_await asio::this_coro::executor;
  // Named, not braced, and taken apart with std::get: g++ 12 miscompiles braced
  // temporaries and structured bindings around co_await.
  auto spawned_a = asio::co_spawn(ex, first_of_detail::as_value(std::move(a)), asio::experimental::deferred);
  auto spawned_b = asio::co_spawn(ex, first_of_detail::as_value(std::move(b)), asio::experimental::deferred);
  auto done = co_await asio::experimental::make_parallel_group(std::move(spawned_a), std::move(spawned_b))
                  .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
  const auto& order = std::get<0>(done);
  if (order[0] == 0) {
    if (std::get<1>(done)) std::rethrow_exception(std::get<1>(done));
    co_return Result(std::in_place_index<0>, std::move(std::get<2>(done)));
  }
  if (std::get<3>(done)) std::rethrow_exception(std::get<3>(done));
  co_return Result(std::in_place_index<1>, std::move(std::get<4>(done)));
}

}  // namespace hivetest
