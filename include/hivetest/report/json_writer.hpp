// A small JSON writer: nesting, commas, indentation and string escaping in one place.
#pragma once

#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace hivetest::report {

// `bytes` as a quoted JSON string: every control character escaped (\n, \t, \u001b, C1
// controls, DEL, U+2028/9), invalid UTF-8 replaced by U+FFFD, cut past max_bytes with a
// marker. The result is also a valid YAML double-quoted scalar.
std::string json_string(std::string_view bytes, std::size_t max_bytes = 64 * 1024);

// Writes one JSON document, pretty-printed with two-space indentation. Misuse (a value
// where a key is due, unbalanced ends) is a programming error and is not checked.
class JsonWriter {
 public:
  explicit JsonWriter(std::size_t max_string = 64 * 1024) : max_string_(max_string) {}
  // One line, no indentation: for JSON Lines.
  static JsonWriter one_line() {
    JsonWriter w;
    w.one_line_ = true;
    return w;
  }

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  JsonWriter& key(std::string_view name);

  JsonWriter& string(std::string_view bytes);
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  JsonWriter& number(T v) {
    before_value();
    out_ += fmt::format("{}", v);
    return *this;
  }
  JsonWriter& real(double v, int decimals = 3);  // null when not finite: JSON has no NaN
  JsonWriter& boolean(bool v);
  JsonWriter& null();

  // key and value at once
  JsonWriter& field(std::string_view name, std::string_view bytes) { return key(name).string(bytes); }
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  JsonWriter& field(std::string_view name, T v) { return key(name).number(v); }

  // The document so far (complete once every container is closed), ending in a newline.
  std::string take();

 private:
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);
  void before_value();
  void newline();

  std::string out_;
  std::vector<bool> empty_;  // per open container: nothing written in it yet
  bool after_key_ = false;
  std::size_t max_string_;
  bool one_line_ = false;
};

}  // namespace hivetest::report
