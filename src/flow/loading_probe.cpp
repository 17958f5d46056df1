// The inference sent while the worker says it is loading: sent beside the readiness wait, judged for ready-means-ready.
#include "hivetest/flow/loading_probe.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <fmt/format.h>

#include "hivetest/flow/checks.hpp"
#include "hivetest/flow/stream_check.hpp"
#include "hivetest/util/event.hpp"
#include "hivetest/util/first_of.hpp"

namespace hivetest::flow {

struct LoadingProbe::State {
  explicit State(const Endpoint& endpoint)
      : w(endpoint), own(endpoint.ex, endpoint.host, endpoint.port, 0), done(endpoint.ex), abandoned(endpoint.ex) {
    w.connections = &own;  // the probe may outlive the session, and with it the session's connections
  }
  Endpoint w;
  http::Connections own;
  LoadingAnswer answer;
  Event done;       // the answer is in
  Event abandoned;  // its owner went: no one waits for the answer
};

namespace {

LoadingAnswer judge(const StreamRun& run) {
  LoadingAnswer a{.sent = true};
  bool success = run.status >= 200 && run.status < 300;
  if (run.check.outcome == Outcome::pass) {
    a.said = "streamed its answer";
  } else if (success && run.garbled) {
    a.garbage = true;
    a.said = fmt::format("answered {} with garbage", run.status);
    a.broken = run.check.message;
    a.got = run.check.got;
  } else if (run.status != 0 && !success) {
    a.said = fmt::format("refused it with {}", run.status);
  } else {
    a.said = fmt::format("left it unfinished: {}", run.check.message);
  }
  return a;
}

asio::awaitable<void> probe(std::shared_ptr<LoadingProbe::State> st) {
  try {
    auto values = own_values(st->w, "loading", 1);
    auto ran = co_await first_of(run_stream(st->w, values, st->w.profile().streams.front(), 0), st->abandoned.wait());
    if (ran.index() == 0) st->answer = judge(std::get<0>(ran));
  } catch (const std::exception& e) {
    st->answer.said = fmt::format("could not be judged: {}", e.what());
  }
  st->done.set();
}

}  // namespace

LoadingProbe::~LoadingProbe() {
  if (state_) state_->abandoned.set();
}

void LoadingProbe::send(const Endpoint& w) {
  if (state_ || w.config.skipped.contains(Step::ready_means_ready) || w.profile().streams.empty()) return;
  state_ = std::make_shared<State>(w);
  state_->answer.sent = true;
  asio::co_spawn(w.ex, probe(state_), asio::detached);
}

asio::awaitable<LoadingAnswer> LoadingProbe::answer() {
  if (!state_) co_return LoadingAnswer{};
  auto st = state_;  // kept while waiting, whatever happens to this probe
  co_await st->done.wait();
  co_return st->answer;
}

}  // namespace hivetest::flow
