// The mock hive: the control plane's heartbeat routes, a record per worker, and waits on
// them; and hive/log.hpp's grouped view of what it saw.
#include "hivetest/hive/mock_hive.hpp"

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/redirect_error.hpp>
#include <fmt/format.h>

namespace hivetest::hive {

using namespace asio::experimental::awaitable_operators;

using Kind = HiveLogEntry::Kind;

// --- hive/log.hpp: the grouped view -------------------------------------------------------

bool is_refusal(Kind kind) { return kind == Kind::rejected || kind == Kind::unknown_path || kind == Kind::refused; }

namespace {
std::string not_kept(std::size_t n) { return fmt::format("{} earlier entries not kept", n); }
}  // namespace

void HiveLogGrouper::add(const HiveLogEntry& e) {
  auto drop = [&](std::size_t n) {
    if (dropped_.count == 0) dropped_.first.wall = e.wall;
    dropped_.count += n;
    dropped_.last_wall = e.wall;
  };
  if (e.kind == Kind::dropped) return drop(e.number);
  Key key{e.kind, e.worker_id, e.status, e.method, e.path};
  auto it = index_.find(key);
  if (it == index_.end()) {
    if (groups_.size() >= max_groups_) return drop(1);
    it = index_.emplace(std::move(key), groups_.size()).first;
    groups_.push_back({.first = e});
  }
  auto& g = groups_[it->second];
  ++g.count;
  g.last_wall = e.wall;
  g.last_number = e.number;
}

std::vector<HiveLogGroup> HiveLogGrouper::groups() const {
  std::vector<HiveLogGroup> out;
  out.reserve(groups_.size() + 1);
  if (dropped_.count > 0) {
    out.push_back(dropped_);
    out.back().first.number = dropped_.count;
    out.back().first.text = not_kept(dropped_.count);
  }
  out.insert(out.end(), groups_.begin(), groups_.end());
  return out;
}

std::vector<HiveLogGroup> group_hive_log(const std::vector<HiveLogEntry>& entries) {
  HiveLogGrouper grouper;
  for (const auto& e : entries) grouper.add(e);
  return grouper.groups();
}

std::string describe(const HiveRefusals& refusals, std::size_t shown) {
  if (refusals.total == 0) return "";
  std::string text = fmt::format("the hive refused {} request{}:", refusals.total, refusals.total == 1 ? "" : "s");
  std::size_t named = 0;
  for (const auto& g : refusals.first) {
    if (named == shown) break;
    const auto& e = g.first;
    text += fmt::format("{} {} {}", named++ ? ";" : "", e.status, e.kind == Kind::unknown_path ? "no route" : e.text);
    if (!e.method.empty() || !e.path.empty()) text += fmt::format(" ({} {})", e.method, e.path);
    if (g.count > 1) text += fmt::format(" ×{}", g.count);
  }
  std::size_t told = 0;
  for (std::size_t i = 0; i < named; ++i) told += refusals.first[i].count;
  if (told < refusals.total) text += fmt::format("; {} more", refusals.total - told);
  return text;
}

// --- the mock hive ------------------------------------------------------------------------

namespace {
const char* const heartbeat_paths[] = {"/v1/heartbeat", "/heartbeat/workers", "/v1/worker-heartbeat"};
const std::deque<HeartbeatRecord> no_records;
constexpr std::size_t max_body_shown = 200;
constexpr std::size_t max_text = 300, max_method = 32, max_path = 200;

// A log entry for a request, bounded: what a client sends may be as long as a head may be.
HiveLogEntry entry_for(Kind kind, int status, std::string_view reason, std::string_view method, std::string_view path) {
  return {.kind = kind, .wall = std::chrono::system_clock::now(), .text = std::string(reason.substr(0, max_text)),
          .status = status, .method = std::string(method.substr(0, max_method)),
          .path = std::string(path.substr(0, max_path))};
}
}  // namespace

HeartbeatWait MockHive::ended(HeartbeatWait::Outcome outcome) const {
  HeartbeatWait w;
  w.outcome = outcome;
  w.refusals = refusals();
  return w;
}

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
  router->refused = [self](const http::Request& req, int status, const std::string& reason) {
    auto e = entry_for(status == 404 ? Kind::unknown_path : Kind::refused, status, reason, req.method, req.path);
    if (status == 404) e.text = fmt::format("{} {}", e.method, req.target.substr(0, max_path));
    self->refused(std::move(e));
  };
  opts.on_refusal = [self, also = std::move(opts.on_refusal)](const http::Refusal& r) {
    auto e = entry_for(Kind::refused, r.status, r.reason, r.method, r.path);
    e.peer = r.peer;
    self->refused(std::move(e));
    if (also) also(r);
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
  auto parsed = parse_heartbeat(req.body);
  if (!parsed.heartbeat) {
    refused(entry_for(Kind::rejected, 400, parsed.error, req.method, req.path));
    if (!first_rejection_) {
      first_rejection_.emplace();
      first_rejection_->outcome = HeartbeatWait::Outcome::rejected;
      first_rejection_->reason = parsed.error;
      first_rejection_->body = req.body.substr(0, max_body_shown);
    }
    arrived_.notify();
    return http::Response::error(400, parsed.error);
  }
  const std::string& id = parsed.heartbeat->worker_id;
  bool unexpected = !expected_.empty() && !expected_.count(id);
  // The text of a heartbeat's entry is its path, as the reports show it.
  auto e = entry_for(unexpected ? Kind::unknown_worker : Kind::heartbeat, 200, req.path, req.method, req.path);
  e.worker_id = id.substr(0, max_path);
  if (unexpected) {
    ++unknown_worker_heartbeats_;
    add_log(std::move(e));
    return http::Response::json(200, R"({"status":"ok"})");
  }
  auto& list = records_[id];
  if (list.size() >= max_records_per_worker) list.pop_front();
  list.push_back({*parsed.heartbeat, req.path, std::chrono::steady_clock::now(), e.wall});
  e.number = ++totals_[id];
  add_log(std::move(e));
  arrived_.notify();
  return http::Response::json(200, R"({"status":"ok"})");
}

// Bounded: past max_log the oldest entries go, and a leading Kind::dropped entry counts them.
void MockHive::add_log(HiveLogEntry e) {
  grouped_.add(e);
  while (log_.size() >= max_log) {
    if (log_.front().kind != Kind::dropped)
      log_.push_front({.kind = Kind::dropped, .wall = log_.front().wall});
    log_.erase(log_.begin() + 1);
    auto& dropped = log_.front();
    dropped.text = not_kept(++dropped.number);
  }
  log_.push_back(std::move(e));
}

void MockHive::refused(HiveLogEntry e) {
  refusal_kinds_.add(e);
  add_log(std::move(e));
}

HiveRefusals MockHive::refusals() const {
  HiveRefusals r;
  r.first = refusal_kinds_.kept();
  r.total = refusal_kinds_.dropped();
  for (const auto& g : r.first) r.total += g.count;
  return r;
}

asio::awaitable<HeartbeatWait> MockHive::wait_heartbeats(std::string worker_id, std::size_t n,
                                                         std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(ex_, deadline);
  for (;;) {
    if (heartbeat_count(worker_id) >= n) co_return ended(HeartbeatWait::Outcome::received);
    if (first_rejection_ && expected_.size() == 1 && expected_.count(worker_id)) {
      auto rejected = *first_rejection_;
      rejected.refusals = refusals();
      co_return rejected;
    }
    if (std::chrono::steady_clock::now() >= deadline) co_return ended(HeartbeatWait::Outcome::deadline);
    std::error_code cancelled;  // when a heartbeat comes first: ends the wait without an exception
    auto which = co_await (arrived_.wait() || timer.async_wait(asio::redirect_error(asio::use_awaitable, cancelled)));
    if (which.index() == 1 && heartbeat_count(worker_id) < n) co_return ended(HeartbeatWait::Outcome::deadline);
  }
}

void MockHive::stop() {
  if (server_) server_->stop();
}

}  // namespace hivetest::hive
