// libFuzzer target: the response parser (chunked, Content-Length or until close bodies, stored or streamed)
// gives the same responses however the bytes are split.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_pieces.hpp"
#include "hivetest/http/parser.hpp"

using namespace hivetest::http;

namespace {

Limits small_limits() {
  Limits l;
  l.max_head = 256;
  l.max_headers = 8;
  l.max_body = 512;
  return l;
}

// The client's loop: one response after another, the body stored or sent to a sink as
// a streamed answer's is; the end of input is the peer closing.
std::string parse(std::string_view input, std::size_t piece_size, bool streamed) {
  MessageParser parser(MessageParser::Kind::response, small_limits());
  std::string outcome, sunk;
  if (streamed)
    parser.set_body_sink([&sunk](std::string_view chunk) {
      sunk.append(chunk);
      return sunk.size() <= 4096;  // a reader that gives up, as the client's can
    });
  auto take = [&] {
    outcome += std::to_string(parser.status()) + ' ' + std::to_string(parser.headers().size()) + ' ' +
               parser.body() + '|' + sunk + '\n';
    sunk.clear();
    parser.next();
  };
  std::string buf;
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
      if (status == ParseStatus::error) return outcome + "error";  // the code may depend on the split, as for requests
      if (parser.body().size() > 512) std::abort();
      take();
    }
  }
  auto status = parser.finish();
  if (status == ParseStatus::message_done) take();
  return outcome + (status == ParseStatus::error ? "cut" : "end");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  bool streamed = data[0] & 0x80;
  if (parse(input, input.size(), streamed) != parse(input, 1 + data[0] % 16, streamed)) std::abort();
  return 0;
}
