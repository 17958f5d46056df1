// libFuzzer target: the SSE parser gives the same events however the stream is split.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_pieces.hpp"
#include "hivetest/http/sse.hpp"

using namespace hivetest::http;

namespace {

std::string parse(std::string_view input, std::size_t piece_size) {
  SseParser parser(64, 256);  // small limits, so that short inputs reach them
  std::string outcome;
  auto sink = [&outcome](const SseEvent& e) {
    if (e.data.size() > 256) std::abort();
    outcome += e.event + '\0' + e.data + '\0' + e.id + '\0' + std::to_string(e.retry_ms.value_or(-1)) + '\n';
  };
  for (std::string_view piece : hivetest::fuzz::pieces(input, piece_size))
    if (!parser.feed(piece, sink)) break;
  parser.finish();
  return outcome + (parser.failed() ? "failed" : "end");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (parse(input, input.size()) != parse(input, 1 + data[0] % 16)) std::abort();
  return 0;
}
