// The bytes the GGUF reader reads: from memory, or from a file through a window so that the tensor data is never read.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace hivetest::gguf {

// Bytes from memory, or from a file through a window buffer so that only the header and
// metadata are ever read, however large the tensor data behind them.
class ByteInput {
 public:
  explicit ByteInput(std::string_view bytes) : window_(bytes), size_(bytes.size()) {}
  // `fd` stays the caller's to close; `size` is the file's, measured before reading.
  ByteInput(int fd, uint64_t size) : fd_(fd), size_(size), buffer_(64 * 1024) {}

  uint64_t offset() const { return pos_; }
  uint64_t size() const { return size_; }
  uint64_t remaining() const { return size_ - pos_; }
  // The errno of a failed read of the file, 0 when none failed.
  int io_error() const { return io_error_; }

  // False when fewer than n bytes are left or the file could not be read.
  bool read(void* dst, uint64_t n);
  bool skip(uint64_t n);

 private:
  bool refill();

  int fd_ = -1;
  std::string_view window_;
  uint64_t window_start_ = 0;
  uint64_t size_ = 0;
  uint64_t pos_ = 0;
  std::vector<char> buffer_;
  int io_error_ = 0;
};

}  // namespace hivetest::gguf
