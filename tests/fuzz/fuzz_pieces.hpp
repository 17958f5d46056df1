// Splits a fuzz input into pieces of one size, to feed incremental parsers as a network would.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace hivetest::fuzz {

inline std::vector<std::string_view> pieces(std::string_view input, std::size_t piece_size) {
  std::vector<std::string_view> out;
  for (std::size_t at = 0; at < input.size(); at += piece_size) out.push_back(input.substr(at, piece_size));
  return out;
}

}  // namespace hivetest::fuzz
