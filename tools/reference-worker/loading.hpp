// The pretend load of the model to VRAM after listening: how far along it is, and when done.
#pragma once

#include <chrono>
#include <cstdint>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "hivetest/util/event.hpp"
#include "log.hpp"

namespace reference_worker {

class Loading {
 public:
  using Clock = std::chrono::steady_clock;

  // layers: the model's block count (at least 1); bytes: what "VRAM" holds once loaded.
  Loading(asio::any_io_executor ex, std::chrono::milliseconds duration, uint64_t layers, uint64_t bytes);

  // Starts the clock; with no load time the model is loaded at once.
  void begin();
  // Waits out the load time, then marks the model loaded.
  asio::awaitable<void> run(Log& log);

  bool loaded() const { return loaded_.is_set(); }
  hivetest::Event& loaded_event() { return loaded_; }
  Clock::time_point ends_at() const { return ends_at_; }

  uint64_t layers_total() const { return layers_; }
  // Grow linearly with the time spent loading, as a real layer-by-layer load would.
  uint64_t layers_loaded() const;
  uint64_t vram_bytes() const;

 private:
  asio::any_io_executor ex_;
  std::chrono::milliseconds duration_;
  uint64_t layers_;
  uint64_t bytes_;
  Clock::time_point started_at_{};
  Clock::time_point ends_at_{};
  hivetest::Event loaded_;
};

}  // namespace reference_worker
