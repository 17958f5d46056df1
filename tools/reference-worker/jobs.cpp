// Inference jobs accepted by POST /v1/inference (v2) whose stream has not been fetched yet.
#include "jobs.hpp"

#include <algorithm>

namespace reference_worker {

bool PendingJobs::contains(std::string_view job_id) const {
  return std::any_of(jobs_.begin(), jobs_.end(), [&](const auto& j) { return j.job_id == job_id; });
}

std::optional<std::string> PendingJobs::add(InferenceRequest job) {
  std::optional<std::string> dropped;
  if (jobs_.size() >= capacity_) {
    dropped = std::move(jobs_.front().job_id);
    jobs_.pop_front();
  }
  jobs_.push_back(std::move(job));
  return dropped;
}

std::optional<InferenceRequest> PendingJobs::take(std::string_view job_id) {
  auto it = std::find_if(jobs_.begin(), jobs_.end(), [&](const auto& j) { return j.job_id == job_id; });
  if (it == jobs_.end()) return std::nullopt;
  InferenceRequest job = std::move(*it);
  jobs_.erase(it);
  return job;
}

}  // namespace reference_worker
