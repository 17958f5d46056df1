// Human-readable names and sizes for GGUF models: file types, parameter counts, byte sizes.
#include "hivetest/gguf/gguf.hpp"

#include <iterator>

#include <fmt/format.h>

namespace hivetest::gguf {
namespace {

// "4.0" reads as noise next to "4.2"; whole numbers lose the decimal.
std::string one_decimal(double v) {
  std::string s = fmt::format("{:.1f}", v);
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s;
}

}  // namespace

std::string ftype_name(uint32_t file_type) {
  // Indexed by llama.cpp's LLAMA_FTYPE values; "" marks retired or unassigned ones.
  static const char* const names[] = {
      "F32",     "F16",    "Q4_0",    "Q4_1",   "Q4_1_F16", "",        "",       "Q8_0",
      "Q5_0",    "Q5_1",   "Q2_K",    "Q3_K_S", "Q3_K_M",   "Q3_K_L",  "Q4_K_S", "Q4_K_M",
      "Q5_K_S",  "Q5_K_M", "Q6_K",    "IQ2_XXS", "IQ2_XS",  "Q2_K_S",  "IQ3_XS", "IQ3_XXS",
      "IQ1_S",   "IQ4_NL", "IQ3_S",   "IQ3_M",  "IQ2_S",    "IQ2_M",   "IQ4_XS", "IQ1_M",
      "BF16",    "",       "",        "",       "TQ1_0",    "TQ2_0",   "MXFP4_MOE",
  };
  return file_type < std::size(names) ? names[file_type] : "";
}

std::string format_params(uint64_t count) {
  if (count < 1000) return fmt::format("{} params", count);
  static const char* const units[] = {"K", "M", "B", "T"};
  double v = static_cast<double>(count) / 1000;
  size_t unit = 0;
  // 999.95 would print as "1000.0": move to the next unit instead.
  while (v >= 999.95 && unit + 1 < std::size(units)) {
    v /= 1000;
    ++unit;
  }
  return fmt::format("{} {} params", one_decimal(v), units[unit]);
}

std::string format_bytes(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  static const char* const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (v >= 1023.5 && unit + 1 < std::size(units)) {
    v /= 1024;
    ++unit;
  }
  // A decimal only where it carries information: "1.5 GiB" but "17 MiB".
  std::string number = v < 9.95 ? one_decimal(v) : fmt::format("{:.0f}", v);
  return fmt::format("{} {}", number, units[unit]);
}

std::string summary_line(const std::string& file_name, const Model& m) {
  std::string details = fmt::format("GGUF v{}, {}, {}", m.version,
                                    m.architecture.empty() ? "unknown arch" : m.architecture,
                                    format_params(m.parameter_count));
  if (!m.file_type_name.empty()) details += ", " + m.file_type_name;
  details += ", " + format_bytes(m.file_size);
  return fmt::format("{} ({})", file_name, details);
}

}  // namespace hivetest::gguf
