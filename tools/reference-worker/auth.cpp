// The bearer token that guards /v1/* unless the worker runs in local mode.
#include "auth.hpp"

namespace reference_worker {

namespace {

// Compares without stopping at the first difference, so the answer time does not tell
// how much of a guessed token was right.
bool same_bytes(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

bool needs_token(std::string_view path) { return path == "/v1" || path.starts_with("/v1/"); }

bool has_bearer_token(const hivetest::http::Request& req, std::string_view token) {
  auto value = req.header("Authorization");
  if (!value) return false;
  std::string_view v = *value;
  constexpr std::string_view scheme = "bearer ";
  if (v.size() < scheme.size() || !hivetest::http::iequals(v.substr(0, scheme.size()), scheme)) return false;
  v.remove_prefix(scheme.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return same_bytes(v, token);
}

}  // namespace reference_worker
