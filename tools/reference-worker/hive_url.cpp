// The hive's base URL from --hive-url, split into what a connection needs.
#include "hive_url.hpp"

#include <charconv>

#include <fmt/format.h>

namespace reference_worker {

std::string HiveUrl::url_of(std::string_view path) const {
  bool ipv6 = host.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}{}{}", ipv6 ? "[" : "", host, ipv6 ? "]" : "", port, base_path, path);
}

std::optional<HiveUrl> parse_hive_url(std::string_view url, std::string& error) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) {
    error = fmt::format("--hive-url must start with http:// (got \"{}\")", url);
    return std::nullopt;
  }
  std::string_view rest = url.substr(scheme.size());
  if (rest.find_first_of("?#@ ") != std::string_view::npos) {
    error = fmt::format("--hive-url must be http://host[:port][/path] without user, query or fragment (got \"{}\")", url);
    return std::nullopt;
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);

  HiveUrl h;
  std::string_view port_text;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      error = fmt::format("--hive-url has an unclosed [ in \"{}\"", url);
      return std::nullopt;
    }
    h.host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) {
      error = fmt::format("--hive-url has junk after the IPv6 address in \"{}\"", url);
      return std::nullopt;
    }
    if (!after.empty()) port_text = after.substr(1);
  } else {
    auto colon = authority.find(':');
    h.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (h.host.empty()) {
    error = fmt::format("--hive-url has no host in \"{}\"", url);
    return std::nullopt;
  }
  if (!port_text.empty() || authority.ends_with(':')) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      error = fmt::format("--hive-url has a bad port in \"{}\"", url);
      return std::nullopt;
    }
    h.port = uint16_t(port);
  }
  h.base_path = path;
  return h;
}

}  // namespace reference_worker
