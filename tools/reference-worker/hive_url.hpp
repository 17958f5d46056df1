// The hive's base URL from --hive-url, split into what a connection needs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace reference_worker {

struct HiveUrl {
  std::string host;       // without brackets for an IPv6 literal
  uint16_t port = 80;
  std::string base_path;  // "" or a prefix without trailing slash, e.g. "/hive"

  // The full URL of a path on the hive, for log lines.
  std::string url_of(std::string_view path) const;
};

// Accepts http://host[:port][/prefix]; https is refused since the client speaks plain HTTP.
std::optional<HiveUrl> parse_hive_url(std::string_view url, std::string& error);

}  // namespace reference_worker
