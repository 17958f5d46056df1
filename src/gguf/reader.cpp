// Reads GGUF headers, metadata and tensor infos, from memory or a file, checking every length.
#include "hivetest/gguf/gguf.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "hivetest/gguf/byte_input.hpp"
#include "hivetest/gguf/types.hpp"

namespace hivetest::gguf {
namespace {

// Keys and tensor names come from the file: keep messages short and printable.
std::string quoted(std::string_view text) {
  constexpr size_t max_shown = 64;
  std::string out = "\"";
  for (size_t i = 0; i < text.size() && i < max_shown; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    out += (c >= 0x20 && c < 0x7f && c != '"') ? static_cast<char>(c) : '?';
  }
  if (text.size() > max_shown) out += "...";
  return out + "\"";
}

// Thrown inside the parser and turned into a ReadResult at the top, so that the parse
// itself reads as a straight line.
struct ParseError {
  Failure failure;
  std::string message;
};

class Parser {
 public:
  Parser(ByteInput& in, const ReadOptions& opts, std::string_view name)
      : in_(in), opts_(opts), name_(name) {}

  Model parse() {
    read_magic();
    where_ = "the header";
    m_.version = read_u32("version");
    check_version();
    m_.tensor_count = read_u64("tensor count");
    m_.kv_count = read_u64("metadata entry count");
    m_.file_size = in_.size();
    if (m_.tensor_count > opts_.max_tensors)
      malformed(fmt::format("tensor count {} is over the limit of {}", m_.tensor_count, opts_.max_tensors));
    if (m_.kv_count > opts_.max_kv)
      malformed(fmt::format("metadata entry count {} is over the limit of {}", m_.kv_count, opts_.max_kv));

    for (uint64_t i = 0; i < m_.kv_count; ++i) read_kv(i);
    for (uint64_t i = 0; i < m_.tensor_count; ++i) read_tensor_info(i);
    check_tensor_data();
    finish();
    return std::move(m_);
  }

 private:
  [[noreturn]] void fail(Failure failure, std::string message) {
    throw ParseError{failure, std::move(message)};
  }

  [[noreturn]] void malformed(const std::string& detail) {
    fail(Failure::malformed, fmt::format("{} is not a valid GGUF file ({}: {})", name_, where_, detail));
  }

  [[noreturn]] void truncated(uint64_t needed, const char* what) {
    if (in_.io_error() != 0)
      fail(Failure::unreadable, fmt::format("cannot read {}: {}", name_, std::strerror(in_.io_error())));
    std::string item = where_.empty() ? std::string(what) : fmt::format("{} of {}", what, where_);
    fail(Failure::truncated, fmt::format("{} is truncated (at offset {}: the {} needs {} bytes, {} left)", name_,
                                         in_.offset(), item, needed, in_.remaining()));
  }

  void read_raw(void* dst, uint64_t n, const char* what) {
    if (!in_.read(dst, n)) truncated(n, what);
  }

  void skip_raw(uint64_t n, const char* what) {
    if (!in_.skip(n)) truncated(n, what);
  }

  template <typename T>
  T read_le(const char* what) {
    unsigned char b[sizeof(T)];
    read_raw(b, sizeof(T), what);
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(b[i]) << (8 * i);
    return v;
  }
  uint32_t read_u32(const char* what) { return read_le<uint32_t>(what); }
  uint64_t read_u64(const char* what) { return read_le<uint64_t>(what); }

  // Checks a count against its limit and against what the remaining bytes could hold,
  // before anything is allocated or looped over because of it.
  void check_count(uint64_t count, uint64_t limit, uint64_t min_item_size, const char* what) {
    if (count > limit) malformed(fmt::format("{} of {} is over the limit of {}", what, count, limit));
    if (min_item_size > 0 && count > in_.remaining() / min_item_size) {
      uint64_t needed = count > std::numeric_limits<uint64_t>::max() / min_item_size
                            ? std::numeric_limits<uint64_t>::max()
                            : count * min_item_size;
      truncated(needed, what);
    }
  }

  uint64_t read_string_length(const char* what) {
    uint64_t len = read_u64(what);
    if (len > opts_.max_string)
      malformed(fmt::format("{} of {} bytes is over the limit of {}", what, len, opts_.max_string));
    if (len > in_.remaining()) truncated(len, what);
    return len;
  }

  std::string read_string(const char* what) {
    uint64_t len = read_string_length(what);
    std::string s(static_cast<size_t>(len), '\0');
    read_raw(s.data(), len, what);
    return s;
  }

  void skip_string(const char* what) { skip_raw(read_string_length(what), what); }

  void read_magic() {
    unsigned char magic[4];
    if (in_.remaining() < sizeof magic)
      fail(Failure::not_gguf, fmt::format("{} is not a GGUF file (only {} bytes, too short for the magic)",
                                          name_, in_.remaining()));
    read_raw(magic, sizeof magic, "magic");
    if (std::memcmp(magic, "GGUF", 4) != 0)
      fail(Failure::not_gguf,
           fmt::format("{} is not a GGUF file (magic is {:02x} {:02x} {:02x} {:02x}, expected 47 47 55 46 \"GGUF\")",
                       name_, magic[0], magic[1], magic[2], magic[3]));
  }

  void check_version() {
    uint32_t v = m_.version;
    if (v == 2 || v == 3) return;
    uint32_t swapped = __builtin_bswap32(v);
    std::string hint = (swapped == 2 || swapped == 3) ? ", and this one looks big-endian" : "";
    fail(Failure::unsupported_version,
         fmt::format("{} has GGUF version {}; only versions 2 and 3 are supported{}", name_, v, hint));
  }

  // An integer of any GGUF integer type; nullopt when it is negative.
  std::optional<uint64_t> read_integer(uint32_t type) {
    switch (type) {
      case UINT8: return read_le<uint8_t>("value");
      case UINT16: return read_le<uint16_t>("value");
      case UINT32: return read_le<uint32_t>("value");
      case UINT64: return read_le<uint64_t>("value");
      case INT8: return non_negative(static_cast<int8_t>(read_le<uint8_t>("value")));
      case INT16: return non_negative(static_cast<int16_t>(read_le<uint16_t>("value")));
      case INT32: return non_negative(static_cast<int32_t>(read_le<uint32_t>("value")));
      case INT64: return non_negative(static_cast<int64_t>(read_le<uint64_t>("value")));
      default: malformed(fmt::format("expected an integer, found {}", type_name(type)));
    }
  }
  static std::optional<uint64_t> non_negative(int64_t v) {
    if (v < 0) return std::nullopt;
    return static_cast<uint64_t>(v);
  }

  uint32_t expect_u32(uint32_t type) {
    if (!is_integer(type)) malformed(fmt::format("expected an integer, found {}", type_name(type)));
    auto v = read_integer(type);
    if (!v || *v > std::numeric_limits<uint32_t>::max()) malformed("value out of range for uint32");
    return static_cast<uint32_t>(*v);
  }

  std::string expect_string(uint32_t type) {
    if (type != STRING) malformed(fmt::format("expected a string, found {}", type_name(type)));
    return read_string("string value");
  }

  void skip_value(uint32_t type) {
    if (uint64_t size = scalar_size(type)) return skip_raw(size, "value");
    if (type == STRING) return skip_string("string value");
    if (type != ARRAY) malformed(fmt::format("unknown value type {}", type));

    uint32_t elem = read_u32("array element type");
    uint64_t count = read_u64("array length");
    if (elem == ARRAY) malformed("nested arrays are not supported");
    if (elem == STRING) {
      check_count(count, opts_.max_array, min_string_size, "array length");
      for (uint64_t i = 0; i < count; ++i) skip_string("array element");
      return;
    }
    uint64_t size = scalar_size(elem);
    if (size == 0) malformed(fmt::format("unknown array element type {}", elem));
    check_count(count, opts_.max_array, size, "array length");
    skip_raw(count * size, "array elements");
  }

  void read_tokens(uint32_t type) {
    if (type != ARRAY) malformed(fmt::format("expected an array of strings, found {}", type_name(type)));
    uint32_t elem = read_u32("array element type");
    uint64_t count = read_u64("array length");
    if (elem != STRING)
      malformed(fmt::format("expected an array of strings, found an array of {}", type_name(elem)));
    check_count(count, std::min(opts_.max_array, opts_.max_tokens), min_string_size, "vocabulary size");
    m_.vocab_size = count;
    m_.tokens.clear();
    if (!opts_.tokens) {
      for (uint64_t i = 0; i < count; ++i) skip_string("token");
      return;
    }
    m_.tokens.reserve(static_cast<size_t>(count));
    for (uint64_t i = 0; i < count; ++i) m_.tokens.push_back(read_string("token"));
  }

  static bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
  }

  void read_kv(uint64_t index) {
    where_ = fmt::format("metadata entry {}", index);
    std::string key = read_string("key");
    where_ = fmt::format("metadata entry {} {}", index, quoted(key));
    uint32_t type = read_u32("value type");

    if (key == "general.architecture") {
      m_.architecture = expect_string(type);
    } else if (key == "general.name") {
      m_.name = expect_string(type);
    } else if (key == "tokenizer.ggml.model") {
      m_.tokenizer_model = expect_string(type);
    } else if (key == "general.file_type") {
      m_.file_type = expect_u32(type);
    } else if (key == "general.alignment") {
      uint32_t a = expect_u32(type);
      if (a == 0 || (a & (a - 1)) != 0) malformed(fmt::format("alignment {} is not a power of two", a));
      m_.alignment = a;
    } else if (key == "tokenizer.ggml.bos_token_id") {
      m_.bos_token_id = expect_u32(type);
    } else if (key == "tokenizer.ggml.eos_token_id") {
      m_.eos_token_id = expect_u32(type);
    } else if (key == "tokenizer.ggml.tokens") {
      read_tokens(type);
    } else if (is_integer(type) && (ends_with(key, ".context_length") || ends_with(key, ".embedding_length") ||
                                    ends_with(key, ".block_count"))) {
      // general.architecture may come later in the file, so which prefix counts is
      // decided at the end.
      if (auto v = read_integer(type)) arch_values_[key] = *v;
    } else {
      skip_value(type);
    }
  }

  void read_tensor_info(uint64_t index) {
    where_ = fmt::format("tensor info {}", index);
    std::string name = read_string("tensor name");
    where_ = fmt::format("tensor info {} {}", index, quoted(name));

    uint32_t n_dims = read_u32("dimension count");
    if (n_dims > max_dims) malformed(fmt::format("{} dimensions, at most {} allowed", n_dims, max_dims));
    uint64_t dims[max_dims] = {1, 1, 1, 1};
    uint64_t elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      dims[d] = read_u64("dimension");
      if (dims[d] > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        malformed(fmt::format("dimension {} is negative", d));
      if (__builtin_mul_overflow(elements, dims[d], &elements)) malformed("element count overflows");
    }
    uint32_t type = read_u32("tensor type");
    uint64_t offset = read_u64("data offset");

    if (__builtin_add_overflow(m_.parameter_count, elements, &m_.parameter_count))
      malformed("parameter count overflows");
    if (index == 0) first_type_ = type;
    if (type != first_type_) one_type_ = false;

    if (offset % m_.alignment != 0)
      malformed(fmt::format("data offset {} is not a multiple of the alignment {}", offset, m_.alignment));
    BlockLayout layout = block_layout(type);
    if (layout.elements == 0) return;  // a type newer than this table: its size is unknown
    if (dims[0] % layout.elements != 0)
      malformed(fmt::format("row of {} elements is not a whole number of blocks of {}", dims[0], layout.elements));
    uint64_t bytes = 0;
    uint64_t end = 0;
    if (__builtin_mul_overflow(elements / layout.elements, uint64_t{layout.bytes}, &bytes) ||
        __builtin_add_overflow(offset, bytes, &end))
      malformed("data size overflows");
    data_needed_ = std::max(data_needed_, end);
  }

  // The tensor data is never read, but a file cut short inside it is still broken.
  void check_tensor_data() {
    if (data_needed_ == 0) return;
    where_.clear();
    uint64_t pad = (m_.alignment - in_.offset() % m_.alignment) % m_.alignment;
    uint64_t needed = 0;
    if (__builtin_add_overflow(pad, data_needed_, &needed)) needed = std::numeric_limits<uint64_t>::max();
    if (needed > in_.remaining()) truncated(needed, "tensor data");
  }

  void finish() {
    if (m_.file_type) {
      m_.file_type_name = ftype_name(*m_.file_type);
    } else if (m_.tensor_count > 0 && one_type_) {
      m_.file_type_name = name_for_tensor_type(first_type_);
    }
    auto arch_value = [&](const char* suffix) -> uint64_t {
      auto it = arch_values_.find(m_.architecture + suffix);
      return it == arch_values_.end() ? 0 : it->second;
    };
    if (!m_.architecture.empty()) {
      m_.context_length = arch_value(".context_length");
      m_.embedding_length = arch_value(".embedding_length");
      m_.block_count = arch_value(".block_count");
    }
  }

  ByteInput& in_;
  const ReadOptions& opts_;
  std::string_view name_;
  std::string where_;
  Model m_;
  std::map<std::string, uint64_t> arch_values_;
  uint32_t first_type_ = 0;
  bool one_type_ = true;
  uint64_t data_needed_ = 0;
};

ReadResult parse(ByteInput& in, const ReadOptions& opts, std::string_view name) {
  ReadResult result;
  try {
    result.model = Parser(in, opts, name).parse();
  } catch (ParseError& e) {
    result.failure = e.failure;
    result.error = std::move(e.message);
  }
  return result;
}

ReadResult failed(Failure failure, std::string message) {
  ReadResult result;
  result.failure = failure;
  result.error = std::move(message);
  return result;
}

}  // namespace

ReadResult read_bytes(std::string_view bytes, const ReadOptions& opts, std::string_view name) {
  ByteInput in(bytes);
  return parse(in, opts, name);
}

ReadResult read_file(const std::string& path, const ReadOptions& opts) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return failed(Failure::missing, "model file not found: " + path);
    return failed(Failure::unreadable, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return failed(Failure::unreadable, fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  if (S_ISDIR(st.st_mode)) return failed(Failure::unreadable, path + " is a directory, not a model file");

  ByteInput in(fd, static_cast<uint64_t>(st.st_size));
  return parse(in, opts, path);
}

}  // namespace hivetest::gguf
