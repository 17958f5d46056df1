// The bytes the GGUF reader reads: from memory, or from a file through a window so that the tensor data is never read.
#include "hivetest/gguf/byte_input.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hivetest::gguf {

bool ByteInput::read(void* dst, uint64_t n) {
  if (n > remaining()) return false;
  auto* out = static_cast<char*>(dst);
  while (n > 0) {
    if (pos_ < window_start_ || pos_ - window_start_ >= window_.size()) {
      if (!refill()) return false;
    }
    uint64_t at = pos_ - window_start_;
    uint64_t take = std::min<uint64_t>(n, window_.size() - at);
    std::memcpy(out, window_.data() + at, take);
    out += take;
    pos_ += take;
    n -= take;
  }
  return true;
}

bool ByteInput::skip(uint64_t n) {
  if (n > remaining()) return false;
  pos_ += n;
  return true;
}

bool ByteInput::refill() {
  if (fd_ < 0) return false;
  size_t want = static_cast<size_t>(std::min<uint64_t>(buffer_.size(), remaining()));
  ssize_t got;
  do {
    got = ::pread(fd_, buffer_.data(), want, static_cast<off_t>(pos_));
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {
    // 0 means the file shrank since it was measured: that reads as truncation.
    if (got < 0) io_error_ = errno;
    return false;
  }
  window_ = std::string_view(buffer_.data(), static_cast<size_t>(got));
  window_start_ = pos_;
  return true;
}

}  // namespace hivetest::gguf
