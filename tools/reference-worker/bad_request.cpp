// What the worker answers to a request body it cannot take, as the faults accept-invalid and server-error-on-bad-request change it.
#include "bad_request.hpp"

#include <string>

namespace reference_worker {

std::optional<hivetest::http::Response> bad_request(Worker& w, bool parsed, std::string_view reason,
                                                    hivetest::http::Response dialect_400) {
  if (parsed) {
    if (!reason.empty()) w.log("fault accept-invalid: serving a request it would refuse with 400: {}", reason);
    return std::nullopt;
  }
  if (!w.opts.faults.has(Fault::server_error_on_bad_request)) return dialect_400;
  w.log("fault server-error-on-bad-request: answering 500 instead of 400: {}", reason);
  return hivetest::http::Response::text(500, "Failed to parse operation: " + std::string(reason));
}

}  // namespace reference_worker
