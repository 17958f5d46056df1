// Live output that never stalls the event loop: a bounded queue drained by an asynchronous writer; lines that do not fit are dropped and counted.
#pragma once

#include <cstddef>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>

#include <asio/any_io_executor.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include "hivetest/util/event.hpp"

namespace hivetest::cli {

class LiveOutput {
 public:
  // Small: what waits here waits again in the pipe (64 KiB more on Linux) before a slow
  // reader sees it, and the run ends only once it has all been read.
  static constexpr std::size_t default_capacity = 16 * 1024;

  // Writes to `fd` (not owned): asynchronously to a pipe, socket or terminal; directly to a
  // regular file, which never blocks for long.
  LiveOutput(asio::any_io_executor ex, int fd, std::size_t capacity = default_capacity);
  ~LiveOutput();
  LiveOutput(const LiveOutput&) = delete;
  LiveOutput& operator=(const LiveOutput&) = delete;

  // A FILE that writes into the queue, for the reporters' fmt::print.
  std::FILE* file() const { return file_; }
  // The run is over: what comes now (the summary) is never dropped.
  void keep_everything() { capacity_ = static_cast<std::size_t>(-1); }
  // No more output: the writer ends once the queue is drained (io_context::run returns then).
  void close();

  std::size_t dropped_lines() const { return dropped_lines_; }

 private:
  static ssize_t cookie_write(void* self, const char* data, std::size_t n);
  void put(std::string_view bytes);
  asio::awaitable<void> drain();

  std::unique_ptr<asio::posix::stream_descriptor> stream_;  // null for a regular file
  int fd_;
  std::size_t capacity_;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  std::size_t dropped_lines_ = 0, unreported_drops_ = 0;
  bool closed_ = false;
  Pulse more_;
  std::FILE* file_ = nullptr;
};

}  // namespace hivetest::cli
