// reference-worker: a stand-in LLM worker that speaks the rbee worker protocol, for hivetest to test by default.
#include <csignal>
#include <cstdio>
#include <string>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/use_awaitable.hpp>

#include "heartbeat.hpp"
#include "hive_url.hpp"
#include "hivetest/gguf/gguf.hpp"
#include "hivetest/http/server.hpp"
#include "log.hpp"
#include "model.hpp"
#include "options.hpp"
#include "routes.hpp"
#include "worker.hpp"

using namespace reference_worker;
using namespace asio::experimental::awaitable_operators;

namespace {

asio::awaitable<void> until_signal(asio::signal_set& signals, Log& log) {
  std::error_code ec;
  int signal = co_await signals.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) log("received {}: shutting down", signal == SIGTERM ? "SIGTERM" : "SIGINT");
}

// Runs until SIGTERM or SIGINT; then every wait of the worker ends and the server stops,
// which leaves the io_context with nothing to do.
asio::awaitable<void> run(Worker& w, hivetest::http::Server& server) {
  asio::signal_set signals(w.ex, SIGINT, SIGTERM);
  co_await (until_signal(signals, w.log) || (send_heartbeats(w) && w.loading.run(w.log)));
  w.shutdown.set();
  server.stop();
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
  std::error_code ec;
  auto server = hivetest::http::Server::listen(io.get_executor(), "127.0.0.1", w.opts.port, make_handler(w),
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

  asio::co_spawn(io, run(w, *server), asio::detached);
  io.run();
  log("stopped");
  return 0;
}
