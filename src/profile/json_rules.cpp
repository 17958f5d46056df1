// Applying a profile's field rules to JSON, and the words that describe them in messages.
#include "hivetest/profile/json_rules.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace hivetest::profile {

JsonPath::JsonPath(std::string text) : text_(std::move(text)) {
  std::string_view rest = text_;
  while (!rest.empty()) {
    auto dot = rest.find('.');
    std::string_view part = rest.substr(0, dot);
    rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
    Step step{std::string(part), std::nullopt};
    std::size_t index = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
    if (ec == std::errc{} && end == part.data() + part.size()) step.index = index;
    steps_.push_back(std::move(step));
  }
}

std::optional<simdjson::dom::element> at_path(simdjson::dom::element root, const JsonPath& path) {
  simdjson::dom::element at = root;
  for (const auto& step : path.steps()) {
    if (at.is_array()) {
      if (!step.index || at.at(*step.index).get(at)) return std::nullopt;
    } else if (at.is_object()) {
      if (at.get_object().value_unsafe().at_key(step.key).get(at)) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  return at;
}

std::string_view text_at(simdjson::dom::element root, const JsonPath& path, std::string& scratch) {
  auto v = at_path(root, path);
  if (!v) return {};
  std::string_view s;
  if (!v->get_string().get(s)) return s;
  scratch = simdjson::minify(*v);
  return scratch;
}

std::string text_at(simdjson::dom::element root, const JsonPath& path) {
  std::string scratch;
  return std::string(text_at(root, path, scratch));
}

bool matches(simdjson::dom::element root, const FieldRule& rule) {
  auto v = at_path(root, rule.path);
  switch (rule.kind) {
    case FieldRule::Kind::present: return v.has_value();
    case FieldRule::Kind::is_string: return v && v->is_string();
    case FieldRule::Kind::non_empty: {
      if (!v) return false;
      std::string_view s;
      if (!v->get_string().get(s)) return !s.empty();
      simdjson::dom::array a;
      if (!v->get_array().get(a)) return a.size() > 0;
      simdjson::dom::object o;
      if (!v->get_object().get(o)) return o.size() > 0;
      return !v->is_null();
    }
    case FieldRule::Kind::equals:
    case FieldRule::Kind::one_of: {
      if (!v) return false;
      std::string_view s;
      if (!v->get_string().get(s))  // the common case, compared as it is: no text made per event
        return std::find(rule.strings.begin(), rule.strings.end(), s) != rule.strings.end();
      std::string text = simdjson::minify(*v);
      return std::find(rule.values.begin(), rule.values.end(), text) != rule.values.end();
    }
  }
  return false;
}

bool matches_all(simdjson::dom::element root, const std::vector<FieldRule>& rules) {
  for (const auto& r : rules)
    if (!matches(root, r)) return false;
  return true;
}

bool status_matches(int status, int rule) {
  if (rule == 0) return true;
  if (rule < 10) return status / 100 == rule;
  return status == rule;
}

std::string describe_status(int rule) {
  if (rule == 0) return "any status";
  if (rule < 10) return fmt::format("{}xx", rule);
  return std::to_string(rule);
}

std::string FieldRule::describe() const {
  switch (kind) {
    case Kind::present: return fmt::format("\"{}\" present", path.text());
    case Kind::is_string: return fmt::format("\"{}\" a string", path.text());
    case Kind::non_empty: return fmt::format("\"{}\" not empty", path.text());
    case Kind::equals: return fmt::format("\"{}\":{}", path.text(), values.empty() ? "" : values.front());
    case Kind::one_of: return fmt::format("\"{}\" one of {}", path.text(), fmt::join(values, ", "));
  }
  return path.text();
}

std::string AnswerRule::describe() const {
  std::string out = describe_status(status);
  if (fields.empty()) return out;
  std::vector<std::string> parts;
  for (const auto& f : fields) parts.push_back(f.describe());
  return fmt::format("{} {{{}}}", out, fmt::join(parts, ", "));
}

}  // namespace hivetest::profile
