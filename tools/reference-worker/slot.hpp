// The one generation slot of the ignore-disconnect fault: answers generate one at a time, in the order they came.
#pragma once

#include <cstddef>
#include <list>
#include <string>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "hivetest/util/event.hpp"
#include "log.hpp"

namespace reference_worker {

class Slot {
 public:
  // Without one_at_a_time every answer has the slot at once, as many as come.
  Slot(asio::any_io_executor ex, Log& log, bool one_at_a_time) : log_(log), one_at_a_time_(one_at_a_time), changed_(ex) {}

  // An answer's place in the line, from when it comes until it is done, however it ends;
  // the first place holds the slot.
  class Place {
   public:
    explicit Place(Slot& slot);
    ~Place();
    Place(const Place&) = delete;
    Place& operator=(const Place&) = delete;

   private:
    friend class Slot;
    Slot& slot_;
    std::list<const Place*>::iterator it_;
  };

  // Waits until `place` holds the slot; false when `shutdown` is set first.
  asio::awaitable<bool> wait_turn(const Place& place, std::string job_id, hivetest::Event& shutdown);

 private:
  Log& log_;
  bool one_at_a_time_;
  std::list<const Place*> line_;
  hivetest::Pulse changed_;  // a place was left
};

}  // namespace reference_worker
