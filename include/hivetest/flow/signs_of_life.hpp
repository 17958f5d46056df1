// Signs of life while a worker loads: how long the wait is, what the worker last said, how far its loading is.
#pragma once

#include <asio/awaitable.hpp>

namespace hivetest::flow {

struct Session;

// Once a second, the wait so far, the worker's last answer and its loading progress (read
// from the profile's progress stream) go to the observer. Runs beside the wait for ready
// and ends only when cancelled.
asio::awaitable<void> signs_of_life(Session& s);

}  // namespace hivetest::flow
