// The open-descriptor limit: raised for hivetest, which holds several per worker, and
// given back to each worker as it was.
#pragma once

#include <optional>

#include <sys/resource.h>

namespace hivetest::process {

// Raises this process's soft RLIMIT_NOFILE to its hard limit (a few descriptors per worker
// add up past the usual 1024 at a few hundred workers). Returns the limit as it was, for
// the workers, when it was raised; nullopt when it was at the hard limit already or cannot
// be read.
std::optional<rlimit> raise_descriptor_limit();

}  // namespace hivetest::process
