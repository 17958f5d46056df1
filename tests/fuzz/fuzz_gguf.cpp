// libFuzzer target: the GGUF reader on any bytes: a model or a failure with a message, nothing else.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hivetest/gguf/gguf.hpp"

using namespace hivetest::gguf;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ReadOptions opts;
  opts.tokens = true;
  opts.max_tokens = 1000;  // small limits, so that short inputs reach them
  opts.max_string = 1000;
  opts.max_array = 1000;
  opts.max_tensors = 100;
  opts.max_kv = 100;
  auto result = read_bytes(bytes, opts, "fuzz.gguf");
  if (!result) {
    if (result.error.empty()) std::abort();
    return 0;
  }
  const Model& m = result.model;
  if (m.tokens.size() != m.vocab_size || m.file_size != size || (m.version != 2 && m.version != 3)) std::abort();
  if (summary_line("fuzz.gguf", m).empty()) std::abort();
  return 0;
}
