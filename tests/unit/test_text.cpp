// Tests of making worker bytes printable.
#include <doctest/doctest.h>

#include "hivetest/util/text.hpp"

using hivetest::printable;

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

TEST_CASE("C1 controls are escaped and noncharacters replaced, so the text is valid XML 1.0") {
  CHECK(printable("a\xc2\x9b[2Jb") == "a\\u009b[2Jb");        // C1 CSI moves a cursor on some terminals
  CHECK(printable("\xc2\x85") == "\\u0085");
  CHECK(printable("\xef\xbf\xbe\xef\xbf\xbf") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(printable("\xc2\xa0ok") == "\xc2\xa0ok");             // no-break space is text
}

TEST_CASE("next_utf8 decodes code points and rejects what is not shortest-form UTF-8") {
  using hivetest::next_utf8;
  CHECK(next_utf8("A").length == 1);
  CHECK(next_utf8("é").code_point == U'é');
  CHECK(next_utf8("→").code_point == U'→');
  auto emoji = next_utf8("🧪");
  CHECK(emoji.length == 4);
  CHECK(emoji.code_point == U'🧪');
  CHECK(next_utf8("\xe2\x82").length == 0);
  CHECK(next_utf8("\xf4\x90\x80\x80").length == 0);  // past U+10FFFF
  CHECK(next_utf8("").length == 0);
}

TEST_CASE("bidirectional and line-separator controls are escaped: they reorder or break what a terminal shows") {
  CHECK(printable("evil\xe2\x80\xaetxt.exe") == "evil\\u202etxt.exe");  // U+202E RIGHT-TO-LEFT OVERRIDE
  CHECK(printable("\xe2\x80\xaa\xe2\x81\xa6\xe2\x81\xa9") == "\\u202a\\u2066\\u2069");
  CHECK(printable("a\xe2\x80\xa8" "b\xe2\x80\xa9") == "a\\u2028b\\u2029");
  CHECK(printable("\xe2\x80\x8b") == "\xe2\x80\x8b");  // a zero-width space reorders nothing
}

TEST_CASE("a cut never splits a character") {
  // 3-byte characters: a limit inside the second one cuts after a whole character.
  auto out = printable("→→→→", 4);
  CHECK(out.rfind("→→", 0) == 0);
  CHECK(out.find("[6 more bytes]") != std::string::npos);
}
