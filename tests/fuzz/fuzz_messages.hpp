// Feeds an HTTP message parser piece by piece as the server and the client do, for the parser targets.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_pieces.hpp"
#include "hivetest/http/parser.hpp"

namespace hivetest::fuzz {

// Small limits, so that the fuzzer reaches them.
inline http::Limits small_limits() {
  http::Limits l;
  l.max_head = 256;
  l.max_headers = 8;
  l.max_body = 512;
  return l;
}

// Parses what has arrived, stops at each head and each message (calling on_message),
// keeps the unparsed tail for the next read. Returns error at the first error, else
// need_more once every piece is used.
template <typename OnMessage>
http::ParseStatus feed_pieces(http::MessageParser& parser, std::string_view input, std::size_t piece_size,
                              OnMessage on_message) {
  std::string buf;
  std::size_t pos = 0;
  for (std::string_view piece : pieces(input, piece_size)) {
    buf.erase(0, pos);
    pos = 0;
    buf.append(piece);
    for (;;) {
      std::size_t used = 0;
      auto status = parser.feed(std::string_view(buf).substr(pos), used);
      if (used > buf.size() - pos) std::abort();
      pos += used;
      if (status == http::ParseStatus::need_more) break;
      if (status == http::ParseStatus::head_done) continue;
      if (status == http::ParseStatus::error) return status;
      on_message();
    }
  }
  return http::ParseStatus::need_more;
}

}  // namespace hivetest::fuzz
