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
#include "loading.hpp"
#include "log.hpp"
#include "model.hpp"
#include "options.hpp"

namespace reference_worker {

struct Worker {
  Worker(asio::any_io_executor executor, Options options, HiveUrl hive_url, LoadedModel loaded, Log& logger)
      : ex(executor),
        opts(std::move(options)),
        hive(std::move(hive_url)),
        model(std::move(loaded)),
        log(logger),
        loading(executor, std::chrono::milliseconds(opts.load_ms), model.info.block_count, model.info.file_size),
        shutdown(executor) {}

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
};

}  // namespace reference_worker
