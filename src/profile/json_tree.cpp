// Reads a JSON document into a tree of values that know their line (simdjson On Demand).
#include "hivetest/profile/json_tree.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <simdjson.h>

#include "hivetest/http/message.hpp"

namespace hivetest::profile {

namespace {

using namespace simdjson;

constexpr int max_depth = 32;  // a profile is shallow; a deeper file is a mistake or an attack

struct TreeError {
  const char* at;
  std::string what;
};

class TreeReader {
 public:
  explicit TreeReader(const padded_string& json) : json_(json) {}

  // Reading goes forward, so lines are counted from the last place asked for: linear in
  // the file, where counting from its start each time was quadratic.
  std::size_t line_of(const char* at) {
    if (!at || at < json_.data() || at > json_.data() + json_.size()) return 0;
    if (at < counted_to_) {
      counted_to_ = json_.data();
      lines_before_ = 0;
    }
    lines_before_ += static_cast<std::size_t>(std::count(counted_to_, at, '\n'));
    counted_to_ = at;
    return 1 + lines_before_;
  }
  std::size_t column_of(const char* at) const {
    if (!at || at < json_.data() || at > json_.data() + json_.size()) return 0;
    const char* begin = at;
    while (begin > json_.data() && begin[-1] != '\n') --begin;
    return 1 + (at - begin);
  }

  template <typename T>
  static const char* where(T& v) {
    auto loc = v.current_location();
    return loc.error() ? nullptr : loc.value_unsafe();
  }

  // The value a simdjson result holds, or a TreeError at `at` with its error.
  template <typename T, typename Result>
  static T got(Result result, const char* at) {
    T out;
    if (auto err = std::move(result).get(out)) throw TreeError{at, error_message(err)};
    return out;
  }

  JsonNode read(ondemand::value v, int depth) {
    const char* at = where(v);
    if (depth > max_depth) throw TreeError{at, fmt::format("nested deeper than {} levels", max_depth)};
    JsonNode n;
    n.line = line_of(at);
    switch (got<ondemand::json_type>(v.type(), at)) {
      case ondemand::json_type::null:
        if (!v.is_null()) throw TreeError{at, "not a JSON value"};
        n.type = JsonNode::Type::null;
        n.text = "null";
        break;
      case ondemand::json_type::boolean:
        n.type = JsonNode::Type::boolean;
        n.boolean = got<bool>(v.get_bool(), at);
        n.text = n.boolean ? "true" : "false";
        break;
      case ondemand::json_type::number: {
        n.type = JsonNode::Type::number;
        int64_t i = 0;
        if (v.is_integer() && !v.get_int64().get(i)) {
          n.is_integer = true;
          n.number = static_cast<double>(i);
          n.text = std::to_string(i);
        } else {
          n.number = got<double>(v.get_double(), at);
          n.text = fmt::format("{}", n.number);
        }
        break;
      }
      case ondemand::json_type::string: {
        n.type = JsonNode::Type::string;
        n.text = std::string(got<std::string_view>(v.get_string(), at));
        break;
      }
      case ondemand::json_type::array: {
        n.type = JsonNode::Type::array;
        for (auto item : got<ondemand::array>(v.get_array(), at))
          n.items.push_back(read(got<ondemand::value>(std::move(item), nullptr), depth + 1));
        break;
      }
      case ondemand::json_type::object: {
        n.type = JsonNode::Type::object;
        for (auto field : got<ondemand::object>(v.get_object(), at)) {
          std::string key(got<std::string_view>(field.unescaped_key(), nullptr));  // read before the value
          n.members.emplace_back(std::move(key), read(got<ondemand::value>(field.value(), nullptr), depth + 1));
        }
        break;
      }
    }
    return n;
  }

 private:
  const padded_string& json_;
  const char* counted_to_ = json_.data();
  std::size_t lines_before_ = 0;
};

// Containers' minified text, built from their members once they are read.
void minify(JsonNode& n) {
  if (n.type == JsonNode::Type::string) return;
  if (n.type == JsonNode::Type::array) {
    std::string out = "[";
    for (auto& item : n.items) {
      minify(item);
      if (out.size() > 1) out += ',';
      out += item.type == JsonNode::Type::string ? fmt::format("\"{}\"", http::json_escape(item.text)) : item.text;
    }
    n.text = out + "]";
  } else if (n.type == JsonNode::Type::object) {
    std::string out = "{";
    for (auto& [key, value] : n.members) {
      minify(value);
      if (out.size() > 1) out += ',';
      out += fmt::format("\"{}\":", http::json_escape(key));
      out += value.type == JsonNode::Type::string ? fmt::format("\"{}\"", http::json_escape(value.text)) : value.text;
    }
    n.text = out + "}";
  }
}

}  // namespace

const JsonNode* JsonNode::member(const std::string& key) const {
  for (const auto& [k, v] : members)
    if (k == key) return &v;
  return nullptr;
}

const char* JsonNode::type_name() const {
  switch (type) {
    case Type::null: return "null";
    case Type::boolean: return "a boolean";
    case Type::number: return "a number";
    case Type::string: return "a string";
    case Type::array: return "a list";
    case Type::object: return "an object";
  }
  return "?";
}

std::optional<JsonNode> parse_json_tree(const std::string& json, std::string& error) {
  padded_string padded(json);
  ondemand::parser parser;
  ondemand::document doc;
  TreeReader reader(padded);
  // Where reading stopped; a document cut short stops at its end.
  auto locate = [&](const char* at, const std::string& what) {
    if (!at) at = TreeReader::where(doc);
    if (!at) at = padded.data() + padded.size();
    return fmt::format("{}:{}: {}", reader.line_of(at), reader.column_of(at), what);
  };
  if (auto err = parser.iterate(padded).get(doc)) {
    error = locate(padded.data() + padded.size(), error_message(err));
    return std::nullopt;
  }
  try {
    ondemand::value root;
    if (auto err = doc.get_value().get(root)) {
      error = locate(nullptr, error_message(err));
      return std::nullopt;
    }
    JsonNode tree = reader.read(root, 0);
    minify(tree);
    return tree;
  } catch (const TreeError& e) {
    error = locate(e.at, e.what);
  } catch (const simdjson_error& e) {
    error = locate(nullptr, e.what());
  }
  return std::nullopt;
}

}  // namespace hivetest::profile
