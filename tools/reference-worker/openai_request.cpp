// The bodies of the OpenAI routes and of llama-server's /completion, validated.
#include "openai_request.hpp"

#include <fmt/format.h>

#include "model.hpp"
#include "request_fields.hpp"

namespace reference_worker {

namespace {

// A message's content: a string, null (an assistant message that only called tools), or
// an array of text parts.
FieldError append_content(simdjson::dom::element content, std::string& out) {
  const FieldError refused{"messages", "a message's content must be a string or an array of text parts"};
  std::string_view text;
  if (content.is_null()) return {};
  if (content.get_string().get(text) == simdjson::SUCCESS) {
    out += text;
    return {};
  }
  simdjson::dom::array parts;
  if (content.get_array().get(parts) != simdjson::SUCCESS) return refused;
  for (auto part : parts) {
    std::string_view type;
    if (part["type"].get_string().get(type) != simdjson::SUCCESS || type != "text" ||
        part["text"].get_string().get(text) != simdjson::SUCCESS)
      return {"messages", "only text parts ({\"type\":\"text\",\"text\":\"…\"}) are supported in a message's content"};
    out += text;
  }
  return {};
}

// The conversation as one prompt: a "role: content" line per message.
FieldError read_messages(simdjson::dom::object obj, std::string& out) {
  simdjson::dom::element field;
  if (obj.at_key("messages").get(field) != simdjson::SUCCESS) return {"messages", "messages is missing"};
  simdjson::dom::array messages;
  const FieldError refused{"messages", "messages must be a non-empty array of objects with a role and a content"};
  if (field.get_array().get(messages) != simdjson::SUCCESS || messages.size() == 0) return refused;
  for (auto message : messages) {
    std::string_view role;
    simdjson::dom::element content;
    if (!message.is_object() || message["role"].get_string().get(role) != simdjson::SUCCESS ||
        message["content"].get(content) != simdjson::SUCCESS)
      return refused;
    out += role;
    out += ": ";
    if (auto e = append_content(content, out)) return e;
    out += '\n';
  }
  return {};
}

// llama-server's n_predict, with its -1 for "no limit" held to this worker's cap; like
// llama-server it takes max_tokens when n_predict is absent.
FieldError read_n_predict(simdjson::dom::object obj, int& out) {
  simdjson::dom::element field;
  if (obj.at_key("n_predict").get(field) != simdjson::SUCCESS) return read_token_limit(obj, "max_tokens", out);
  if (field.is_int64() && field.get_int64().value_unsafe() == -1) {
    out = max_token_limit;
    return {};
  }
  if (auto e = read_token_limit(obj, "n_predict", out))
    return {e.field, fmt::format("n_predict must be -1 or an integer from 1 to {}", max_token_limit)};
  return {};
}

FieldError read_model(simdjson::dom::object obj, std::string& out) {
  simdjson::dom::element field;
  if (obj.at_key("model").get(field) != simdjson::SUCCESS || field.is_null()) return {};
  std::string_view model;
  if (field.get_string().get(model) != simdjson::SUCCESS) return {"model", "model must be a string"};
  out = model;
  return {};
}

FieldError read_stream_options(simdjson::dom::object obj, bool& include_usage) {
  simdjson::dom::element field;
  if (obj.at_key("stream_options").get(field) != simdjson::SUCCESS || field.is_null()) return {};
  simdjson::dom::object options;
  if (field.get_object().get(options) != simdjson::SUCCESS)
    return {"stream_options", "stream_options must be an object"};
  if (auto e = read_bool(options, "include_usage", include_usage))
    return {"stream_options", "stream_options.include_usage must be true or false"};
  return {};
}

}  // namespace

OpenAiParse parse_openai_request(std::string_view body, OpenAiRoute route, bool lenient) {
  FieldCheck check(lenient);
  OpenAiRequest req;
  simdjson::dom::object obj;
  check(parse_body(body, obj));
  if (check.failed()) return check.result(std::move(req));  // nothing to read fields from
  InferenceRequest& job = req.inference;
  check(route == OpenAiRoute::chat ? read_messages(obj, job.prompt) : read_prompt(obj, "prompt", job.prompt));
  check(route == OpenAiRoute::llama_completion ? read_n_predict(obj, job.max_tokens)
                                               : read_token_limit(obj, "max_tokens", job.max_tokens));
  check(read_sampling(obj, job));
  check(read_model(obj, req.model));
  check(read_bool(obj, "stream", req.stream));
  check(read_stream_options(obj, req.include_usage));
  req.prompt_tokens = prompt_token_count(job.prompt);
  return check.result(std::move(req));
}

}  // namespace reference_worker
