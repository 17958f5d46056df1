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

InferenceParse parse(std::string_view body, bool job_request, bool lenient) {
  FieldCheck check(lenient);
  InferenceRequest req;
  simdjson::dom::object obj;
  check(parse_body(body, obj));
  if (check.failed()) return check.result(std::move(req));  // nothing to read fields from
  check(job_request ? read_operation(obj) : read_job_id(obj, req.job_id));
  check(read_prompt(obj, "prompt", req.prompt));
  check(read_token_limit(obj, "max_tokens", req.max_tokens));
  check(read_sampling(obj, req));
  return check.result(std::move(req));
}

}  // namespace

InferenceParse parse_inference_request(std::string_view body, bool lenient) { return parse(body, false, lenient); }

InferenceParse parse_job_request(std::string_view body, bool lenient) { return parse(body, true, lenient); }

}  // namespace reference_worker
