// Inference jobs accepted by POST /v1/inference (v2) whose stream has not been fetched yet.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "inference_request.hpp"

namespace reference_worker {

// Bounded: a client that creates jobs and never fetches them cannot grow it; when full,
// the oldest unclaimed job makes room.
class PendingJobs {
 public:
  explicit PendingJobs(std::size_t capacity) : capacity_(capacity) {}

  bool contains(std::string_view job_id) const;
  // Returns the id of the job dropped to make room, if any.
  std::optional<std::string> add(InferenceRequest job);
  // A job's stream can be fetched once: taking it removes it.
  std::optional<InferenceRequest> take(std::string_view job_id);

 private:
  std::size_t capacity_;
  std::deque<InferenceRequest> jobs_;  // oldest first
};

}  // namespace reference_worker
