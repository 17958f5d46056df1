// Worker ports: the one asked for, counting up, or free ones; kept from other hivetests until the worker has bound its own.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>

#include <asio/any_io_executor.hpp>
#include <asio/ip/tcp.hpp>

namespace hivetest::flow {

// A port held bound (SO_REUSEADDR, not listening) so that another hivetest's probe, which
// binds without SO_REUSEADDR, finds it taken, while the worker (which binds with
// SO_REUSEADDR, as servers do) can still take it. Released once the worker is ready.
struct PortReservation {
  uint16_t port = 0;
  std::shared_ptr<asio::ip::tcp::acceptor> held;
};

// Hands out worker ports: the one asked for, counting up for each further worker and
// (with several workers) skipping ports in use, or ports below the kernel's ephemeral range.
class PortPicker {
 public:
  PortPicker(std::optional<uint16_t> first, bool skip_in_use) : next_(first), skip_in_use_(skip_in_use) {}
  // A free port, held for the worker; or nullopt with `why` set.
  std::optional<PortReservation> pick(asio::any_io_executor ex, std::string& why);
  // This port, held for the worker, if it is free; or nullopt with `why` set.
  std::optional<PortReservation> pick_exact(asio::any_io_executor ex, uint16_t port, std::string& why);

 private:
  std::optional<PortReservation> try_bind(asio::any_io_executor ex, uint16_t port, std::error_code& ec);

  std::optional<uint16_t> next_;
  bool skip_in_use_;
  std::mt19937 random_{std::random_device{}()};  // where an automatic pick starts; seeded once
  // A port handed out stays free to a probe of this process until its worker binds it:
  // never hand it out twice (one entry per worker).
  std::set<uint16_t> given_;
};

}  // namespace hivetest::flow
