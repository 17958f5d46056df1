// Tests of making worker bytes printable.
#include <doctest/doctest.h>

#include "hivetest/report/text.hpp"

using hivetest::report::printable;

TEST_CASE("plain UTF-8 text passes through") {
  CHECK(printable("héllo → wörld 🧪") == "héllo → wörld 🧪");
}

TEST_CASE("control bytes become visible escapes") {
  CHECK(printable("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
  CHECK(printable(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(printable("a\rb\n") == "a\\x0db\\x0a");
  CHECK(printable("\x7f") == "\\x7f");
}

TEST_CASE("invalid UTF-8 becomes U+FFFD") {
  CHECK(printable("\xff\xfe") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(printable("\xC3") == "\xEF\xBF\xBD");              // cut sequence
  CHECK(printable("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
  CHECK(printable("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

TEST_CASE("long text is cut with a marker") {
  std::string big(10000, 'x');
  auto out = printable(big, 100);
  CHECK(out.substr(0, 100) == std::string(100, 'x'));
  CHECK(out.find("[9900 more bytes]") != std::string::npos);
}
