// The bearer token that guards /v1/* unless the worker runs in local mode.
#pragma once

#include <string_view>

#include "hivetest/http/message.hpp"

namespace reference_worker {

bool needs_token(std::string_view path);
// True when the request carries `Authorization: Bearer <token>`.
bool has_bearer_token(const hivetest::http::Request& req, std::string_view token);

}  // namespace reference_worker
