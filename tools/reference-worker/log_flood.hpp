// The log-flood fault: lines written to stdout and stderr as fast as the reader takes them.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

#include "log.hpp"

namespace reference_worker {

class LogFlood {
 public:
  // Starts a thread that writes blocking, as a worker's logging does, so that it only gets
  // on as fast as the other end of the pipes reads. Each line tells the bytes written
  // before it, so a reader can see the flood never stalled.
  static std::unique_ptr<LogFlood> start(const Log& log);
  // Asks the thread to stop after its current write, and waits for that up to `limit` (a
  // reader that stopped reading would hold it forever). Returns the bytes written.
  uint64_t stop(std::chrono::milliseconds limit);

  struct State {
    std::atomic<uint64_t> bytes{0};
    std::mutex mutex;
    std::condition_variable changed;
    std::atomic<bool> stop{false};
    bool stopped = false;  // under mutex
  };

 private:
  explicit LogFlood(std::shared_ptr<State> s) : state_(std::move(s)) {}
  std::shared_ptr<State> state_;  // shared with the thread, which outlives this object
};

}  // namespace reference_worker
