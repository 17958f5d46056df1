// --shard K/N: a stable share of a matrix's workers, so that N CI jobs test one fleet between them.
#include "hivetest/cli/shard.hpp"

#include <charconv>

#include <fmt/format.h>

namespace hivetest::cli {

std::optional<Shard> parse_shard(const std::string& text, std::string& error) {
  Shard s;
  auto slash = text.find('/');
  auto number = [](std::string_view t, std::size_t& out) {
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    return ec == std::errc{} && end == t.data() + t.size() && !t.empty();
  };
  if (slash == std::string::npos || !number(std::string_view(text).substr(0, slash), s.k) ||
      !number(std::string_view(text).substr(slash + 1), s.n) || s.n < 1 || s.n > 1024 || s.k < 1 || s.k > s.n) {
    error = fmt::format("'{}' is not K/N with 1 <= K <= N <= 1024 (e.g. 2/4)", text);
    return std::nullopt;
  }
  return s;
}

std::vector<flow::Config> take_shard(std::vector<flow::Config> workers, Shard shard) {
  std::vector<flow::Config> share;
  for (std::size_t i = shard.k - 1; i < workers.size(); i += shard.n) share.push_back(std::move(workers[i]));
  return share;
}

}  // namespace hivetest::cli
