// The streams being written now, for the faults that reach from one into others (cross-talk, cancel-kills-others).
#include "running_streams.hpp"

#include <fmt/format.h>

namespace reference_worker {

RunningStreams::Entry::Entry(RunningStreams& all, std::string job_id)
    : all_(all), it_(all.streams_.insert(all.streams_.end(), RunningStream{.job_id = std::move(job_id)})) {}

RunningStreams::Entry::~Entry() { all_.streams_.erase(it_); }

RunningStream* RunningStreams::oldest_other(const RunningStream& s) {
  for (auto& r : streams_)
    if (&r != &s) return &r;
  return nullptr;
}

void RunningStreams::route_token(RunningStream& s, int token, std::vector<std::string>& events) {
  if (!cross_talk_) return;  // then nothing is ever handed over
  std::vector<std::string> own = std::move(events);
  events = std::move(s.handed_over);
  s.handed_over.clear();
  RunningStream* to = token % 2 == 0 ? oldest_other(s) : nullptr;
  if (!to) {
    for (auto& e : own) events.push_back(std::move(e));
    return;
  }
  if (!s.crossed)
    log_("job {}: fault cross-talk: token {} goes to the stream of job {}, and every second token after it to the "
         "oldest other running stream",
         s.job_id, token, to->job_id);
  s.crossed = true;
  for (auto& e : own) to->handed_over.push_back(std::move(e));
}

bool RunningStreams::client_left(const RunningStream& s) {
  if (!cancel_kills_others_) return false;
  std::vector<std::string> names;
  for (auto& other : streams_) {
    if (&other == &s || other.cut_off) continue;
    other.cut_off = true;
    names.push_back(other.job_id);
  }
  if (names.empty()) return false;
  log_("job {}: fault cancel-kills-others: its client left, so the {} other running stream(s) are broken off: {}",
       s.job_id, names.size(), fmt::join(names, ", "));
  return true;
}

}  // namespace reference_worker
