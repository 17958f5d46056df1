// Splits a --worker command line into argv the way a POSIX shell would, without a shell.
#include "hivetest/process/split_command.hpp"

#include <fmt/format.h>

namespace hivetest::process {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// Inside double quotes a backslash only escapes the characters that are special there.
bool escapable_in_double_quotes(char c) {
  return c == '\\' || c == '"' || c == '$' || c == '`' || c == '\n';
}

}  // namespace

std::optional<std::vector<std::string>> split_command(std::string_view cmd, std::string* error) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;  // separate from word.empty(): '' is an empty word, not nothing
  std::size_t i = 0;
  const auto fail = [&](std::string message) -> std::optional<std::vector<std::string>> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };

  while (i < cmd.size()) {
    const char c = cmd[i];
    if (is_blank(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\\') {
      if (i + 1 == cmd.size()) {  // nothing left to escape: keep it as it is
        word += c;
        in_word = true;
        ++i;
      } else if (cmd[i + 1] == '\n') {  // a line continuation is removed altogether
        i += 2;
      } else {
        word += cmd[i + 1];
        in_word = true;
        i += 2;
      }
    } else if (c == '\'') {
      const std::size_t end = cmd.find('\'', i + 1);
      if (end == std::string_view::npos)
        return fail(fmt::format("unterminated single quote (opened at column {})", i + 1));
      word.append(cmd.substr(i + 1, end - i - 1));
      in_word = true;
      i = end + 1;
    } else if (c == '"') {
      const std::size_t open = i++;
      for (;;) {
        if (i == cmd.size())
          return fail(fmt::format("unterminated double quote (opened at column {})", open + 1));
        const char d = cmd[i];
        if (d == '"') break;
        if (d == '\\' && i + 1 < cmd.size() && escapable_in_double_quotes(cmd[i + 1])) {
          if (cmd[i + 1] != '\n') word += cmd[i + 1];
          i += 2;
        } else {
          word += d;
          ++i;
        }
      }
      in_word = true;
      ++i;
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace hivetest::process
