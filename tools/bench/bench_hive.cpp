// The mock hive on its own, for throughput benchmarks: serves until SIGINT or SIGTERM.
#include <cstdio>
#include <cstdlib>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <fmt/format.h>

#include "hivetest/hive/mock_hive.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: bench-hive PORT   (0 picks a free one)\n");
    return 2;
  }
  asio::io_context io;
  std::error_code ec;
  auto hive = hivetest::hive::MockHive::start(io.get_executor(), "127.0.0.1",
                                              static_cast<uint16_t>(std::atoi(argv[1])), ec);
  if (!hive) {
    fmt::print(stderr, "bench-hive: {}\n", ec.message());
    return 1;
  }
  fmt::print("listening on {}\n", hive->port());
  std::fflush(stdout);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](std::error_code, int) {
    hive->stop();
    io.stop();
  });
  io.run();
  return 0;
}
