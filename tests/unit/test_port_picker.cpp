// Tests of the worker port picker: free ports, never the same one twice in a run.
#include <doctest/doctest.h>

#include <set>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

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
    CHECK_MESSAGE(seen.insert(port->port).second, "port " << port->port << " handed out twice");
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
  CHECK(b->port > a->port);
}

TEST_CASE("a port held for a worker is taken for other hivetests' probes, and free for the worker's own bind") {
  asio::io_context io;
  std::string why;
  flow::PortPicker ours(std::nullopt, false);
  auto held = ours.pick(io.get_executor(), why);
  REQUIRE_MESSAGE(held, why);
  // Another hivetest (another picker, as in another process) counting from that port skips it.
  flow::PortPicker theirs(held->port, true);
  auto other = theirs.pick(io.get_executor(), why);
  REQUIRE_MESSAGE(other, why);
  CHECK(other->port != held->port);
  // The worker binds it as servers do, with SO_REUSEADDR, and listens.
  asio::ip::tcp::acceptor worker(io);
  asio::ip::tcp::endpoint ep(asio::ip::make_address_v4("127.0.0.1"), held->port);
  worker.open(ep.protocol());
  worker.set_option(asio::ip::tcp::acceptor::reuse_address(true));
  std::error_code ec;
  worker.bind(ep, ec);
  CHECK_MESSAGE(!ec, ec.message());
  worker.listen(asio::socket_base::max_listen_connections, ec);
  CHECK_MESSAGE(!ec, ec.message());
}
