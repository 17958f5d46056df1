// A request body read into a value, or why it was refused.
#pragma once

#include <optional>
#include <string>

namespace reference_worker {

// `error` is for the 400 answer; `field` names the field it is about ("" for the body as
// a whole), for the dialects whose errors name it. With `request` set too (a lenient read,
// the accept-invalid fault), they say what was overlooked.
template <typename T>
struct Parsed {
  std::optional<T> request;
  std::string error;
  std::string field;

  static Parsed refuse(std::string field_name, std::string why) {
    Parsed p;
    p.field = std::move(field_name);
    p.error = std::move(why);
    return p;
  }
};

}  // namespace reference_worker
