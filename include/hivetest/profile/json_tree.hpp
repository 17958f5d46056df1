// A JSON document read whole into a tree whose every value knows its line, for files a person writes.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hivetest::profile {

struct JsonNode {
  enum class Type { null, boolean, number, string, array, object } type = Type::null;
  std::size_t line = 0;
  bool boolean = false;
  double number = 0;
  bool is_integer = false;
  std::string text;  // a string's value; for every node, its JSON text when minified
  std::vector<JsonNode> items;                             // array
  std::vector<std::pair<std::string, JsonNode>> members;   // object, in the file's order

  const JsonNode* member(const std::string& key) const;
  const char* type_name() const;
};

// Reads `json`; on an error nullopt, with `error` as "LINE:COLUMN: what" where known.
std::optional<JsonNode> parse_json_tree(const std::string& json, std::string& error);

}  // namespace hivetest::profile
