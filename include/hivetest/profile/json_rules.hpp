// Applying a profile's field rules to a JSON answer or event.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "hivetest/profile/profile.hpp"

namespace hivetest::profile {

// Paths looked up in one JSON document, one after another: the beginning a path shares
// with the last one ("choices.0" of "choices.0.delta.content" and "choices.0.finish_reason")
// is not walked again. A stream's grammar asks about six paths of every event.
class Lookup {
 public:
  Lookup() = default;
  explicit Lookup(simdjson::dom::element root) { reset(root); }
  // Another document.
  void reset(simdjson::dom::element root) {
    root_ = root;
    walked_ = 0;
    missing_ = false;
  }
  // The value at a path, or nullopt.
  std::optional<simdjson::dom::element> at(const JsonPath& path);

 private:
  static constexpr std::size_t remembered = 8;  // steps of the last path kept; deeper ones are walked
  simdjson::dom::element root_;
  std::array<std::size_t, remembered> prefix_{};  // the last path's steps (JsonPath::Step::prefix)
  std::array<simdjson::dom::element, remembered> value_{};  // and the values they led to
  std::size_t walked_ = 0;  // how many of them led somewhere
  bool missing_ = false;    // the step after those led nowhere
};

// The value at a path as text: a string as it is, anything else as JSON; "" when absent.
std::string text_at(Lookup& in, const JsonPath& path);
// The same without a copy: a view of the string in the document, or of `scratch` holding
// any other value as JSON. Valid while both live.
std::string_view text_at(Lookup& in, const JsonPath& path, std::string& scratch);
bool matches(Lookup& in, const FieldRule& rule);
bool matches_all(Lookup& in, const std::vector<FieldRule>& rules);

// The same for one path or rule set in a document.
std::optional<simdjson::dom::element> at_path(simdjson::dom::element root, const JsonPath& path);
std::string text_at(simdjson::dom::element root, const JsonPath& path);
bool matches_all(simdjson::dom::element root, const std::vector<FieldRule>& rules);
// The status matches `rule` (a status, a class such as 4xx, or any).
bool status_matches(int status, int rule);
std::string describe_status(int rule);

}  // namespace hivetest::profile
