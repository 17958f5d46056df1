// Wall-clock timestamps as the protocol writes them.
#pragma once

#include <string>

namespace reference_worker {

// RFC 3339 in UTC with milliseconds: "2024-05-01T10:54:23.123Z".
std::string rfc3339_now();

}  // namespace reference_worker
