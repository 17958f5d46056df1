// The open-descriptor limit: raised for hivetest, which holds several per worker, and
// given back to each worker as it was.
#include "hivetest/process/descriptor_limit.hpp"

namespace hivetest::process {

std::optional<rlimit> raise_descriptor_limit() {
  rlimit was{};
  if (::getrlimit(RLIMIT_NOFILE, &was) != 0 || was.rlim_cur == was.rlim_max) return std::nullopt;
  rlimit raised = was;
  raised.rlim_cur = was.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) return std::nullopt;
  return was;
}

}  // namespace hivetest::process
