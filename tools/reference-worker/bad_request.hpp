// What the worker answers to a request body it cannot take, as the faults accept-invalid and server-error-on-bad-request change it.
#pragma once

#include <optional>
#include <string_view>

#include "hivetest/http/message.hpp"
#include "parsed.hpp"
#include "worker.hpp"

namespace reference_worker {

// Whether request bodies are read leniently: accept-invalid serves what it would refuse.
inline bool lenient(const Worker& w) { return w.opts.faults.has(Fault::accept_invalid); }

// nullopt when the request is to be served: it was valid, or accept-invalid let it through
// (logged here). Otherwise its refusal: `dialect_400`, or with server-error-on-bad-request a
// 500 in plain text, "Failed to parse operation: <the reason>", as rbee v3 and llama-server
// b4748 answer.
std::optional<hivetest::http::Response> bad_request(Worker& w, bool parsed, std::string_view reason,
                                                    hivetest::http::Response dialect_400);

template <typename T>
std::optional<hivetest::http::Response> bad_request(Worker& w, const Parsed<T>& p, hivetest::http::Response dialect_400) {
  return bad_request(w, p.request.has_value(), p.error, std::move(dialect_400));
}

}  // namespace reference_worker
