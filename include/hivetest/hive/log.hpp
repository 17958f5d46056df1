// What the mock hive saw, as plain data: its log entries, the requests it refused, the grouped view.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace hivetest::hive {

// One thing the hive saw. A refusal (rejected, unknown_path, refused) carries the status
// and what is known of the request; `text` is the reason.
struct HiveLogEntry {
  enum class Kind {
    heartbeat,       // accepted from an expected worker (or from any, while none is expected)
    rejected,        // a heartbeat the hive answered 400: not valid JSON, or no worker id
    unknown_path,    // 404: no route
    unknown_worker,  // accepted and answered 200, but from a worker id nobody expected
    refused,         // the HTTP layer refused or cut a request (400, 408, 413, 431, 503), or 405
    dropped,         // not a request: `number` earlier entries were let go by the bounded log
  };
  Kind kind;
  std::chrono::system_clock::time_point wall;
  std::string worker_id;  // for heartbeats
  std::size_t number = 0; // the heartbeat's number for its worker; for `dropped`, how many entries
  std::string text;       // the reason, or the method and path
  int status = 0;         // the status answered (a cut connection's is 408: nothing was sent)
  std::string method;     // when known
  std::string path;       // when known
  std::string peer;       // address:port, when known
};

// Whether an entry stands for a request the hive refused.
bool is_refusal(HiveLogEntry::Kind kind);

// Repeats of one kind of entry, collapsed: the same kind from the same worker id, with
// the same status, method and path (a refusal's reason may vary; the first is kept).
struct HiveLogGroup {
  HiveLogEntry first;     // the group's first entry; first.wall is when it came
  std::size_t count = 0;  // entries in the group; for Kind::dropped, entries not kept
  std::chrono::system_clock::time_point last_wall;  // when the latest came
  std::size_t last_number = 0;                      // heartbeats: the latest one's number
};

// Groups entries as they come, bounded: past max_groups, an entry of a new group only
// adds to the dropped count. The hive feeds every entry to one, so that its counts are
// exact however much its bounded log let go.
class HiveLogGrouper {
 public:
  explicit HiveLogGrouper(std::size_t max_groups = 1000) : max_groups_(max_groups) {}
  void add(const HiveLogEntry& e);
  const std::vector<HiveLogGroup>& kept() const { return groups_; }  // in the order their first entry came
  std::size_t dropped() const { return dropped_.count; }
  // kept(), after a Kind::dropped group when anything was dropped.
  std::vector<HiveLogGroup> groups() const;

 private:
  using Key = std::tuple<HiveLogEntry::Kind, std::string, int, std::string, std::string>;
  std::size_t max_groups_;
  std::vector<HiveLogGroup> groups_;
  std::map<Key, std::size_t> index_;  // key -> position in groups_
  HiveLogGroup dropped_{.first = {.kind = HiveLogEntry::Kind::dropped}};
};

// The grouped view of entries as SuiteResult::hive_log holds them (a leading
// Kind::dropped entry, there when the bounded log overflowed, becomes the dropped count).
// MockHive::grouped_log() is the same view with exact counts.
std::vector<HiveLogGroup> group_hive_log(const std::vector<HiveLogEntry>& entries);

// The requests the hive refused: how many, and the first few kinds of refusal (by
// status, method and path), each with its count.
struct HiveRefusals {
  static constexpr std::size_t kinds_kept = 5;
  std::size_t total = 0;
  std::vector<HiveLogGroup> first;  // at most kinds_kept, in the order they first came
};

// "the hive refused 3 requests: 413 body of … bytes over the limit of … (POST /v1/heartbeat) ×2;
// 404 no route (GET /x)", naming at most `shown` kinds; empty when none was refused.
std::string describe(const HiveRefusals& refusals, std::size_t shown = 3);

}  // namespace hivetest::hive
