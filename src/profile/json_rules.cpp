// Applying a profile's field rules to JSON, and the words that describe them in messages.
#include "hivetest/profile/json_rules.hpp"

#include <charconv>

#include <fmt/format.h>

namespace hivetest::profile {

std::optional<simdjson::dom::element> at_path(simdjson::dom::element root, std::string_view path) {
  simdjson::dom::element at = root;
  while (!path.empty()) {
    auto dot = path.find('.');
    std::string_view part = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
    if (at.is_array()) {
      std::size_t index = 0;
      auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
      if (ec != std::errc{} || end != part.data() + part.size()) return std::nullopt;
      if (at.at(index).get(at)) return std::nullopt;
    } else if (at.is_object()) {
      if (at.get_object().value_unsafe().at_key(part).get(at)) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  return at;
}

std::string text_at(simdjson::dom::element root, std::string_view path) {
  auto v = at_path(root, path);
  if (!v) return {};
  std::string_view s;
  if (!v->get_string().get(s)) return std::string(s);
  return simdjson::minify(*v);
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
      std::string text = simdjson::minify(*v);
      for (const auto& allowed : rule.values)
        if (text == allowed) return true;
      return false;
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
    case Kind::present: return fmt::format("\"{}\" present", path);
    case Kind::is_string: return fmt::format("\"{}\" a string", path);
    case Kind::non_empty: return fmt::format("\"{}\" not empty", path);
    case Kind::equals: return fmt::format("\"{}\":{}", path, values.empty() ? "" : values.front());
    case Kind::one_of: return fmt::format("\"{}\" one of {}", path, fmt::join(values, ", "));
  }
  return path;
}

std::string AnswerRule::describe() const {
  std::string out = describe_status(status);
  if (fields.empty()) return out;
  std::vector<std::string> parts;
  for (const auto& f : fields) parts.push_back(f.describe());
  return fmt::format("{} {{{}}}", out, fmt::join(parts, ", "));
}

}  // namespace hivetest::profile
