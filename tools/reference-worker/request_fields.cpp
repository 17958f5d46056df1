// What every dialect's request body is read with: the JSON object, the prompt and the sampling options.
#include "request_fields.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "inference_request.hpp"

namespace reference_worker {

namespace {

constexpr std::size_t stop_count_limit = 8;
constexpr std::size_t stop_length_limit = 256;

std::optional<std::string> read_stop_string(simdjson::dom::element e) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS || s.empty() || s.size() > stop_length_limit) return std::nullopt;
  return std::string(s);
}

// The field, when present and not null.
bool present(simdjson::dom::object obj, std::string_view key, simdjson::dom::element& field) {
  return obj.at_key(key).get(field) == simdjson::SUCCESS && !field.is_null();
}

FieldError read_stop_list(simdjson::dom::element field, std::vector<std::string>& out) {
  const FieldError refused{"stop", "stop must be a string or an array of up to 8 strings of 1 to 256 bytes"};
  if (field.is_string()) {
    auto s = read_stop_string(field);
    if (!s) return refused;
    out.push_back(std::move(*s));
  } else if (simdjson::dom::array list; field.get_array().get(list) == simdjson::SUCCESS) {
    if (list.size() > stop_count_limit) return refused;
    for (auto item : list) {
      auto s = read_stop_string(item);
      if (!s) return refused;
      out.push_back(std::move(*s));
    }
  } else {
    return refused;
  }
  return {};
}

// A stop list that is not right is none at all.
FieldError read_stop(simdjson::dom::object obj, std::vector<std::string>& out) {
  simdjson::dom::element field;
  if (!present(obj, "stop", field)) return {};
  auto e = read_stop_list(field, out);
  if (e) out.clear();
  return e;
}

FieldError read_temperature(simdjson::dom::object obj, double& out) {
  simdjson::dom::element field;
  if (obj.at_key("temperature").get(field) != simdjson::SUCCESS) return {};
  double t = 0;
  if (!field.is_number() || field.get_double().get(t) != simdjson::SUCCESS)
    return {"temperature", "temperature must be a number from 0 to 2"};
  out = std::clamp(t, 0.0, 2.0);
  if (t != out) return {"temperature", "temperature must be a number from 0 to 2"};
  return {};
}

FieldError read_seed(simdjson::dom::object obj, uint64_t& out) {
  simdjson::dom::element field;
  if (!present(obj, "seed", field)) return {};
  if (field.is_int64() && field.get_int64().value_unsafe() >= 0)
    out = uint64_t(field.get_int64().value_unsafe());
  else if (field.is_uint64())
    out = field.get_uint64().value_unsafe();
  else
    return {"seed", "seed must be a non-negative integer"};
  return {};
}

}  // namespace

FieldError parse_body(std::string_view body, simdjson::dom::object& out) {
  if (body.empty()) return {"", "request body is empty; expected a JSON object"};
  // Reused across requests so its buffers are allocated once; requests are parsed one at
  // a time on the single thread.
  static simdjson::dom::parser parser;
  const simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS)
    return {"", std::string("request body is not valid JSON: ") + simdjson::error_message(err)};
  if (root.get_object().get(out) != simdjson::SUCCESS) return {"", "request body must be a JSON object"};
  return {};
}

FieldError read_prompt(simdjson::dom::object obj, std::string_view key, std::string& out) {
  simdjson::dom::element field;
  std::string_view prompt;
  if (obj.at_key(key).get(field) != simdjson::SUCCESS) return {std::string(key), fmt::format("{} is missing", key)};
  if (field.get_string().get(prompt) != simdjson::SUCCESS || prompt.empty())
    return {std::string(key), fmt::format("{} must be a non-empty string", key)};
  out = prompt;
  return {};
}

FieldError read_token_limit(simdjson::dom::object obj, std::string_view key, int& out) {
  simdjson::dom::element field;
  if (obj.at_key(key).get(field) != simdjson::SUCCESS) return {};
  const FieldError refused{std::string(key), fmt::format("{} must be an integer from 1 to {}", key, max_token_limit)};
  int64_t n = 0;
  if (field.is_uint64() && !field.is_int64()) {
    out = max_token_limit;  // beyond int64_t
    return refused;
  }
  if (!field.is_int64() || field.get_int64().get(n) != simdjson::SUCCESS) return refused;
  out = int(std::clamp<int64_t>(n, 1, max_token_limit));
  if (n != out) return refused;
  return {};
}

FieldError read_sampling(simdjson::dom::object obj, InferenceRequest& out) {
  FieldError temperature = read_temperature(obj, out.temperature);
  FieldError seed = read_seed(obj, out.seed);
  FieldError stop = read_stop(obj, out.stop);
  return temperature ? temperature : seed ? seed : stop;
}

FieldError read_bool(simdjson::dom::object obj, std::string_view key, bool& out) {
  simdjson::dom::element field;
  if (!present(obj, key, field)) return {};
  if (field.get_bool().get(out) != simdjson::SUCCESS) return {std::string(key), fmt::format("{} must be true or false", key)};
  return {};
}

}  // namespace reference_worker
