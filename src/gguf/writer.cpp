// Writes small GGUF v3 files (metadata and F32 tensors) for test fixtures and the bundled tiny model.
#include "hivetest/gguf/gguf.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "hivetest/gguf/types.hpp"

namespace hivetest::gguf {
namespace {

// Appends little-endian values whatever the host byte order, so the bytes are the same
// everywhere.
class Buffer {
 public:
  void u32(uint32_t v) { le(v, 4); }
  void u64(uint64_t v) { le(v, 8); }
  void str(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  void f32(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    u32(bits);
  }
  void pad_to(uint64_t alignment) { out_.append((alignment - out_.size() % alignment) % alignment, '\0'); }
  void append(std::string_view bytes) { out_.append(bytes); }
  void reserve(size_t n) { out_.reserve(n); }
  size_t size() const { return out_.size(); }
  std::string take() { return std::move(out_); }

 private:
  void le(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string out_;
};

// The metadata section, counting its entries as they are added.
class Metadata {
 public:
  void string(std::string_view key, std::string_view value) {
    begin(key, STRING);
    buf_.str(value);
  }
  void u32(std::string_view key, uint32_t value) {
    begin(key, UINT32);
    buf_.u32(value);
  }
  void strings(std::string_view key, const std::vector<std::string>& values) {
    begin(key, ARRAY);
    buf_.u32(STRING);
    buf_.u64(values.size());
    for (const auto& v : values) buf_.str(v);
  }
  uint64_t count() const { return count_; }
  std::string take() { return buf_.take(); }

 private:
  void begin(std::string_view key, uint32_t type) {
    buf_.str(key);
    buf_.u32(type);
    ++count_;
  }
  Buffer buf_;
  uint64_t count_ = 0;
};

uint64_t element_count(const TensorSpec& t) {
  if (t.shape.size() > max_dims)
    throw std::invalid_argument(fmt::format("tensor {} has {} dimensions, GGUF allows {}", t.name, t.shape.size(), max_dims));
  uint64_t n = 1;
  for (uint64_t d : t.shape)
    if (__builtin_mul_overflow(n, d, &n)) throw std::invalid_argument("tensor " + t.name + " is too large");
  return n;
}

// Layers are the "blk.N." tensors; the highest N says how many there are.
uint32_t block_count(const std::vector<TensorSpec>& tensors) {
  uint32_t blocks = 0;
  for (const auto& t : tensors) {
    std::string_view name = t.name;
    if (name.substr(0, 4) != "blk.") continue;
    uint32_t n = 0;
    size_t i = 4;
    for (; i < name.size() && i < 13 && name[i] >= '0' && name[i] <= '9'; ++i) n = n * 10 + (name[i] - '0');
    if (i > 4 && i < name.size() && name[i] == '.') blocks = std::max(blocks, n + 1);
  }
  return blocks;
}

// The width of the token embedding is the model's embedding length.
uint32_t embedding_length(const std::vector<TensorSpec>& tensors) {
  for (const auto& t : tensors)
    if (t.name == "token_embd.weight" && !t.shape.empty() && t.shape[0] <= UINT32_MAX)
      return static_cast<uint32_t>(t.shape[0]);
  return 0;
}

std::optional<uint32_t> token_id(const std::vector<std::string>& tokens, std::string_view text) {
  for (size_t i = 0; i < tokens.size() && i <= UINT32_MAX; ++i)
    if (tokens[i] == text) return static_cast<uint32_t>(i);
  return std::nullopt;
}

std::string metadata(const WriteSpec& spec, uint64_t* count) {
  Metadata md;
  md.string("general.architecture", spec.architecture);
  md.string("general.name", spec.name);
  md.u32("general.file_type", 0);  // LLAMA_FTYPE_ALL_F32
  md.u32("general.alignment", spec.alignment);
  md.u32(spec.architecture + ".context_length", spec.context_length);
  md.u32(spec.architecture + ".embedding_length", embedding_length(spec.tensors));
  md.u32(spec.architecture + ".block_count", block_count(spec.tensors));
  if (!spec.tokens.empty()) {
    md.string("tokenizer.ggml.model", spec.tokenizer_model);
    md.strings("tokenizer.ggml.tokens", spec.tokens);
    if (auto id = token_id(spec.tokens, "<s>")) md.u32("tokenizer.ggml.bos_token_id", *id);
    if (auto id = token_id(spec.tokens, "</s>")) md.u32("tokenizer.ggml.eos_token_id", *id);
    if (auto id = token_id(spec.tokens, "<unk>")) md.u32("tokenizer.ggml.unknown_token_id", *id);
  }
  *count = md.count();
  return md.take();
}

}  // namespace

std::string write_bytes(const WriteSpec& spec) {
  uint32_t align = spec.alignment;
  if (align == 0 || (align & (align - 1)) != 0)
    throw std::invalid_argument(fmt::format("alignment {} is not a power of two", align));

  // Offsets are relative to the start of the data section; each tensor starts aligned.
  std::vector<uint64_t> offsets;
  uint64_t data_size = 0;
  for (const auto& t : spec.tensors) {
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(element_count(t), uint64_t{4}, &bytes) ||
        __builtin_add_overflow(data_size, (align - data_size % align) % align, &data_size))
      throw std::invalid_argument("tensor " + t.name + " is too large");
    offsets.push_back(data_size);
    if (__builtin_add_overflow(data_size, bytes, &data_size)) throw std::invalid_argument("tensors are too large");
  }

  uint64_t kv_count = 0;
  std::string kv = metadata(spec, &kv_count);

  Buffer out;
  out.append("GGUF");
  out.u32(3);
  out.u64(spec.tensors.size());
  out.u64(kv_count);
  out.append(kv);
  for (size_t i = 0; i < spec.tensors.size(); ++i) {
    const auto& t = spec.tensors[i];
    out.str(t.name);
    out.u32(static_cast<uint32_t>(t.shape.size()));
    for (uint64_t d : t.shape) out.u64(d);
    out.u32(ggml_type_f32);
    out.u64(offsets[i]);
  }
  out.pad_to(align);
  out.reserve(out.size() + data_size + align);

  // A fixed LCG rather than <random>: its output is specified to the bit, so the file is
  // the same on every platform and library.
  uint32_t state = 0x2545f491;
  for (const auto& t : spec.tensors) {
    out.pad_to(align);
    for (uint64_t i = element_count(t); i > 0; --i) {
      state = state * 1664525u + 1013904223u;
      out.f32((static_cast<float>(state >> 8) / 16777216.0f - 0.5f) * 0.25f);
    }
  }
  out.pad_to(align);
  return out.take();
}

bool write_file(const std::string& path, const WriteSpec& spec, std::string* error) {
  auto fail = [&](std::string message) {
    if (error) *error = std::move(message);
    return false;
  };
  std::string bytes;
  try {
    bytes = write_bytes(spec);
  } catch (const std::exception& e) {
    return fail(fmt::format("cannot write {}: {}", path, e.what()));
  }
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return fail(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  int saved = errno;
  if (std::fclose(f) != 0 && ok) {
    ok = false;
    saved = errno;
  }
  if (!ok) return fail(fmt::format("cannot write {}: {}", path, std::strerror(saved)));
  return true;
}

}  // namespace hivetest::gguf
