// Live output that never stalls the event loop: a bounded queue drained by an asynchronous writer; lines that do not fit are dropped and counted.
#include "hivetest/cli/live_output.hpp"

#include <algorithm>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

namespace hivetest::cli {

LiveOutput::LiveOutput(asio::any_io_executor ex, int fd, std::size_t capacity)
    : fd_(fd), capacity_(capacity), more_(ex) {
  struct stat st {};
  bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (!regular) {
    // A descriptor of our own, non-blocking, so that a reader that stops reading stalls
    // only this writer, never the loop.
    int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (own >= 0) {
      ::fcntl(own, F_SETFL, ::fcntl(own, F_GETFL) | O_NONBLOCK);
      stream_ = std::make_unique<asio::posix::stream_descriptor>(ex, own);
      asio::co_spawn(ex, drain(), asio::detached);
    }
  }
  cookie_io_functions_t io{};
  io.write = &LiveOutput::cookie_write;
  file_ = ::fopencookie(this, "w", io);
  std::setvbuf(file_, nullptr, _IOLBF, 4096);
}

LiveOutput::~LiveOutput() {
  if (file_) std::fclose(file_);
}

ssize_t LiveOutput::cookie_write(void* self, const char* data, std::size_t n) {
  static_cast<LiveOutput*>(self)->put(std::string_view(data, n));
  return static_cast<ssize_t>(n);
}

void LiveOutput::put(std::string_view bytes) {
  if (!stream_) {  // a regular file: straight through
    while (!bytes.empty()) {
      auto n = ::write(fd_, bytes.data(), bytes.size());
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return;
  }
  if (queued_bytes_ + bytes.size() > capacity_) {
    auto lines = static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), '\n'));
    dropped_lines_ += std::max<std::size_t>(lines, 1);
    unreported_drops_ += std::max<std::size_t>(lines, 1);
    return;
  }
  if (unreported_drops_ > 0) {
    std::string notice = fmt::format("… {} line(s) dropped: the output was not read as fast as it came\n", unreported_drops_);
    queued_bytes_ += notice.size();
    queue_.push_back(std::move(notice));
    unreported_drops_ = 0;
  }
  queued_bytes_ += bytes.size();
  queue_.emplace_back(bytes);
  more_.notify();
}

void LiveOutput::close() {
  if (file_) std::fflush(file_);
  closed_ = true;
  more_.notify();
}

asio::awaitable<void> LiveOutput::drain() {
  for (;;) {
    while (queue_.empty()) {
      if (closed_) co_return;
      co_await more_.wait();
    }
    std::string chunk = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= chunk.size();
    std::error_code ec;
    co_await asio::async_write(*stream_, asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {  // the reader has gone: nothing more can be shown
      queue_.clear();
      queued_bytes_ = 0;
      co_return;
    }
  }
}

}  // namespace hivetest::cli
