// Applying a profile's field rules to a JSON answer or event.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "hivetest/profile/profile.hpp"

namespace hivetest::profile {

// The value at a path, or nullopt.
std::optional<simdjson::dom::element> at_path(simdjson::dom::element root, const JsonPath& path);
// The value at a path as text: a string as it is, anything else as JSON; "" when absent.
std::string text_at(simdjson::dom::element root, const JsonPath& path);
// The same without a copy: a view of the string in the document, or of `scratch` holding
// any other value as JSON. Valid while both live.
std::string_view text_at(simdjson::dom::element root, const JsonPath& path, std::string& scratch);

bool matches(simdjson::dom::element root, const FieldRule& rule);
bool matches_all(simdjson::dom::element root, const std::vector<FieldRule>& rules);
// The status matches `rule` (a status, a class such as 4xx, or any).
bool status_matches(int status, int rule);
std::string describe_status(int rule);

}  // namespace hivetest::profile
