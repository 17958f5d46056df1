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
#include "hivetest/http/server.hpp"
#include "hivetest/util/event.hpp"

namespace hivetest::hive {

struct HeartbeatRecord {
  Heartbeat heartbeat;
  std::string path;
  std::chrono::steady_clock::time_point at;
  std::chrono::system_clock::time_point wall;
};

// What the hive saw, for the log shown at the end of a run.
struct HiveLogEntry {
  enum class Kind { heartbeat, rejected, unknown_path, unknown_worker };
  Kind kind;
  std::chrono::system_clock::time_point wall;
  std::string worker_id;  // for heartbeats
  std::size_t number = 0; // the heartbeat's number for its worker
  std::string text;       // the reason, or the method and path
};

// How a wait for heartbeats ended.
struct HeartbeatWait {
  enum class Outcome { received, deadline, rejected };
  Outcome outcome = Outcome::received;
  std::string reason;  // when rejected: why the hive answered 400
  std::string body;    // when rejected: the start of the body it refused
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

  const std::deque<HiveLogEntry>& log() const { return log_; }
  void stop();

 private:
  MockHive(asio::any_io_executor ex);
  http::Response on_heartbeat(const http::Request& req);
  void add_log(HiveLogEntry e);

  asio::any_io_executor ex_;
  std::unique_ptr<http::Server> server_;
  std::map<std::string, std::deque<HeartbeatRecord>> records_;  // the latest, bounded
  std::map<std::string, std::size_t> totals_;                      // every one ever received
  std::map<std::string, bool> expected_;
  std::size_t unknown_worker_heartbeats_ = 0;
  std::optional<HeartbeatWait> first_rejection_;
  std::deque<HiveLogEntry> log_;
  Pulse arrived_;
};

}  // namespace hivetest::hive
