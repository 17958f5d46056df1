// libFuzzer target: the response parser (chunked, Content-Length or until close bodies, stored or streamed)
// gives the same responses however the bytes are split.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_messages.hpp"
#include "hivetest/http/parser.hpp"

using namespace hivetest::http;

namespace {

// The client's loop: one response after another, the body stored or sent to a sink as
// a streamed answer's is; the end of input is the peer closing.
std::string parse(std::string_view input, std::size_t piece_size, bool streamed) {
  MessageParser parser(MessageParser::Kind::response, hivetest::fuzz::small_limits());
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
  auto fed = hivetest::fuzz::feed_pieces(parser, input, piece_size, [&] {
    if (parser.body().size() > 512) std::abort();
    take();
  });
  if (fed == ParseStatus::error) return outcome + "error";  // the code may depend on the split, as for requests
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
