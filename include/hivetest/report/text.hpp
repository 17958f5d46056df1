// Making bytes from a worker safe to show: valid UTF-8, no control characters, bounded.
#pragma once

#include <string>
#include <string_view>

namespace hivetest::report {

// Invalid UTF-8 becomes U+FFFD; control bytes (ESC, NUL, CR, …) become \xNN so that
// nothing a worker prints can move a cursor or break a line; cut past max_bytes with "…".
std::string printable(std::string_view bytes, std::size_t max_bytes = 4096);

}  // namespace hivetest::report
