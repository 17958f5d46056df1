// The GGUF format's type numbers: of metadata values, and of ggml tensors with their block layouts.
#include "hivetest/gguf/types.hpp"

#include <iterator>

namespace hivetest::gguf {

uint64_t scalar_size(uint32_t type) {
  switch (type) {
    case UINT8: case INT8: case BOOL: return 1;
    case UINT16: case INT16: return 2;
    case UINT32: case INT32: case FLOAT32: return 4;
    case UINT64: case INT64: case FLOAT64: return 8;
    default: return 0;
  }
}

bool is_integer(uint32_t type) {
  switch (type) {
    case UINT8: case INT8: case UINT16: case INT16:
    case UINT32: case INT32: case UINT64: case INT64: return true;
    default: return false;
  }
}

const char* type_name(uint32_t type) {
  static const char* const names[] = {"uint8", "int8",  "uint16", "int16", "uint32",
                                      "int32", "float32", "bool", "string", "array",
                                      "uint64", "int64", "float64"};
  return type < std::size(names) ? names[type] : "unknown";
}

BlockLayout block_layout(uint32_t ggml_type) {
  // Indexed by ggml type; the numbering has gaps where types were retired.
  static const BlockLayout table[] = {
      {1, 4},     {1, 2},    {32, 18},   {32, 20},   {0, 0},     {0, 0},    {32, 22},
      {32, 24},   {32, 34},  {32, 36},   {256, 84},  {256, 110}, {256, 144}, {256, 176},
      {256, 210}, {256, 292}, {256, 66}, {256, 74},  {256, 98},  {256, 50}, {32, 18},
      {256, 110}, {256, 82}, {256, 136}, {1, 1},     {1, 2},     {1, 4},    {1, 8},
      {1, 8},     {256, 56}, {1, 2},     {0, 0},     {0, 0},     {0, 0},    {256, 54},
      {256, 66},  {0, 0},    {0, 0},     {0, 0},     {32, 17},
  };
  return ggml_type < std::size(table) ? table[ggml_type] : BlockLayout{};
}

std::string name_for_tensor_type(uint32_t ggml_type) {
  switch (ggml_type) {
    case 0: return "F32";
    case 1: return "F16";
    case 2: return "Q4_0";
    case 3: return "Q4_1";
    case 6: return "Q5_0";
    case 7: return "Q5_1";
    case 8: return "Q8_0";
    case 30: return "BF16";
    default: return "";
  }
}

}  // namespace hivetest::gguf
