// What every dialect's request body is read with: the JSON object, the prompt and the sampling options.
#pragma once

#include <string>
#include <string_view>

#include <simdjson.h>

#include "parsed.hpp"

namespace reference_worker {

struct InferenceRequest;

// The reason a field was refused; empty `error` when it was fine.
struct FieldError {
  std::string field;
  std::string error;
  explicit operator bool() const { return !error.empty(); }
};

// How a body's field errors are taken: a strict read refuses the body for the first; a
// lenient one (the accept-invalid fault) serves it all the same, with what each reader fell
// back to (a default, or the value held to its range), and keeps the first as a note.
// The readers below read on after an error either way, so both report the same first one.
class FieldCheck {
 public:
  explicit FieldCheck(bool lenient) : lenient_(lenient) {}
  void operator()(FieldError e) {
    if (e && !first_) first_ = std::move(e);
  }
  bool failed() const { return bool(first_); }
  template <typename T>
  Parsed<T> result(T request) const {
    if (first_ && !lenient_) return Parsed<T>::refuse(first_.field, first_.error);
    Parsed<T> p;
    p.request = std::move(request);
    p.error = first_.error;
    p.field = first_.field;
    return p;
  }

 private:
  bool lenient_;
  FieldError first_;
};

// The body as a JSON object. The object lives in a parser shared by all requests: it is
// valid until the next call, which is fine on this single thread as long as it is read
// without waiting in between.
FieldError parse_body(std::string_view body, simdjson::dom::object& out);

// On an error each reader leaves `out` as a lenient read can serve it: as it was when the
// field has the wrong type, held to its range when a number is out of it.
// `key`: a non-empty string, required.
FieldError read_prompt(simdjson::dom::object obj, std::string_view key, std::string& out);
// `key`, if present: an integer from 1 to max_token_limit; left alone when absent.
FieldError read_token_limit(simdjson::dom::object obj, std::string_view key, int& out);
// temperature (number 0..2), seed (unsigned integer) and stop (a string or an array of up
// to 8 strings, each 1..256 bytes, or none when it is not), each if present and not null.
FieldError read_sampling(simdjson::dom::object obj, InferenceRequest& out);
// `key`, if present and not null: true or false.
FieldError read_bool(simdjson::dom::object obj, std::string_view key, bool& out);

inline constexpr int max_token_limit = 2048;

}  // namespace reference_worker
