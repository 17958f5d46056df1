// hivetest's entry point: options, signals, the flow on one event loop, the exit code.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>

#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <fmt/format.h>

#include "hivetest/cli/live_output.hpp"
#include "hivetest/cli/options.hpp"
#include "hivetest/flow/suite.hpp"
#include "hivetest/process/run_guard.hpp"
#include "hivetest/report/junit.hpp"
#include "hivetest/report/reporter.hpp"
#include "hivetest/util/event.hpp"

int main(int argc, char** argv) {
  using namespace hivetest;
  auto parsed = cli::parse(argc, argv);
  if (!parsed.options) return parsed.exit_code;
  const auto& opts = *parsed.options;
  std::signal(SIGPIPE, SIG_IGN);  // a closed socket or pipe is an error code, not a death

  // Opened before the run, so that a path that cannot be written fails at once.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> junit(nullptr, std::fclose);
  if (!opts.junit.empty()) {
    junit.reset(std::fopen(opts.junit.c_str(), "w"));
    if (!junit) {
      fmt::print(stderr, "hivetest: --junit {}: {}\n", opts.junit, std::strerror(errno));
      return flow::exit_code::setup_error;
    }
  }

  // Made before the event loop and gone after it: every worker's process is gone by then.
  process::RunGuard guard;
  asio::io_context io;
  Event interrupt(io.get_executor());
  int signal_number = 0;
  // Ctrl-C, SIGTERM and a closed terminal stop the running steps; cleanup still runs.
  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  signals.async_wait([&](std::error_code ec, int sig) {
    if (ec) return;
    signal_number = sig;
    interrupt.set();
  });

  // What is shown while the run goes (the human report, or the progress beside a TAP or
  // JSON document) never stalls the loop when its reader is slow; the document is written
  // once the run is over.
  bool human = opts.report.format == "human";
  std::fflush(nullptr);
  cli::LiveOutput live(io.get_executor(), human ? STDOUT_FILENO : STDERR_FILENO);
  auto reporter = human ? report::make_reporter(opts.report, live.file(), stderr)
                        : report::make_reporter(opts.report, stdout, live.file());
  int code = flow::exit_code::setup_error;
  asio::co_spawn(io, flow::run_suite(io.get_executor(), opts.plan, guard, *reporter, interrupt, signal_number),
                 [&](std::exception_ptr e, flow::SuiteResult result) {
                   signals.cancel();
                   struct CloseLive {  // on every path out of here, after the last report line
                     cli::LiveOutput& live;
                     ~CloseLive() { live.close(); }
                   } close_live{live};
                   live.keep_everything();
                   if (e) {
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       fmt::print(stderr, "hivetest: internal error: {}\n", ex.what());
                     }
                     return;
                   }
                   reporter->finish(result);
                   code = report::exit_code_for(opts.report, result);
                   if (junit) {
                     auto xml = report::junit_document(result);
                     bool written = std::fwrite(xml.data(), 1, xml.size(), junit.get()) == xml.size();
                     if (std::fclose(junit.release()) != 0 || !written) {
                       fmt::print(stderr, "hivetest: --junit {}: {}\n", opts.junit, std::strerror(errno));
                       code = flow::exit_code::setup_error;
                     }
                   }
                 });
  io.run();
  return code;
}
