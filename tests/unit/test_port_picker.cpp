// Tests of the worker port picker: free ports, never the same one twice in a run.
#include <doctest/doctest.h>

#include <set>

#include <asio/io_context.hpp>

#include "hivetest/flow/session.hpp"

using namespace hivetest;

TEST_CASE("auto ports are never handed out twice, though none is bound in between") {
  asio::io_context io;
  flow::PortPicker picker(std::nullopt, false);
  std::set<uint16_t> seen;
  // Picked at random from some 20,000 ports: without memory, 1,000 picks would all but
  // surely repeat one (the worker that binds second then fails with "address in use").
  for (int i = 0; i < 1000; ++i) {
    std::string why;
    auto port = picker.pick(io.get_executor(), why);
    REQUIRE_MESSAGE(port, why);
    CHECK_MESSAGE(seen.insert(*port).second, "port " << *port << " handed out twice");
  }
}

TEST_CASE("counting up from a first port gives each port once") {
  asio::io_context io;
  flow::PortPicker picker(uint16_t{41000}, true);
  std::string why;
  auto a = picker.pick(io.get_executor(), why);
  auto b = picker.pick(io.get_executor(), why);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*b > *a);
}
