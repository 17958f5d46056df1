// What one dialect's endpoints are: its routes, what it answers before routing, and the shape of its errors.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "hivetest/http/server.hpp"
#include "worker.hpp"

namespace reference_worker {

struct DialectRoutes {
  hivetest::http::Router router;  // its not_found answers unknown paths in the dialect's shape
  // The answer to a request that may not reach its route (401 without the token, 503
  // while loading); nullopt lets it through.
  std::function<std::optional<hivetest::http::Response>(const hivetest::http::Request&)> gate;
  // An error answer in the dialect's shape, for the 405 that the router writes itself.
  std::function<hivetest::http::Response(int status, std::string_view message)> error;
  // What GET /health answers when the worker is not healthy (the unhealthy-after-ready fault).
  hivetest::http::Response unhealthy;
  hivetest::http::Headers headers;  // added to every answer
};

DialectRoutes rbee_routes(Worker& w);    // rbee, rbee-v1, rbee-v2: routes_rbee.cpp
DialectRoutes llama_routes(Worker& w);   // llama-server: routes_llama.cpp
DialectRoutes openai_routes(Worker& w);  // openai: routes_openai.cpp

// Route handlers are plain functions that return a ready answer through this, or a
// stream: they are no coroutines, so no coroutine frame points into a lambda's captures.
asio::awaitable<hivetest::http::Response> answer(hivetest::http::Response r);

}  // namespace reference_worker
