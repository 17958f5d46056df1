// Finding a profile by name or file, and filling in the placeholders of its commands and bodies.
#include "hivetest/profile/profile.hpp"

#include <memory>

#include <fmt/format.h>

namespace hivetest::profile {

namespace {

// Replaces each `open` name `close` of `values` in one pass, so that a value holding a
// placeholder's text is never expanded again.
std::string replace_all(const std::string& text, const Placeholders& values, std::string_view open, std::string_view close) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto start = text.find(open, i);
    if (start == std::string::npos) break;
    auto end = text.find(close, start + open.size());
    if (end == std::string::npos) break;
    auto it = values.find(text.substr(start + open.size(), end - start - open.size()));
    if (it == values.end()) {
      out.append(text, i, start + 1 - i);
      i = start + 1;
      continue;
    }
    out.append(text, i, start - i);
    out += it->second;
    i = end + close.size();
  }
  out.append(text, i);
  return out;
}

}  // namespace

std::string expand(const std::string& text, const Placeholders& values) { return replace_all(text, values, "{", "}"); }

std::string expand_json(const std::string& json, const Placeholders& json_values) {
  return replace_all(json, json_values, "\"{", "}\"");
}

const Profile* find_profile(const std::string& name) {
  for (const auto& p : builtin_profiles())
    if (p.name == name) return &p;
  return nullptr;
}

const Profile* load_profile(const std::string& name_or_file, std::string& error) {
  if (auto p = find_profile(name_or_file)) return p;
  bool looks_like_file = name_or_file.find('/') != std::string::npos || name_or_file.ends_with(".json");
  if (!looks_like_file) {
    std::string names;
    for (const auto& p : builtin_profiles()) names += (names.empty() ? "" : ", ") + p.name;
    error = fmt::format("unknown worker kind '{}' (built in: {}; or give a profile file)", name_or_file, names);
    return nullptr;
  }
  // Files read are kept for the life of the process: configurations point at them.
  static std::vector<std::unique_ptr<Profile>> files;
  auto p = read_profile_file(name_or_file, error);
  if (!p) return nullptr;
  files.push_back(std::make_unique<Profile>(std::move(*p)));
  return files.back().get();
}

}  // namespace hivetest::profile
