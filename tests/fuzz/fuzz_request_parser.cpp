// libFuzzer target: the request parser, fed as the server feeds it, gives the same requests however the bytes are split.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_pieces.hpp"
#include "hivetest/http/parser.hpp"

using namespace hivetest::http;

namespace {

// Small limits, so that inputs of a few hundred bytes reach them.
Limits small_limits() {
  Limits l;
  l.max_head = 256;
  l.max_headers = 8;
  l.max_body = 512;
  return l;
}

// The server's loop: parse what has arrived, stop at each head and each request, keep
// the unparsed tail for the next read.
std::string parse(std::string_view input, std::size_t piece_size) {
  MessageParser parser(MessageParser::Kind::request, small_limits());
  std::string outcome, buf;
  std::size_t pos = 0;
  for (std::string_view piece : hivetest::fuzz::pieces(input, piece_size)) {
    buf.erase(0, pos);
    pos = 0;
    buf.append(piece);
    for (;;) {
      std::size_t used = 0;
      auto status = parser.feed(std::string_view(buf).substr(pos), used);
      if (used > buf.size() - pos) std::abort();
      pos += used;
      if (status == ParseStatus::need_more) break;
      if (status == ParseStatus::head_done) continue;
      if (status == ParseStatus::error) {
        int code = parser.error_status();
        if (code != 400 && code != 413 && code != 431) std::abort();
        // Which code a message with two faults gets may depend on the split (llhttp
        // reports a span when it ends or when the input does): only that it failed counts.
        return outcome + "error";
      }
      Request r = parser.take_request();
      parser.next();
      outcome += r.method + ' ' + r.target + ' ' + std::to_string(r.headers.size()) + ' ';
      for (const auto& h : r.headers) outcome += h.name + ':' + h.value + '\n';
      outcome += r.body + (r.keep_alive ? " keep\n" : " close\n");
      if (r.body.size() > 512 || r.headers.size() > 8) std::abort();
    }
  }
  return outcome + (parser.in_message() ? "cut" : "end");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (parse(input, input.size()) != parse(input, 1 + data[0] % 16)) std::abort();
  return 0;
}
