// The faults that answer an inference request before its route does: inference-503, ready-too-early, garbage-while-loading.
#pragma once

#include <optional>

#include "dialect_routes.hpp"

namespace reference_worker {

// The answer that takes the place of the route's, in the dialect's error shape, or nullopt.
std::optional<hivetest::http::Response> refuse_inference(Worker& w, const DialectRoutes& d,
                                                         const hivetest::http::Request& req);

// garbage-while-loading: while the model loads, an inference request gets 200 and bytes
// that are no event stream, before the dialect's gate could answer 503; else nullopt.
std::optional<hivetest::http::Response> garbage_while_loading(Worker& w, const hivetest::http::Request& req);

}  // namespace reference_worker
