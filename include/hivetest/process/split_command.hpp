// Splitting a --worker command line into argv the way a POSIX shell would, without a shell.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hivetest::process {

// Splits a command line the way a POSIX shell splits words (single and double quotes,
// backslash escapes), without running a shell. Returns nullopt and sets error on an
// unterminated quote.
std::optional<std::vector<std::string>> split_command(std::string_view cmd, std::string* error);

}  // namespace hivetest::process
