// A file descriptor owned until it is handed on or closed: keeps failure paths short.
#pragma once

#include <utility>

#include <unistd.h>

namespace hivetest::process {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    reset(std::exchange(o.fd_, -1));
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// How far to go through descriptors one by one where close_range is missing: the
// open-files limit, bounded.
inline int fd_scan_limit() {
  const long open_max = ::sysconf(_SC_OPEN_MAX);
  return open_max > 0 && open_max < 65536 ? static_cast<int>(open_max) : 65536;
}

}  // namespace hivetest::process
