// The grandchild faults: a process the worker starts that keeps running, as a leaked helper would.
#pragma once

#include <string>

#include <sys/types.h>

namespace reference_worker {

// Forks a process that only waits for a signal to end it. It keeps the worker's stdout and
// stderr (and no other descriptor) and, when leave_group, calls setsid so that signalling
// the worker's process group misses it. Returns its pid, or -1 with `error` set.
pid_t start_grandchild(bool leave_group, bool ignore_sigterm, std::string& error);

}  // namespace reference_worker
