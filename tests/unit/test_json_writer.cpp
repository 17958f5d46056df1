// Tests of the JSON writer: structure, escaping of anything a worker prints, cuts.
#include <doctest/doctest.h>

#include <simdjson.h>

#include "hivetest/report/json_writer.hpp"

using hivetest::report::json_string;
using hivetest::report::JsonWriter;

namespace {

// The string a JSON parser reads back from json_string(bytes).
std::string round_trip(std::string_view bytes, std::size_t max = 64 * 1024) {
  simdjson::dom::parser parser;
  std::string_view value;
  auto error = parser.parse(simdjson::padded_string(json_string(bytes, max))).get(value);
  REQUIRE(!error);
  return std::string(value);
}

}  // namespace

TEST_CASE("objects and arrays get commas, indentation and empty forms") {
  JsonWriter w;
  w.begin_object().field("a", 1).key("list").begin_array().number(2).string("x").end_array();
  w.key("empty").begin_object().end_object().key("none").begin_array().end_array();
  w.key("flag").boolean(true).key("nothing").null().key("ms").real(1.23456).key("nan").real(0.0 / 0.0).end_object();
  CHECK(w.take() ==
        "{\n"
        "  \"a\": 1,\n"
        "  \"list\": [\n"
        "    2,\n"
        "    \"x\"\n"
        "  ],\n"
        "  \"empty\": {},\n"
        "  \"none\": [],\n"
        "  \"flag\": true,\n"
        "  \"nothing\": null,\n"
        "  \"ms\": 1.235,\n"
        "  \"nan\": null\n"
        "}\n");
}

TEST_CASE("control characters are escaped, text passes through") {
  CHECK(json_string("plain é 🧪") == "\"plain é 🧪\"");
  CHECK(json_string("q\"b\\") == "\"q\\\"b\\\\\"");
  CHECK(json_string("a\nb\rc\td") == "\"a\\nb\\rc\\td\"");
  CHECK(json_string(std::string("\0\x1b[0m\x7f", 6)) == "\"\\u0000\\u001b[0m\\u007f\"");
  CHECK(json_string("\xc2\x9b \xe2\x80\xa8") == "\"\\u009b \\u2028\"");
}

TEST_CASE("invalid UTF-8 becomes U+FFFD and the rest reads back exactly") {
  CHECK(json_string("\xff" "a\xe2\x82") == "\"\\ufffda\\ufffd\\ufffd\"");
  static const char bytes[] = "\x1b[31mred\0nul\xef\xbf\xbe";
  std::string worker_line(bytes, sizeof bytes - 1);
  CHECK(round_trip(worker_line) == worker_line);
}

TEST_CASE("long strings are cut with a marker and stay valid") {
  std::string big(100000, 'y');
  auto text = round_trip(big, 1000);
  CHECK(text.substr(0, 1000) == std::string(1000, 'y'));
  CHECK(text.find("[99000 more bytes]") != std::string::npos);
  // A cut never splits an escape or a multi-byte character.
  std::string mixed;
  for (int i = 0; i < 500; ++i) mixed += "é\x01";
  CHECK(round_trip(mixed, 99).find("more bytes") != std::string::npos);
}
