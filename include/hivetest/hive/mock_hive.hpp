// The mock hive: the control plane's heartbeat routes, a record per worker, and waits on them.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "hivetest/hive/heartbeat.hpp"
#include "hivetest/hive/log.hpp"
#include "hivetest/http/server.hpp"
#include "hivetest/util/event.hpp"

namespace hivetest::hive {

struct HeartbeatRecord {
  Heartbeat heartbeat;
  std::string path;
  std::chrono::steady_clock::time_point at;
  std::chrono::system_clock::time_point wall;
};

// How a wait for heartbeats ended.
struct HeartbeatWait {
  enum class Outcome { received, deadline, rejected };
  Outcome outcome = Outcome::received;
  std::string reason;  // when rejected: why the hive answered 400
  std::string body;    // when rejected: the start of the body it refused
  HiveRefusals refusals;  // every request the hive refused until the wait ended, from any client
};

class MockHive {
 public:
  static constexpr std::size_t max_log = 1000;
  static constexpr std::size_t max_records_per_worker = 1000;

  // Listens at once: a port in use is reported here, before any worker starts.
  static std::unique_ptr<MockHive> start(asio::any_io_executor ex, const std::string& address,
                                         uint16_t port, std::error_code& ec, http::ServerOptions opts = {});
  ~MockHive();

  uint16_t port() const;
  std::string url() const;  // http://127.0.0.1:PORT

  // Heartbeats from workers not expected are logged and counted, not dropped silently.
  void expect_worker(const std::string& worker_id);
  std::size_t heartbeat_count(const std::string& worker_id) const;  // all received
  const std::deque<HeartbeatRecord>& heartbeats(const std::string& worker_id) const;  // the latest ones
  std::size_t unknown_worker_heartbeats() const { return unknown_worker_heartbeats_; }

  // Completes when worker_id has sent n heartbeats, or at the deadline. While worker_id
  // is the only worker expected, a heartbeat the hive refuses ends the wait at once: an
  // invalid payload names no worker, so it can only be that worker's, and it will not
  // get better by waiting (it is counted from before the wait, too).
  asio::awaitable<HeartbeatWait> wait_heartbeats(std::string worker_id, std::size_t n,
                                                 std::chrono::steady_clock::time_point deadline);

  // The latest max_log entries; when more came, the first is a Kind::dropped entry
  // counting the ones let go.
  const std::deque<HiveLogEntry>& log() const { return log_; }
  // Every entry ever, grouped (hive/log.hpp): exact counts, bounded in size.
  std::vector<HiveLogGroup> grouped_log() const { return grouped_.groups(); }
  // Every request refused: by the HTTP layer (400, 408, 413, 431, 503), by the routes
  // (404, 405) or by the heartbeat route (400).
  HiveRefusals refusals() const;
  void stop();

 private:
  MockHive(asio::any_io_executor ex);
  http::Response on_heartbeat(const http::Request& req);
  void add_log(HiveLogEntry e);
  void refused(HiveLogEntry e);
  HeartbeatWait ended(HeartbeatWait::Outcome outcome) const;

  asio::any_io_executor ex_;
  std::unique_ptr<http::Server> server_;
  std::map<std::string, std::deque<HeartbeatRecord>> records_;  // the latest, bounded
  std::map<std::string, std::size_t> totals_;                      // every one ever received
  std::map<std::string, bool> expected_;
  std::size_t unknown_worker_heartbeats_ = 0;
  std::optional<HeartbeatWait> first_rejection_;
  std::deque<HiveLogEntry> log_;
  HiveLogGrouper grouped_;
  HiveLogGrouper refusal_kinds_{HiveRefusals::kinds_kept};
  Pulse arrived_;
};

}  // namespace hivetest::hive
