// The requests the flow sends a worker, and the words its messages use for the answers.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "hivetest/http/client.hpp"
#include "hivetest/profile/profile.hpp"

namespace hivetest::flow {

struct Config;

// A worker's bytes for a message: through the one sanitizer (util/text.hpp), cut at a
// character's boundary: a worker can answer anything, at any length.
std::string excerpt(std::string_view s, std::size_t max = 200);
std::string status_and_body(const http::ClientResponse& r);

// Requests with the worker's API key, when one was given.
http::ClientRequest worker_request(const Config& cfg, std::string method, std::string target, std::string body = {});

// A JSON document from a body, or nullopt with `error` set.
std::optional<simdjson::dom::element> parse_json(simdjson::dom::parser& parser, std::string_view body, std::string& error);

bool is_event_stream(const http::ClientResponse& r);

// The answer meets the rule: its status and, when the rule has fields, a JSON body with them.
bool answer_matches(const http::ClientResponse& r, const profile::AnswerRule& rule);

// A measured time, to a tenth of a second: "1.0s".
std::string in_seconds(std::chrono::steady_clock::duration d);
// A time as an option sets it, with no decimal when whole: "30s", "1.5s".
std::string setting_in_seconds(std::chrono::milliseconds d);

}  // namespace hivetest::flow
