// What the parts of the running reference worker share.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <utility>

#include <asio/any_io_executor.hpp>

#include "hive_url.hpp"
#include "hivetest/util/event.hpp"
#include "jobs.hpp"
#include "listener.hpp"
#include "loading.hpp"
#include "log.hpp"
#include "model.hpp"
#include "options.hpp"
#include "running_streams.hpp"
#include "slot.hpp"

namespace reference_worker {

struct Worker {
  Worker(asio::any_io_executor executor, Options options, HiveUrl hive_url, LoadedModel loaded, Log& logger)
      : ex(executor),
        opts(std::move(options)),
        hive(std::move(hive_url)),
        model(std::move(loaded)),
        log(logger),
        loading(executor, std::chrono::milliseconds(opts.load_ms), model.info.block_count, model.info.file_size),
        shutdown(executor),
        slot(executor, logger, opts.faults.has(Fault::ignore_disconnect)),
        streams(logger, opts.faults.has(Fault::cross_talk), opts.faults.has(Fault::cancel_kills_others)) {}

  asio::any_io_executor ex;
  Options opts;
  HiveUrl hive;
  LoadedModel model;
  Log& log;
  Loading loading;
  PendingJobs jobs{64};
  hivetest::Event shutdown;  // set once on SIGTERM/SIGINT: every wait ends early
  uint64_t jobs_named = 0;   // for ids of jobs that came without one
  int64_t created = std::time(nullptr);  // Unix seconds: when the model was "created", in /v1/models
  bool said_ready = false;   // /v1/ready said ready:true (rbee-v1/v2), else /health or /v1/models answered 200
  bool listening = false;    // the port is open
  Listener listener;         // the server on the port
  uint64_t requests_answered = 0;  // crash-on-sigterm strikes only after one
  uint64_t requests_while_loading = 0;  // said at the end: how often a client asked before the model was loaded
  uint64_t inference_requests = 0;  // ready-too-early refuses the first
  Slot slot;                 // ignore-disconnect: answers generate one at a time
  RunningStreams streams;    // cross-talk and cancel-kills-others reach from one stream into others

  // Whether the worker answers as a loaded one: ready-too-early claims it while loading.
  bool claims_loaded() const { return loading.loaded() || opts.faults.has(Fault::ready_too_early); }
};

}  // namespace reference_worker
