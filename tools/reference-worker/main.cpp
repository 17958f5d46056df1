// reference-worker: a stand-in LLM worker that speaks the rbee, llama-server and OpenAI worker protocols, for hivetest to test.
#include <cstdio>
#include <memory>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <fmt/format.h>

#include "fault.hpp"
#include "grandchild.hpp"
#include "heartbeat.hpp"
#include "hive_url.hpp"
#include "hivetest/gguf/gguf.hpp"
#include "log.hpp"
#include "log_flood.hpp"
#include "model.hpp"
#include "options.hpp"
#include "shutdown_signals.hpp"
#include "timestamp.hpp"
#include "worker.hpp"

using namespace reference_worker;
using namespace asio::experimental::awaitable_operators;

namespace {

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

// What the worker serves with besides its port: the log-flood fault's thread.
struct Serving {
  std::unique_ptr<LogFlood> flood;
};

std::string listening_note(const Options& o) {
  if (is_rbee(o.dialect))
    return fmt::format("worker {}, backend {}, device {}, dialect {}, {}", o.worker_id, o.backend, o.device,
                       dialect_name(o.dialect),
                       o.local_mode ? "local mode: no token needed" : "bearer token required on /v1/*");
  return fmt::format("dialect {}, model {}{}", dialect_name(o.dialect), o.model_ref,
                     o.api_key.empty() ? "" : ", api key required on /v1/*");
}

// Opens the port, unless the never-ready fault keeps it shut, then starts the faults that
// strike once the worker listens. False when the port cannot be opened.
bool open_port(Worker& w, Serving& s) {
  if (w.opts.faults.has(Fault::never_ready)) {
    w.log("fault never-ready: not opening port {}{}", w.opts.port, is_rbee(w.opts.dialect) ? ", only sending heartbeats" : "");
  } else {
    std::error_code ec;
    if (!w.listener.open(w, ec)) {
      w.log("cannot listen on {}:{}: {}", w.opts.host, w.opts.port, ec.message());
      return false;
    }
    auto listening_since = monotonic_now();
    w.listening = true;
    w.log("listening on {}:{} ({}) monotonic={}", w.opts.host, w.opts.port, listening_note(w.opts), listening_since);
  }
  if (w.opts.faults.has(Fault::close_pipes)) close_pipes(w.log);
  if (w.opts.faults.has(Fault::log_flood)) s.flood = LogFlood::start(w.log);
  return true;
}

// rbee (v3) loads the model before it opens its port, so that answering at all means
// ready, unless ready-too-early has it answer ready while it loads.
bool loads_first(const Options& o) {
  return loads_before_listening(o.dialect) && !o.faults.has(Fault::ready_too_early);
}

// The load before listening ends early on SIGTERM or SIGINT. False when it is not to listen.
asio::awaitable<bool> load_first(Worker& w, ShutdownSignals& signals, Serving& s, int& exit_code) {
  w.loading.begin();
  co_await (signals.wait() || w.loading.run(w.log));
  if (!w.loading.loaded()) co_return false;
  if (open_port(w, s)) co_return true;
  exit_code = 1;
  co_return false;
}

// Runs until SIGTERM or SIGINT; then every wait of the worker ends and the server stops,
// which leaves the io_context with nothing to do. The dialects that listen first load
// while serving; without a server (the never-ready fault) there is nothing to load.
asio::awaitable<void> run(Worker& w, Serving& s, int& exit_code) {
  ShutdownSignals signals(w);
  bool serve = true;
  if (loads_first(w.opts)) serve = co_await load_first(w, signals, s, exit_code);
  if (serve && w.listener.is_open())
    co_await (signals.wait() || (send_heartbeats(w) && w.loading.run(w.log)));
  else if (serve)
    co_await (signals.wait() || send_heartbeats(w));
  w.shutdown.set();
  w.listener.close();
}

}  // namespace

int main(int argc, char** argv) {
  Options opts;
  if (auto exit_code = parse_options(argc, argv, opts)) return *exit_code;
  std::string error;
  HiveUrl hive;
  if (is_rbee(opts.dialect)) {
    auto parsed = parse_hive_url(opts.hive_url, error);
    if (!parsed) {
      std::fprintf(stderr, "reference-worker: %s\n", error.c_str());
      return 2;
    }
    hive = std::move(*parsed);
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
  Worker w(io.get_executor(), std::move(opts), std::move(hive), std::move(*model), log);
  Serving serving;
  if (!loads_first(w.opts)) {
    if (!open_port(w, serving)) return 1;
    if (w.listener.is_open()) w.loading.begin();
  }
  if (w.opts.faults.has(Fault::ready_too_early))
    log("fault ready-too-early: saying ready at once{}; the first inference request gets 503",
        w.opts.load_ms > 0 ? fmt::format(", while the model loads for {} ms", w.opts.load_ms) : "");
  int exit_code = 0;
  asio::co_spawn(io, run(w, serving, exit_code), asio::detached);
  io.run();
  if (serving.flood)
    log("fault log-flood: {} bytes written to stdout and stderr", serving.flood->stop(std::chrono::seconds(1)));
  log("stopped after answering {} requests, {} of them while the model loaded", w.requests_answered,
      w.requests_while_loading);
  return exit_code;
}
