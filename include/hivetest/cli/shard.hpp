// --shard K/N: a stable share of a matrix's workers, so that N CI jobs test one fleet between them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "hivetest/flow/isolation.hpp"

namespace hivetest::cli {

struct Shard {
  std::size_t k = 1;  // 1-based
  std::size_t n = 1;
};

// "K/N" with 1 <= K <= N <= 1024, or nullopt with `error` set.
std::optional<Shard> parse_shard(const std::string& text, std::string& error);
// The workers at positions K-1, K-1+N, K-1+2N, …: every worker in exactly one share, and the
// same share for the same file on every machine.
std::vector<flow::Config> take_shard(std::vector<flow::Config> workers, Shard shard);

}  // namespace hivetest::cli
