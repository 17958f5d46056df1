// The --matrix file: a JSON list of worker specs, each field set and checked through the option table.
#include "hivetest/cli/matrix.hpp"

#include <fstream>

#include <fmt/format.h>

#include "hivetest/cli/option_table.hpp"
#include "hivetest/profile/json_tree.hpp"

namespace hivetest::cli {

namespace {

constexpr std::size_t max_file_size = 4 * 1024 * 1024;  // a matrix is a list, not a data set
constexpr std::size_t max_workers = 1024;

using profile::JsonNode;

struct MatrixError {
  std::size_t line;
  std::string text;
};

// A field's value as the command line would give it: a string as it is, a number or a
// boolean as its JSON text; anything else is not a value of an option.
std::optional<std::string> as_text(const JsonNode& v) {
  switch (v.type) {
    case JsonNode::Type::string:
    case JsonNode::Type::number:
    case JsonNode::Type::boolean: return v.text;
    default: return std::nullopt;
  }
}

flow::Config entry(const JsonNode& node, const flow::Config& base, std::size_t index) {
  std::string where = fmt::format("workers[{}]", index);
  if (node.type != JsonNode::Type::object) throw MatrixError{node.line, fmt::format("{}: expected an object", where)};
  Settings s;
  s.worker = base;
  s.profile.clear();  // set only by the entry: the command line's is in `base` already
  std::string attach;
  bool has_worker = !base.worker_argv.empty();
  for (const auto& [key, value] : node.members) {
    std::string field = where + "." + key;
    auto text = as_text(value);
    if (key == "name") {
      if (value.type != JsonNode::Type::string) throw MatrixError{value.line, fmt::format("{}: expected a string", field)};
      s.worker.label = value.text;
      continue;
    }
    const auto* option = find_matrix_field(key);
    if (!option) throw MatrixError{value.line, fmt::format("{}: unknown field", field)};
    if (!text) throw MatrixError{value.line, fmt::format("{}: expected a value, not {}", field, value.type_name())};
    if (auto e = option->apply(s, *text); !e.empty())
      throw MatrixError{value.line, fmt::format("{}: {} (got '{}')", field, e, *text)};
    if (key == "port") s.worker.port_fixed = true;
    if (key == "worker") has_worker = true;
    if (key == "attach") has_worker = true;
  }
  flow::Config c = std::move(s.worker);
  std::string error;
  if (!s.profile.empty()) {
    c.profile = profile::load_profile(s.profile, error);
    if (!c.profile) throw MatrixError{node.line, fmt::format("{}.profile: {}", where, error)};
  }
  if (!s.attach.empty()) {
    c.attach = flow::parse_attach_url(s.attach, error);
    if (!c.attach) throw MatrixError{node.line, fmt::format("{}.attach: {}", where, error)};
    if (!s.model_given) c.model.clear();  // an attached worker's model is checked only when named
  }
  if (!has_worker) throw MatrixError{node.line, fmt::format("{}: no \"worker\" command (or \"attach\")", where)};
  if (c.label.empty() || c.label == base.label)
    c.label = fmt::format("#{} {}", index + 1, c.attach ? c.attach->url : c.worker_argv.empty() ? "" : c.worker_argv.front());
  return c;
}

}  // namespace

bool read_matrix(const std::string& path, const flow::Config& base, std::vector<flow::Config>& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("{}: cannot read it", path);
    return false;
  }
  std::string text(max_file_size + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_file_size) {
    error = fmt::format("{}: over 4 MiB; a matrix is a short list", path);
    return false;
  }
  std::string tree_error;
  auto root = profile::parse_json_tree(text, tree_error);
  if (!root) {
    error = fmt::format("{}:{} (not JSON)", path, tree_error);
    return false;
  }
  try {
    const JsonNode* list = &*root;
    if (root->type == JsonNode::Type::object) list = root->member("workers");
    if (!list || list->type != JsonNode::Type::array)
      throw MatrixError{root->line, "expected a list of workers, or an object with a \"workers\" list"};
    if (list->items.empty()) throw MatrixError{list->line, "the list of workers is empty"};
    if (list->items.size() > max_workers) throw MatrixError{list->line, fmt::format("more than {} workers", max_workers)};
    for (std::size_t i = 0; i < list->items.size(); ++i) out.push_back(entry(list->items[i], base, i));
  } catch (const MatrixError& e) {
    error = fmt::format("{}:{}: {}", path, e.line, e.text);
    return false;
  }
  return true;
}

}  // namespace hivetest::cli
