// The GGUF format's type numbers: of metadata values, and of ggml tensors with their block layouts.
#pragma once

#include <cstdint>
#include <string>

namespace hivetest::gguf {

// The type of a metadata value, as the file numbers it.
enum ValueType : uint32_t {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6,
  BOOL = 7, STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};

constexpr uint32_t max_dims = 4;  // GGML_MAX_DIMS
constexpr uint32_t ggml_type_f32 = 0;

// The smallest a string can be in the file: its uint64 length alone.
constexpr uint64_t min_string_size = 8;

// Size in bytes of a fixed-size value, 0 for strings, arrays and unknown types.
uint64_t scalar_size(uint32_t type);
bool is_integer(uint32_t type);
// "uint8", "string", ...; "unknown" for a number GGUF does not define.
const char* type_name(uint32_t type);

// Block layout of a ggml tensor type, needed to know how many data bytes a tensor
// claims.
struct BlockLayout {
  uint32_t elements = 0;  // 0 = type not known here
  uint32_t bytes = 0;
};
BlockLayout block_layout(uint32_t ggml_type);

// A file-type name for files without general.file_type whose tensors all share one type;
// "" for the types that name no file type.
std::string name_for_tensor_type(uint32_t ggml_type);

}  // namespace hivetest::gguf
