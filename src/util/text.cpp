// The one sanitizer for every byte a worker or a client sends before a person sees it: valid UTF-8, no controls, bounded.
#include "hivetest/util/text.hpp"

#include <fmt/format.h>

namespace hivetest {

Utf8Char next_utf8(std::string_view s) {
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  if (s.empty()) return {};
  unsigned char c = b(0);
  if (c < 0x80) return {1, c};
  if (c >= 0xC2 && c <= 0xDF) {
    if (!cont(1)) return {};
    return {2, static_cast<char32_t>(((c & 0x1F) << 6) | (b(1) & 0x3F))};
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return {};
    if (c == 0xE0 && b(1) < 0xA0) return {};  // overlong
    if (c == 0xED && b(1) > 0x9F) return {};  // surrogates
    return {3, static_cast<char32_t>(((c & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F))};
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return {};
    if (c == 0xF0 && b(1) < 0x90) return {};  // overlong
    if (c == 0xF4 && b(1) > 0x8F) return {};  // past U+10FFFF
    return {4, static_cast<char32_t>(((c & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) |
                                     (b(3) & 0x3F))};
  }
  return {};
}

bool is_control(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

std::string cut_marker(std::size_t bytes_left) { return fmt::format("… [{} more bytes]", bytes_left); }

std::string printable(std::string_view bytes, std::size_t max_bytes) {
  const char* const replacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(std::min(bytes.size(), max_bytes) + 8);
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (out.size() >= max_bytes) {
      out += cut_marker(bytes.size() - i);
      break;
    }
    auto ch = next_utf8(bytes.substr(i));
    if (ch.length == 0) {
      out += replacement;
      ++i;
      continue;
    }
    if (ch.code_point == '\t') {
      out += "    ";
    } else if (ch.code_point == 0xFFFE || ch.code_point == 0xFFFF) {
      out += replacement;
    } else if (is_control(ch.code_point)) {
      out += ch.code_point < 0x80 ? fmt::format("\\x{:02x}", static_cast<unsigned>(ch.code_point))
                                  : fmt::format("\\u{:04x}", static_cast<unsigned>(ch.code_point));
    } else {
      out.append(bytes.substr(i, ch.length));
    }
    i += ch.length;
  }
  return out;
}

}  // namespace hivetest
