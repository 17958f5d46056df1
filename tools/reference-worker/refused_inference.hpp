// The faults that answer an inference request before its route does: inference-503, and ready-too-early's first request.
#pragma once

#include <optional>

#include "dialect_routes.hpp"

namespace reference_worker {

// The answer that takes the place of the route's, in the dialect's error shape, or nullopt.
std::optional<hivetest::http::Response> refuse_inference(Worker& w, const DialectRoutes& d,
                                                         const hivetest::http::Request& req);

}  // namespace reference_worker
