// Random ids for answers: rbee's job-<uuid>, OpenAI's chatcmpl-<hex>.
#include "ids.hpp"

#include <random>

#include <fmt/format.h>

namespace reference_worker {

namespace {

// Seeded once from the system; ids need to be unique, not secret. One thread uses it.
std::mt19937_64& engine() {
  static std::mt19937_64 e{std::random_device{}()};
  return e;
}

}  // namespace

std::string uuid_v4() {
  uint64_t hi = engine()();
  uint64_t lo = engine()();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;                          // version 4
  lo = (lo & ~(0xcULL << 60)) | (0x8ULL << 60);                // variant 10xx
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                     lo & 0xffffffffffffULL);
}

std::string random_hex(std::size_t digits) {
  std::string out;
  while (out.size() < digits) out += fmt::format("{:016x}", engine()());
  out.resize(digits);
  return out;
}

}  // namespace reference_worker
