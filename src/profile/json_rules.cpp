// Applying a profile's field rules to JSON, and the words that describe them in messages.
#include "hivetest/profile/json_rules.hpp"

#include <algorithm>
#include <charconv>
#include <unordered_map>

#include <fmt/format.h>

namespace hivetest::profile {

namespace {

// The number of a path's beginning: the same text, the same number, in every path read.
// Profiles are bounded, and so are the beginnings of their paths.
std::size_t prefix_number(std::string_view prefix) {
  static std::unordered_map<std::string, std::size_t> numbers;
  return numbers.try_emplace(std::string(prefix), numbers.size()).first->second;
}

}  // namespace

JsonPath::JsonPath(std::string text) : text_(std::move(text)) {
  std::string_view rest = text_;
  while (!rest.empty()) {
    auto dot = rest.find('.');
    std::string_view part = rest.substr(0, dot);
    rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
    Step step{std::string(part), std::nullopt, prefix_number(std::string_view(text_.data(), part.end() - text_.data()))};
    std::size_t index = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
    if (ec == std::errc{} && end == part.data() + part.size()) step.index = index;
    steps_.push_back(std::move(step));
  }
}

std::optional<simdjson::dom::element> Lookup::at(const JsonPath& path) {
  const auto& steps = path.steps();
  // The beginning that this path shares with the last one is not walked again.
  std::size_t i = 0;
  simdjson::dom::element at = root_;
  while (i < walked_ && i < steps.size() && steps[i].prefix == prefix_[i]) at = value_[i++];
  if (i == steps.size()) return at;
  if (missing_ && i == walked_ && steps[i].prefix == prefix_[i]) return std::nullopt;
  for (; i < steps.size(); ++i) {
    const auto& step = steps[i];
    bool found = false;
    if (at.is_array()) found = step.index && !at.at(*step.index).get(at);
    else if (at.is_object()) found = !at.get_object().value_unsafe().at_key(step.key).get(at);
    if (i < remembered) {
      prefix_[i] = step.prefix;
      value_[i] = at;
      walked_ = found ? i + 1 : i;
      missing_ = !found;
    }
    if (!found) return std::nullopt;
  }
  return at;
}

std::optional<simdjson::dom::element> at_path(simdjson::dom::element root, const JsonPath& path) {
  Lookup in(root);
  return in.at(path);
}

std::string text_at(simdjson::dom::element root, const JsonPath& path) {
  Lookup in(root);
  return text_at(in, path);
}

bool matches_all(simdjson::dom::element root, const std::vector<FieldRule>& rules) {
  Lookup in(root);
  return matches_all(in, rules);
}

std::string_view text_at(Lookup& in, const JsonPath& path, std::string& scratch) {
  auto v = in.at(path);
  if (!v) return {};
  std::string_view s;
  if (!v->get_string().get(s)) return s;
  scratch = simdjson::minify(*v);
  return scratch;
}

std::string text_at(Lookup& in, const JsonPath& path) {
  std::string scratch;
  return std::string(text_at(in, path, scratch));
}

bool matches(Lookup& in, const FieldRule& rule) {
  auto v = in.at(rule.path);
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

bool matches_all(Lookup& in, const std::vector<FieldRule>& rules) {
  for (const auto& r : rules)
    if (!matches(in, r)) return false;
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
