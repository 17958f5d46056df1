// A small JSON writer: nesting, commas, indentation and string escaping in one place.
#include "hivetest/report/json_writer.hpp"

#include <cmath>

#include "hivetest/util/text.hpp"

namespace hivetest::report {

std::string json_string(std::string_view bytes, std::size_t max_bytes) {
  std::string out = "\"";
  out.reserve(std::min(bytes.size(), max_bytes) + 16);
  std::size_t i = 0, written = 0;
  while (i < bytes.size()) {
    if (written >= max_bytes) {
      out += cut_marker(bytes.size() - i);
      break;
    }
    auto ch = next_utf8(bytes.substr(i));
    std::size_t before = out.size();
    if (ch.length == 0) {
      out += "\\ufffd";
      ch.length = 1;
    } else if (ch.code_point == '"') {
      out += "\\\"";
    } else if (ch.code_point == '\\') {
      out += "\\\\";
    } else if (ch.code_point == '\n') {
      out += "\\n";
    } else if (ch.code_point == '\r') {
      out += "\\r";
    } else if (ch.code_point == '\t') {
      out += "\\t";
    } else if (is_control(ch.code_point) || ch.code_point == 0x2028 || ch.code_point == 0x2029) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(ch.code_point));
    } else {
      out.append(bytes.substr(i, ch.length));
    }
    written += out.size() - before;
    i += ch.length;
  }
  out += '"';
  return out;
}

void JsonWriter::newline() {
  if (one_line_) return;
  out_ += '\n';
  out_.append(2 * empty_.size(), ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (empty_.empty()) return;
  if (!empty_.back()) out_ += ',';
  empty_.back() = false;
  newline();
}

JsonWriter& JsonWriter::open(char bracket) {
  before_value();
  out_ += bracket;
  empty_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  bool was_empty = empty_.back();
  empty_.pop_back();
  if (!was_empty) newline();
  out_ += bracket;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  before_value();
  out_ += json_string(name, max_string_);
  out_ += ": ";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view bytes) {
  before_value();
  out_ += json_string(bytes, max_string_);
  return *this;
}

JsonWriter& JsonWriter::real(double v, int decimals) {
  if (!std::isfinite(v)) return null();
  before_value();
  out_ += fmt::format("{:.{}f}", v, decimals);
  return *this;
}

JsonWriter& JsonWriter::boolean(bool v) {
  before_value();
  out_ += v ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}

std::string JsonWriter::take() {
  out_ += '\n';
  return std::move(out_);
}

}  // namespace hivetest::report
