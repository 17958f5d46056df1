// The pretend load of the model to VRAM after listening: how far along it is, and when done.
#include "loading.hpp"

#include <algorithm>

#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

namespace reference_worker {

Loading::Loading(asio::any_io_executor ex, std::chrono::milliseconds duration, uint64_t layers, uint64_t bytes)
    : ex_(ex), duration_(duration), layers_(std::max<uint64_t>(layers, 1)), bytes_(bytes), loaded_(ex) {}

void Loading::begin() {
  started_at_ = Clock::now();
  ends_at_ = started_at_ + duration_;
  if (duration_.count() == 0) loaded_.set();
}

asio::awaitable<void> Loading::run(Log& log) {
  if (loaded()) co_return;
  log("loading {} layers to VRAM for {} ms", layers_, duration_.count());
  asio::steady_timer timer(ex_, ends_at_);
  std::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;  // cancelled: shutting down before the load finished
  loaded_.set();
  log("model loaded: ready for inference");
}

uint64_t Loading::layers_loaded() const {
  if (loaded()) return layers_;
  auto elapsed = Clock::now() - started_at_;
  if (elapsed >= duration_) return layers_;  // the loader's timer is about to fire
  return uint64_t(double(layers_) * std::chrono::duration<double>(elapsed) / std::chrono::duration<double>(duration_));
}

uint64_t Loading::vram_bytes() const {
  if (loaded()) return bytes_;
  return uint64_t(double(bytes_) * double(layers_loaded()) / double(layers_));
}

}  // namespace reference_worker
