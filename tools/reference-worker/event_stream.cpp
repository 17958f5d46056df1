// Writing server-sent events, and the waits between them that end early on shutdown.
#include "event_stream.hpp"

#include <string>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

namespace reference_worker {

using namespace asio::experimental::awaitable_operators;

asio::awaitable<bool> send_event(hivetest::http::BodyWriter& out, std::string_view json) {
  std::string event;
  event.reserve(json.size() + 8);
  event += "data: ";
  event += json;
  event += "\n\n";
  co_return co_await out.write(event);
}

asio::awaitable<bool> send_events(hivetest::http::BodyWriter& out, std::vector<std::string> events) {
  for (std::size_t i = 0; i < events.size(); ++i)
    if (!co_await send_event(out, events[i])) co_return false;
  co_return true;
}

asio::awaitable<bool> send_done(hivetest::http::BodyWriter& out) {
  co_return co_await out.write("data: [DONE]\n\n");
}

asio::awaitable<bool> wait_until(std::chrono::steady_clock::time_point at, hivetest::Event& shutdown) {
  if (shutdown.is_set()) co_return false;
  asio::steady_timer timer(co_await asio::this_coro::executor, at);
  co_await (timer.async_wait(asio::use_awaitable) || shutdown.wait());
  co_return !shutdown.is_set();
}

}  // namespace reference_worker
