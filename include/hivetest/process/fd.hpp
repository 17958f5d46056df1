// A file descriptor owned until it is handed on or closed: keeps failure paths short.
#pragma once

#include <utility>

#include <fcntl.h>
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

// If our own 0, 1 or 2 were closed, a new descriptor could land there and be clobbered
// by a child's dup2 onto stdio; moving it up keeps that from ever mattering.
inline Fd above_stdio(int fd) {
  if (fd < 0 || fd > 2) return Fd(fd);
  const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  return Fd(moved);
}

// A pipe, both ends close-on-exec and above stdio; false (errno set) when it cannot be made.
inline bool make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end = above_stdio(fds[0]);
  write_end = above_stdio(fds[1]);
  return read_end && write_end;
}

// How far to go through descriptors one by one where close_range is missing: the
// open-files limit, bounded.
inline int fd_scan_limit() {
  const long open_max = ::sysconf(_SC_OPEN_MAX);
  return open_max > 0 && open_max < 65536 ? static_cast<int>(open_max) : 65536;
}

}  // namespace hivetest::process
