// The body of rbee's inference requests (POST /v1/inference, POST /v1/jobs), validated.
#include "inference_request.hpp"

#include "request_fields.hpp"

namespace reference_worker {

namespace {

constexpr std::size_t job_id_limit = 128;

bool is_job_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == ':' || c == '-';
}

InferenceParse refused(const FieldError& e) { return InferenceParse::refuse(e.field, e.error); }

FieldError read_job_id(simdjson::dom::object obj, std::string& out) {
  simdjson::dom::element field;
  if (obj.at_key("job_id").get(field) != simdjson::SUCCESS) return {};
  std::string_view id;
  bool ok = field.get_string().get(id) == simdjson::SUCCESS && !id.empty() && id.size() <= job_id_limit;
  for (char c : id) ok = ok && is_job_id_char(c);
  if (!ok) return {"job_id", "job_id must be a string of 1 to 128 characters from A-Z a-z 0-9 . _ : -"};
  out = id;
  return {};
}

FieldError read_operation(simdjson::dom::object obj) {
  simdjson::dom::element field;
  std::string_view operation;
  if (obj.at_key("operation").get(field) != simdjson::SUCCESS) return {"operation", "operation is missing"};
  if (field.get_string().get(operation) != simdjson::SUCCESS || operation != "infer")
    return {"operation", "operation must be \"infer\""};
  return {};
}

InferenceParse parse(std::string_view body, bool job_request) {
  simdjson::dom::object obj;
  if (auto e = parse_body(body, obj)) return refused(e);
  InferenceRequest req;
  if (job_request) {
    if (auto e = read_operation(obj)) return refused(e);
  } else if (auto e = read_job_id(obj, req.job_id)) {
    return refused(e);
  }
  if (auto e = read_prompt(obj, "prompt", req.prompt)) return refused(e);
  if (auto e = read_token_limit(obj, "max_tokens", req.max_tokens)) return refused(e);
  if (auto e = read_sampling(obj, req)) return refused(e);
  InferenceParse p;
  p.request = std::move(req);
  return p;
}

}  // namespace

InferenceParse parse_inference_request(std::string_view body) { return parse(body, false); }

InferenceParse parse_job_request(std::string_view body) { return parse(body, true); }

}  // namespace reference_worker
