// bench-stream-client: hivetest's own stream reader (client, SSE parser, grammar) reading a worker's streams, for tools/bench/stream-parse.
// Usage: bench-stream-client PORT PROFILE STREAMS MAX_TOKENS; prints "tokens N user_seconds U system_seconds S".
#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/resource.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <fmt/format.h>

#include "hivetest/flow/isolation.hpp"
#include "hivetest/flow/stream_check.hpp"
#include "hivetest/http/connections.hpp"
#include "hivetest/profile/profile.hpp"

using namespace hivetest;

namespace {

// User and system CPU seconds of this process so far.
std::pair<double, double> cpu_seconds() {
  rusage self{};
  ::getrusage(RUSAGE_SELF, &self);
  auto s = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return {s(self.ru_utime), s(self.ru_stime)};
}

asio::awaitable<void> read_streams(const flow::Endpoint* w, int streams, std::size_t* tokens, std::string* error) {
  for (int i = 0; i < streams; ++i) {
    auto run = co_await flow::run_stream(*w, w->json_values, w->profile().streams.front(), 0);
    if (run.check.outcome != flow::Outcome::pass) {
      *error = run.check.message + ": " + run.check.got;
      co_return;
    }
    *tokens += run.stats.tokens;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: bench-stream-client PORT PROFILE STREAMS MAX_TOKENS\n");
    return 2;
  }
  flow::Config cfg;
  cfg.profile = profile::find_profile(argv[2]);
  if (!cfg.profile) return 2;
  cfg.max_tokens = std::atoi(argv[4]);
  asio::io_context io;
  flow::Endpoint w{.ex = io.get_executor(), .port = static_cast<uint16_t>(std::atoi(argv[1])), .config = cfg};
  http::Connections kept(w.ex, w.host, w.port, 1);  // as a session keeps them
  w.connections = &kept;
  w.json_values = {{"prompt", "\"The capital of France is\""}, {"max_tokens", argv[4]}, {"temperature", "0.7"},
                   {"model_id", "\"bench\""}, {"model", "\"bench\""}, {"model_ref", "\"bench\""},
                   {"job_id", "\"bench\""}, {"hive_id", "\"bench\""}, {"worker_id", "\"bench\""}};
  std::size_t tokens = 0;
  std::string error;
  auto before = cpu_seconds();
  asio::co_spawn(io, read_streams(&w, std::atoi(argv[3]), &tokens, &error), asio::detached);
  io.run();
  if (!error.empty()) {
    std::fprintf(stderr, "bench-stream-client: %s\n", error.c_str());
    return 1;
  }
  auto after = cpu_seconds();
  fmt::print("tokens {} user_seconds {:.6f} system_seconds {:.6f}\n", tokens, after.first - before.first,
             after.second - before.second);
  return 0;
}
