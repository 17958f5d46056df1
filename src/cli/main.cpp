// hivetest's entry point: options, signals, the flow on one event loop, the exit code.
#include <csignal>
#include <cstdio>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <fmt/format.h>

#include "hivetest/cli/options.hpp"
#include "hivetest/flow/isolation_test.hpp"
#include "hivetest/report/human.hpp"
#include "hivetest/util/event.hpp"

int main(int argc, char** argv) {
  using namespace hivetest;
  auto parsed = cli::parse(argc, argv);
  if (!parsed.options) return parsed.exit_code;
  const auto& opts = *parsed.options;
  std::signal(SIGPIPE, SIG_IGN);  // a closed socket or pipe is an error code, not a death

  asio::io_context io;
  Event interrupt(io.get_executor());
  int signal_number = 0;
  // Ctrl-C and SIGTERM cancel the running step; cleanup still runs, then we exit.
  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  signals.async_wait([&](std::error_code ec, int sig) {
    if (ec) return;
    signal_number = sig;
    interrupt.set();
  });

  report::HumanReport report(stdout, opts.color);
  report.header();
  flow::RunResult result;
  int code = flow::exit_code::setup_error;
  asio::co_spawn(io, flow::isolation_test(io.get_executor(), opts.flow, report, interrupt, signal_number),
                 [&](std::exception_ptr e, flow::RunResult r) {
                   signals.cancel();
                   if (e) {
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       fmt::print(stderr, "hivetest: internal error: {}\n", ex.what());
                     }
                     return;
                   }
                   result = std::move(r);
                   code = result.exit_code;
                 });
  io.run();
  if (code != flow::exit_code::setup_error || !result.checks.empty()) report.finish(result);
  return code;
}
