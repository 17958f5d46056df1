// reference-worker: a stand-in LLM worker that speaks the rbee worker protocol, for hivetest to test by default.
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/use_awaitable.hpp>

#include "fault.hpp"
#include "grandchild.hpp"
#include "heartbeat.hpp"
#include "hive_url.hpp"
#include "hivetest/gguf/gguf.hpp"
#include "hivetest/http/server.hpp"
#include "log.hpp"
#include "log_flood.hpp"
#include "model.hpp"
#include "options.hpp"
#include "routes.hpp"
#include "worker.hpp"

using namespace reference_worker;
using namespace asio::experimental::awaitable_operators;

namespace {

asio::awaitable<void> until_signal(asio::signal_set& signals, Worker& w) {
  for (;;) {
    std::error_code ec;
    int signal = co_await signals.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    if (signal == SIGTERM && w.opts.faults.has(Fault::ignore_sigterm)) {
      w.log("received SIGTERM: ignoring it (fault ignore-sigterm)");
      continue;
    }
    w.log("received {}: shutting down", signal == SIGTERM ? "SIGTERM" : "SIGINT");
    co_return;
  }
}

// Runs until SIGTERM or SIGINT; then every wait of the worker ends and the server stops,
// which leaves the io_context with nothing to do. Without a server (the never-ready
// fault) there is nothing to load either.
asio::awaitable<void> run(Worker& w, hivetest::http::Server* server) {
  asio::signal_set signals(w.ex, SIGINT, SIGTERM);
  if (server)
    co_await (until_signal(signals, w) || (send_heartbeats(w) && w.loading.run(w.log)));
  else
    co_await (until_signal(signals, w) || send_heartbeats(w));
  w.shutdown.set();
  if (server) server->stop();
}

// The faults that start other processes, before this one has any thread or socket.
void start_grandchildren(const Options& opts, Log& log) {
  for (Fault f : {Fault::fork_grandchild, Fault::setsid_grandchild}) {
    if (!opts.faults.has(f)) continue;
    std::string error;
    bool leave_group = f == Fault::setsid_grandchild;
    pid_t pid = start_grandchild(leave_group, opts.faults.has(Fault::ignore_sigterm), error);
    if (pid < 0)
      log("fault {}: cannot fork: {}", fault_name(f), error);
    else
      log("fault {}: started child PID {}{} that keeps running", fault_name(f), pid,
          leave_group ? " in a session of its own" : "");
  }
}

// Both ends of the pipes to the tester go; /dev/null takes their place so that no socket
// opened later can land on descriptor 1 or 2 and receive the log.
void close_pipes(Log& log) {
  log("fault close-pipes: closing stdout and stderr");
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null < 0) return;
  ::dup2(null, STDOUT_FILENO);
  ::dup2(null, STDERR_FILENO);
  ::close(null);
}

}  // namespace

int main(int argc, char** argv) {
  Options opts;
  if (auto exit_code = parse_options(argc, argv, opts)) return *exit_code;
  std::string error;
  auto hive = parse_hive_url(opts.hive_url, error);
  if (!hive) {
    std::fprintf(stderr, "reference-worker: %s\n", error.c_str());
    return 2;
  }

  Log log;
  auto model = load_model(opts.model_path, error);
  if (!model) {
    log("cannot load model: {}", error);
    return 1;
  }
  if (opts.faults.has(Fault::crash_on_start)) {
    log("thread 'main' panicked at 'fault crash-on-start: giving up before listening'");
    return fault_exit_status;
  }
  start_grandchildren(opts, log);
  auto summary = hivetest::gguf::summary_line(model->file_name, model->info);
  if (model->vocabulary.built_in())
    log("loaded model {}; it has no usable vocabulary, so answers use {} built-in words", summary,
        model->vocabulary.size());
  else
    log("loaded model {}; {} of {} tokens usable for output", summary, model->vocabulary.size(),
        model->info.vocab_size);

  asio::io_context io;
  Worker w(io.get_executor(), std::move(opts), std::move(*hive), std::move(*model), log);
  hivetest::http::ServerOptions server_opts;
  server_opts.max_connections = 64;  // a test worker; more clients than this are a bug in the test
  std::unique_ptr<hivetest::http::Server> server;
  if (w.opts.faults.has(Fault::never_ready)) {
    log("fault never-ready: not opening port {}, only sending heartbeats", w.opts.port);
  } else {
    std::error_code ec;
    server = hivetest::http::Server::listen(io.get_executor(), "127.0.0.1", w.opts.port, make_handler(w),
                                            server_opts, ec);
    if (!server) {
      log("cannot listen on 127.0.0.1:{}: {}", w.opts.port, ec.message());
      return 1;
    }
    w.opts.port = server->port();  // --port 0 picked one; heartbeats report the real one
    w.loading.begin();
    log("listening on 127.0.0.1:{} (worker {}, backend {}, device {}, inference api {}, {})", w.opts.port,
        w.opts.worker_id, w.opts.backend, w.opts.device, w.opts.inference_api == InferenceApi::v1 ? "v1" : "v2",
        w.opts.local_mode ? "local mode: no token needed" : "bearer token required on /v1/*");
  }
  if (w.opts.faults.has(Fault::close_pipes)) close_pipes(log);
  std::unique_ptr<LogFlood> flood;
  if (w.opts.faults.has(Fault::log_flood)) flood = LogFlood::start(log);

  asio::co_spawn(io, run(w, server.get()), asio::detached);
  io.run();
  if (flood) log("fault log-flood: {} bytes written to stdout and stderr", flood->stop(std::chrono::seconds(1)));
  log("stopped");
  return 0;
}
