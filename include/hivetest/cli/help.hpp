// hivetest's help, man page and bash completion, each written from the option table.
#pragma once

#include <string>

namespace hivetest::cli {

std::string help_text();
std::string man_page();
std::string bash_completion();

}  // namespace hivetest::cli
