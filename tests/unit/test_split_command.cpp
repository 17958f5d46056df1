// Tests of splitting a --worker command line into argv like a POSIX shell, without one.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "hivetest/process/split_command.hpp"

using hivetest::process::split_command;
using Words = std::vector<std::string>;

namespace {

Words words(std::string_view cmd) {
  std::string error;
  const auto w = split_command(cmd, &error);
  INFO("command: ", cmd, " error: ", error);
  REQUIRE(w.has_value());
  return *w;
}

std::string error_of(std::string_view cmd) {
  std::string error;
  CHECK_FALSE(split_command(cmd, &error).has_value());
  return error;
}

}  // namespace

TEST_CASE("whitespace separates words") {
  CHECK(words("cargo run --release") == Words{"cargo", "run", "--release"});
  CHECK(words("  a \t b\n c  ") == Words{"a", "b", "c"});
  CHECK(words("").empty());
  CHECK(words(" \t\n").empty());
}

TEST_CASE("single quotes are literal") {
  CHECK(words("'a b' c") == Words{"a b", "c"});
  CHECK(words(R"('a\b "c" $HOME')") == Words{R"(a\b "c" $HOME)"});
}

TEST_CASE("double quotes escape only backslash, quote, dollar, backquote and newline") {
  CHECK(words(R"("a b")") == Words{"a b"});
  CHECK(words(R"("a\"b\\c\$d\`e")") == Words{R"(a"b\c$d`e)"});
  CHECK(words(R"("a\nb\'c")") == Words{R"(a\nb\'c)"});
  CHECK(words("\"a\\\nb\"") == Words{"ab"});
  CHECK(words(R"("it's")") == Words{"it's"});
}

TEST_CASE("a backslash outside quotes escapes the next character") {
  CHECK(words(R"(a\ b c)") == Words{"a b", "c"});
  CHECK(words(R"(\'x\")") == Words{R"('x")"});
  CHECK(words(R"(a\\b)") == Words{R"(a\b)"});
  CHECK(words("a\\\nb") == Words{"ab"});      // a line continuation
  CHECK(words("a \\\n b") == Words{"a", "b"});
  CHECK(words(R"(a\)") == Words{R"(a\)"});    // nothing to escape at the end
}

TEST_CASE("adjacent parts join into one word") {
  CHECK(words(R"("a"'b'c)") == Words{"abc"});
  CHECK(words(R"(--x="1 2"'3')") == Words{"--x=1 23"});
}

TEST_CASE("empty quotes give an empty word") {
  CHECK(words("a '' b") == Words{"a", "", "b"});
  CHECK(words(R"("")") == Words{""});
  CHECK(words(R"(x "" '')") == Words{"x", "", ""});
}

TEST_CASE("nothing is expanded") {
  CHECK(words("echo $HOME * ~ `id` $(id) a|b;c") ==
        Words{"echo", "$HOME", "*", "~", "`id`", "$(id)", "a|b;c"});
}

TEST_CASE("an unterminated quote is an error") {
  CHECK(error_of("a 'b c") == "unterminated single quote (opened at column 3)");
  CHECK(error_of(R"(a "b c)") == "unterminated double quote (opened at column 3)");
  CHECK(error_of(R"("a\")") == "unterminated double quote (opened at column 1)");
  CHECK_FALSE(split_command("'", nullptr).has_value());
}
