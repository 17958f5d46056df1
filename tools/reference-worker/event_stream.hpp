// Writing server-sent events, and the waits between them that end early on shutdown.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include "hivetest/http/message.hpp"
#include "hivetest/util/event.hpp"

namespace reference_worker {

// One `data: <json>` event; false once the client has gone.
asio::awaitable<bool> send_event(hivetest::http::BodyWriter& out, std::string_view json);
// Several events, one after the other; false once the client has gone.
asio::awaitable<bool> send_events(hivetest::http::BodyWriter& out, std::vector<std::string> events);
// The `data: [DONE]` that ends the streams of most dialects.
asio::awaitable<bool> send_done(hivetest::http::BodyWriter& out);

// Waits until `at` or until `shutdown` is set; false when shutting down.
asio::awaitable<bool> wait_until(std::chrono::steady_clock::time_point at, hivetest::Event& shutdown);

}  // namespace reference_worker
