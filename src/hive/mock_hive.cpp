// The mock hive: the control plane's heartbeat routes, a record per worker, and waits on them.
#include "hivetest/hive/mock_hive.hpp"

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/redirect_error.hpp>
#include <fmt/format.h>

namespace hivetest::hive {

using namespace asio::experimental::awaitable_operators;

namespace {
const char* const heartbeat_paths[] = {"/v1/heartbeat", "/heartbeat/workers", "/v1/worker-heartbeat"};
const std::deque<HeartbeatRecord> no_records;
constexpr std::size_t max_body_shown = 200;

HeartbeatWait ended(HeartbeatWait::Outcome outcome) {
  HeartbeatWait w;
  w.outcome = outcome;
  return w;
}
}  // namespace

MockHive::MockHive(asio::any_io_executor ex) : ex_(ex), arrived_(ex) {}

std::unique_ptr<MockHive> MockHive::start(asio::any_io_executor ex, const std::string& address, uint16_t port,
                                          std::error_code& ec, http::ServerOptions opts) {
  std::unique_ptr<MockHive> hive(new MockHive(ex));
  auto router = std::make_shared<http::Router>();
  MockHive* self = hive.get();
  for (const char* path : heartbeat_paths)
    router->add("POST", path, [self](http::Request& req) -> asio::awaitable<http::Response> {
      co_return self->on_heartbeat(req);
    });
  router->not_found = [self](const http::Request& req) {
    self->add_log({HiveLogEntry::Kind::unknown_path, std::chrono::system_clock::now(), "", 0,
                   fmt::format("{} {}", req.method, req.target.substr(0, 200))});
    return http::Response::error(404, fmt::format("no route for {}", req.path.substr(0, 200)));
  };
  hive->server_ = http::Server::listen(
      ex, address, port, [router](http::Request& req) { return (*router)(req); }, opts, ec);
  if (!hive->server_) return nullptr;
  return hive;
}

MockHive::~MockHive() { stop(); }

uint16_t MockHive::port() const { return server_->port(); }
std::string MockHive::url() const { return fmt::format("http://127.0.0.1:{}", port()); }

void MockHive::expect_worker(const std::string& worker_id) { expected_[worker_id] = true; }

std::size_t MockHive::heartbeat_count(const std::string& worker_id) const {
  auto it = totals_.find(worker_id);
  return it == totals_.end() ? 0 : it->second;
}

const std::deque<HeartbeatRecord>& MockHive::heartbeats(const std::string& worker_id) const {
  auto it = records_.find(worker_id);
  return it == records_.end() ? no_records : it->second;
}

http::Response MockHive::on_heartbeat(const http::Request& req) {
  auto wall = std::chrono::system_clock::now();
  auto parsed = parse_heartbeat(req.body);
  if (!parsed.heartbeat) {
    add_log({HiveLogEntry::Kind::rejected, wall, "", 0, parsed.error});
    if (!first_rejection_) {
      first_rejection_ = ended(HeartbeatWait::Outcome::rejected);
      first_rejection_->reason = parsed.error;
      first_rejection_->body = req.body.substr(0, max_body_shown);
    }
    arrived_.notify();
    return http::Response::error(400, parsed.error);
  }
  const std::string& id = parsed.heartbeat->worker_id;
  if (!expected_.empty() && !expected_.count(id)) {
    ++unknown_worker_heartbeats_;
    add_log({HiveLogEntry::Kind::unknown_worker, wall, id.substr(0, 200), 0, req.path});
    return http::Response::json(200, R"({"status":"ok"})");
  }
  auto& list = records_[id];
  if (list.size() >= max_records_per_worker) list.pop_front();
  list.push_back({*parsed.heartbeat, req.path, std::chrono::steady_clock::now(), wall});
  add_log({HiveLogEntry::Kind::heartbeat, wall, id.substr(0, 200), ++totals_[id], req.path});
  arrived_.notify();
  return http::Response::json(200, R"({"status":"ok"})");
}

void MockHive::add_log(HiveLogEntry e) {
  if (log_.size() >= max_log) log_.pop_front();
  log_.push_back(std::move(e));
}

asio::awaitable<HeartbeatWait> MockHive::wait_heartbeats(std::string worker_id, std::size_t n,
                                                         std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(ex_, deadline);
  for (;;) {
    if (heartbeat_count(worker_id) >= n) co_return ended(HeartbeatWait::Outcome::received);
    if (first_rejection_ && expected_.size() == 1 && expected_.count(worker_id)) co_return *first_rejection_;
    if (std::chrono::steady_clock::now() >= deadline) co_return ended(HeartbeatWait::Outcome::deadline);
    auto which = co_await (arrived_.wait() || timer.async_wait(asio::use_awaitable));
    if (which.index() == 1 && heartbeat_count(worker_id) < n) co_return ended(HeartbeatWait::Outcome::deadline);
  }
}

void MockHive::stop() {
  if (server_) server_->stop();
}

}  // namespace hivetest::hive
