// libFuzzer target: the request parser, fed as the server feeds it, gives the same requests however the bytes are split.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_messages.hpp"
#include "hivetest/http/parser.hpp"

using namespace hivetest::http;

namespace {

// The server's loop, whole or in pieces: every request, or the error that ends them.
std::string parse(std::string_view input, std::size_t piece_size) {
  MessageParser parser(MessageParser::Kind::request, hivetest::fuzz::small_limits());
  std::string outcome;
  auto status = hivetest::fuzz::feed_pieces(parser, input, piece_size, [&] {
    Request r = parser.take_request();
    parser.next();
    outcome += r.method + ' ' + r.target + ' ' + std::to_string(r.headers.size()) + ' ';
    for (const auto& h : r.headers) outcome += h.name + ':' + h.value + '\n';
    outcome += r.body + (r.keep_alive ? " keep\n" : " close\n");
    if (r.body.size() > 512 || r.headers.size() > 8) std::abort();
  });
  if (status == ParseStatus::error) {
    int code = parser.error_status();
    if (code != 400 && code != 413 && code != 431) std::abort();
    // Which code a message with two faults gets may depend on the split (llhttp
    // reports a span when it ends or when the input does): only that it failed counts.
    return outcome + "error";
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
