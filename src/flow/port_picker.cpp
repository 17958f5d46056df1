// Worker ports: the one asked for, counting up, or free ones; kept from other hivetests until the worker has bound its own.
#include "hivetest/flow/port_picker.hpp"

#include <cstdio>

#include <fmt/format.h>

namespace hivetest::flow {

namespace {

// Ports for `auto`: from 10000 up to where the kernel's ephemeral range starts.
std::pair<uint16_t, uint16_t> auto_port_range() {
  unsigned ephemeral_low = 32768, ephemeral_high = 60999;
  if (std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    if (std::fscanf(f, "%u %u", &ephemeral_low, &ephemeral_high) != 2) ephemeral_low = 32768;
    std::fclose(f);
  }
  if (ephemeral_low > 12000 && ephemeral_low <= 65535) return {10000, static_cast<uint16_t>(ephemeral_low)};
  return {static_cast<uint16_t>(std::min(ephemeral_high + 1u, 64000u)), 65535};
}

}  // namespace

std::optional<PortReservation> PortPicker::try_bind(asio::any_io_executor ex, uint16_t port, std::error_code& ec) {
  auto probe = std::make_shared<asio::ip::tcp::acceptor>(ex);
  asio::ip::tcp::endpoint ep(asio::ip::make_address_v4("127.0.0.1"), port);
  probe->open(ep.protocol(), ec);
  // Bound without SO_REUSEADDR: a port another hivetest holds for its worker is taken.
  if (!ec) probe->bind(ep, ec);
  if (ec) return std::nullopt;
  uint16_t bound = probe->local_endpoint(ec).port();
  if (ec || !given_.insert(bound).second) return std::nullopt;
  // Then SO_REUSEADDR on the bound socket: the worker's own bind (with it) succeeds.
  probe->set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  ec.clear();
  return PortReservation{bound, std::move(probe)};
}

std::optional<PortReservation> PortPicker::pick_exact(asio::any_io_executor ex, uint16_t port, std::string& why) {
  std::error_code ec;
  if (auto held = try_bind(ex, port, ec)) return held;
  why = ec == asio::error::address_in_use ? fmt::format("port {} in use", port)
        : ec                              ? ec.message()
                                          : fmt::format("port {} is another worker's in this run", port);
  return std::nullopt;
}

std::optional<PortReservation> PortPicker::pick(asio::any_io_executor ex, std::string& why) {
  std::error_code ec;
  if (!next_) {
    // Not a port the kernel would pick: between our probe and the worker's bind, another
    // process's bind(0) could take it. Below the ephemeral range, from a random start, two
    // hivetests rarely try the same port at the same moment.
    auto [low, high] = auto_port_range();
    uint16_t start = static_cast<uint16_t>(low + random_() % (high - low));
    for (uint32_t i = 0; i < 2000; ++i) {
      auto candidate = static_cast<uint16_t>(low + (start - low + i) % (high - low));
      if (auto held = try_bind(ex, candidate, ec)) return held;
    }
    if (auto held = try_bind(ex, 0, ec)) return held;
    why = ec ? ec.message() : "no port free that was not handed out already";
    return std::nullopt;
  }
  for (int attempts = 0; attempts < 1000 && *next_ != 0; ++attempts) {
    uint16_t candidate = (*next_)++;
    if (auto held = try_bind(ex, candidate, ec)) return held;
    if (!ec) continue;  // handed out already
    if (ec != asio::error::address_in_use || !skip_in_use_) {
      why = ec == asio::error::address_in_use ? fmt::format("port {} in use", candidate) : ec.message();
      return std::nullopt;
    }
  }
  why = "no free port found counting up from the first one";
  return std::nullopt;
}

}  // namespace hivetest::flow
