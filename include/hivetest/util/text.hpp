// The one sanitizer for every byte a worker or a client sends before a person sees it: valid UTF-8, no controls, bounded.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hivetest {

// The UTF-8 sequence at the start of `bytes`: its length (0 when it is not a valid,
// shortest-form sequence) and the code point it encodes.
struct Utf8Char {
  std::size_t length = 0;
  char32_t code_point = 0;
};
Utf8Char next_utf8(std::string_view bytes);

// Code points no report should carry raw: C0 and C1 controls, DEL, the noncharacters
// U+FFFE and U+FFFF (which XML 1.0 forbids), and the bidirectional and line-separator
// controls (U+202A–U+202E, U+2066–U+2069, U+2028, U+2029) that reorder or break what a
// terminal shows.
bool is_control(char32_t cp);

// What a report appends where it cut text short.
std::string cut_marker(std::size_t bytes_left);

// Invalid UTF-8 and U+FFFE/U+FFFF become U+FFFD; control characters (ESC, NUL, CR, C1, …)
// become \xNN or \uNNNN so that nothing a worker prints can move a cursor or break a
// line; cut past max_bytes with a marker. The result is valid XML 1.0 character data.
std::string printable(std::string_view bytes, std::size_t max_bytes = 4096);

}  // namespace hivetest
