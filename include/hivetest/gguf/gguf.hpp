// Reading GGUF model headers and metadata, and writing small GGUF files for fixtures.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hivetest::gguf {

// What went wrong reading a file; `none` when the read succeeded.
enum class Failure { none, missing, unreadable, not_gguf, unsupported_version, truncated, malformed };

struct Model {
  uint32_t version = 0;
  uint64_t tensor_count = 0;
  uint64_t kv_count = 0;
  std::string architecture;   // general.architecture, "" if absent
  std::string name;           // general.name, "" if absent
  std::optional<uint32_t> file_type;  // general.file_type
  std::string file_type_name;  // "F32", "Q4_K_M", ... or "" when unknown
  uint64_t parameter_count = 0;  // sum over tensors of the product of their dimensions
  uint64_t vocab_size = 0;       // length of tokenizer.ggml.tokens, 0 if absent
  uint64_t file_size = 0;        // bytes on disk (or of the buffer read)
  std::vector<std::string> tokens;  // filled only when asked for (ReadOptions::tokens)
  uint32_t alignment = 32;       // general.alignment
  std::string tokenizer_model;   // tokenizer.ggml.model, "" if absent
  // <architecture>.context_length / .embedding_length / .block_count, 0 if absent.
  uint64_t context_length = 0;
  uint64_t embedding_length = 0;
  uint64_t block_count = 0;
  std::optional<uint32_t> bos_token_id;  // tokenizer.ggml.bos_token_id
  std::optional<uint32_t> eos_token_id;  // tokenizer.ggml.eos_token_id
};

struct ReadOptions {
  bool tokens = false;              // also keep the vocabulary strings
  uint64_t max_tokens = 1 << 20;    // refuse vocabularies larger than this
  uint64_t max_string = 1 << 20;    // refuse any single string longer than this
  uint64_t max_array = 1 << 24;     // refuse any array longer than this
  uint64_t max_tensors = 1 << 20;
  uint64_t max_kv = 1 << 16;
};

struct ReadResult {
  Failure failure = Failure::none;
  std::string error;          // human-readable, names the path and what was wrong
  Model model;                // valid only when failure == none
  explicit operator bool() const { return failure == Failure::none; }
};

// Reads the header, the metadata and the tensor infos (never the tensor data).
ReadResult read_file(const std::string& path, const ReadOptions& opts = {});
// `name` stands in for the path in error messages.
ReadResult read_bytes(std::string_view bytes, const ReadOptions& opts = {},
                      std::string_view name = "<memory>");

// "4.2 M params", "1.1 B params" style; "17 MiB" style.
std::string format_params(uint64_t count);
std::string format_bytes(uint64_t bytes);
// One-line summary: "tiny.gguf (GGUF v3, llama, 4.2 M params, F32, 17 MiB)".
std::string summary_line(const std::string& file_name, const Model& m);

// Short name of a llama.cpp LLAMA_FTYPE value ("F32", "Q4_K_M", ...), "" when unknown.
std::string ftype_name(uint32_t file_type);

// A small GGUF v3 file: metadata, F32 tensors with deterministic contents.
struct TensorSpec {
  std::string name;
  std::vector<uint64_t> shape;
};
struct WriteSpec {
  std::string architecture = "llama";
  std::string name = "hivetest-tiny";
  std::vector<std::string> tokens;     // tokenizer.ggml.tokens
  std::vector<TensorSpec> tensors;
  uint32_t alignment = 32;
  std::string tokenizer_model = "llama";  // tokenizer.ggml.model
  uint32_t context_length = 2048;         // <architecture>.context_length
};
// Throws std::invalid_argument for a spec GGUF cannot hold (a tensor with more than
// four dimensions, an alignment that is not a power of two, sizes that overflow).
std::string write_bytes(const WriteSpec& spec);
bool write_file(const std::string& path, const WriteSpec& spec, std::string* error = nullptr);

}  // namespace hivetest::gguf
