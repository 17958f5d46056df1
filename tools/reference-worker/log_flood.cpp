// The log-flood fault: lines written to stdout and stderr as fast as the reader takes them.
#include "log_flood.hpp"

#include <cerrno>
#include <csignal>
#include <string>
#include <thread>

#include <pthread.h>
#include <unistd.h>

#include <fmt/format.h>

namespace reference_worker {

namespace {

// Whole lines in writes of at most PIPE_BUF bytes: a pipe takes those whole, so the flood
// never splits a line of the worker's own log written between two of them.
constexpr std::size_t line_size = 128;
constexpr std::size_t write_size = 4096;

// Until told to stop, or the pipes are gone.
void write_lines(LogFlood::State& state, const Log& log) {
  std::string chunk;
  chunk.reserve(write_size);
  for (uint64_t n = 0; !state.stop; ++n) {
    const int fd = n % 2 == 0 ? STDOUT_FILENO : STDERR_FILENO;
    const uint64_t before = state.bytes.load();
    const std::string stamp = log.stamp();
    chunk.clear();
    while (chunk.size() + line_size <= write_size) {
      std::size_t start = chunk.size();
      fmt::format_to(std::back_inserter(chunk), "{}flood: {} bytes written before this line ", stamp,
                     before + start);
      chunk.resize(start + line_size - 1, 'x');
      chunk += '\n';
    }
    ssize_t written;
    do written = ::write(fd, chunk.data(), chunk.size());
    while (written < 0 && errno == EINTR);
    if (written < 0) return;  // the pipe is gone: nobody is reading any more
    state.bytes += static_cast<uint64_t>(written);
  }
}

void flood(std::shared_ptr<LogFlood::State> state, Log log) {
  write_lines(*state, log);
  std::lock_guard lock(state->mutex);
  state->stopped = true;
  state->changed.notify_all();
}

}  // namespace

std::unique_ptr<LogFlood> LogFlood::start(const Log& log) {
  auto state = std::make_shared<State>();
  // Signals stay with the main thread, whose signal_set must see SIGTERM.
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  std::thread(flood, state, log).detach();
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return std::unique_ptr<LogFlood>(new LogFlood(std::move(state)));
}

uint64_t LogFlood::stop(std::chrono::milliseconds limit) {
  state_->stop = true;
  std::unique_lock lock(state_->mutex);
  state_->changed.wait_for(lock, limit, [this] { return state_->stopped; });
  return state_->bytes.load();
}

}  // namespace reference_worker
