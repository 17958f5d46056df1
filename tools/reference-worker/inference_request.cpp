// The body of POST /v1/inference, validated.
#include "inference_request.hpp"

#include <simdjson.h>

namespace reference_worker {

namespace {

constexpr int max_tokens_limit = 2048;
constexpr std::size_t job_id_limit = 128;
constexpr std::size_t stop_count_limit = 8;
constexpr std::size_t stop_length_limit = 256;

InferenceParse failure(std::string why) {
  InferenceParse p;
  p.error = std::move(why);
  return p;
}

bool is_job_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == ':' || c == '-';
}

std::optional<std::string> read_stop_string(simdjson::dom::element e) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS || s.empty() || s.size() > stop_length_limit) return std::nullopt;
  return std::string(s);
}

}  // namespace

InferenceParse parse_inference_request(std::string_view body) {
  if (body.empty()) return failure("request body is empty; expected a JSON object");
  // Reused across requests so its buffers are allocated once; requests are parsed one at
  // a time on the single thread.
  static simdjson::dom::parser parser;
  const simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS)
    return failure(std::string("request body is not valid JSON: ") + simdjson::error_message(err));
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) return failure("request body must be a JSON object");

  InferenceRequest req;
  simdjson::dom::element field;

  if (obj.at_key("job_id").get(field) == simdjson::SUCCESS) {
    std::string_view id;
    bool ok = field.get_string().get(id) == simdjson::SUCCESS && !id.empty() && id.size() <= job_id_limit;
    for (char c : id) ok = ok && is_job_id_char(c);
    if (!ok) return failure("job_id must be a string of 1 to 128 characters from A-Z a-z 0-9 . _ : -");
    req.job_id = id;
  }

  std::string_view prompt;
  if (obj.at_key("prompt").get(field) != simdjson::SUCCESS) return failure("prompt is missing");
  if (field.get_string().get(prompt) != simdjson::SUCCESS || prompt.empty())
    return failure("prompt must be a non-empty string");
  req.prompt = prompt;

  if (obj.at_key("max_tokens").get(field) == simdjson::SUCCESS) {
    int64_t n = 0;
    if (!field.is_int64() || field.get_int64().get(n) != simdjson::SUCCESS || n < 1 || n > max_tokens_limit)
      return failure("max_tokens must be an integer from 1 to 2048");
    req.max_tokens = int(n);
  }

  if (obj.at_key("temperature").get(field) == simdjson::SUCCESS) {
    double t = 0;
    if (!field.is_number() || field.get_double().get(t) != simdjson::SUCCESS || !(t >= 0.0 && t <= 2.0))
      return failure("temperature must be a number from 0 to 2");
    req.temperature = t;
  }

  if (obj.at_key("seed").get(field) == simdjson::SUCCESS && !field.is_null()) {
    if (field.is_int64()) {
      int64_t s = field.get_int64().value_unsafe();
      if (s < 0) return failure("seed must be a non-negative integer");
      req.seed = uint64_t(s);
    } else if (field.is_uint64()) {
      req.seed = field.get_uint64().value_unsafe();
    } else {
      return failure("seed must be a non-negative integer");
    }
  }

  if (obj.at_key("stop").get(field) == simdjson::SUCCESS && !field.is_null()) {
    constexpr const char* stop_rule = "stop must be a string or an array of up to 8 strings of 1 to 256 bytes";
    if (field.is_string()) {
      auto s = read_stop_string(field);
      if (!s) return failure(stop_rule);
      req.stop.push_back(std::move(*s));
    } else if (simdjson::dom::array list; field.get_array().get(list) == simdjson::SUCCESS) {
      if (list.size() > stop_count_limit) return failure(stop_rule);
      for (auto item : list) {
        auto s = read_stop_string(item);
        if (!s) return failure(stop_rule);
        req.stop.push_back(std::move(*s));
      }
    } else {
      return failure(stop_rule);
    }
  }

  InferenceParse p;
  p.request = std::move(req);
  return p;
}

}  // namespace reference_worker
