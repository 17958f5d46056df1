// The streams being written now, for the faults that reach from one into others (cross-talk, cancel-kills-others).
#pragma once

#include <list>
#include <string>
#include <vector>

#include "log.hpp"

namespace reference_worker {

// One running stream as the others see it.
struct RunningStream {
  std::string job_id;
  std::vector<std::string> handed_over;  // cross-talk: other streams' events, written before its next own
  bool crossed = false;                  // cross-talk: it has handed a token over (logged once)
  bool cut_off = false;                  // cancel-kills-others: broken off for another client's leaving
};

class RunningStreams {
 public:
  RunningStreams(Log& log, bool cross_talk, bool cancel_kills_others)
      : log_(log), cross_talk_(cross_talk), cancel_kills_others_(cancel_kills_others) {}

  // A stream's place among the running ones, from its first event until it ends.
  class Entry {
   public:
    Entry(RunningStreams& all, std::string job_id);
    ~Entry();
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;
    RunningStream* operator->() const { return &*it_; }
    RunningStream& operator*() const { return *it_; }

   private:
    RunningStreams& all_;
    std::list<RunningStream>::iterator it_;
  };

  // Turns `events`, the events of token number `token` (from 1) of stream `s`, into what
  // `s` is to write now: what other streams handed it, then its own events, unless
  // cross-talk hands those to the oldest other running stream (every second token). Not
  // a ring: streams that pass tokens round a ring in step keep their indices in order,
  // and a tester that reads only indices would not see it.
  void route_token(RunningStream& s, int token, std::vector<std::string>& events);

  // The client of `s` has gone. True when cancel-kills-others breaks off other running
  // streams: they are marked cut_off, and their connections are to be cut.
  bool client_left(const RunningStream& s);

 private:
  // The running stream that started first, s aside; nullptr when s runs alone.
  RunningStream* oldest_other(const RunningStream& s);

  Log& log_;
  bool cross_talk_;
  bool cancel_kills_others_;
  std::list<RunningStream> streams_;  // in the order they started
};

}  // namespace reference_worker
