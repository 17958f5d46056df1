// Tests of the bounded log ring and of the splitter that cuts pipe bytes into lines.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "hivetest/process/log_ring.hpp"

using hivetest::process::LineSplitter;
using hivetest::process::LogLine;
using hivetest::process::LogRing;
using hivetest::process::Stream;

namespace {

LogLine line(std::string text) { return LogLine{Stream::out, {}, std::move(text)}; }

using Lines = std::vector<std::pair<std::string, bool>>;

// Feeds the chunks one after the other, then finishes.
Lines split(const std::vector<std::string>& chunks, std::size_t max_line = 8) {
  Lines out;
  LineSplitter splitter(max_line);
  const auto sink = [&](std::string_view text, bool cut) {
    out.emplace_back(std::string(text), cut);
  };
  for (const auto& c : chunks) splitter.feed(c, sink);
  splitter.finish(sink);
  return out;
}

Lines byte_by_byte(const std::string& s, std::size_t max_line = 8) {
  std::vector<std::string> chunks;
  for (char c : s) chunks.emplace_back(1, c);
  return split(chunks, max_line);
}

}  // namespace

TEST_CASE("log ring keeps the newest lines within the line limit") {
  LogRing ring(3, 1000);
  for (int i = 0; i < 5; ++i) ring.push(line("l" + std::to_string(i)));
  CHECK(ring.size() == 3);
  CHECK(ring.total() == 5);
  CHECK(ring.dropped() == 2);
  const auto t = ring.tail(10);
  REQUIRE(t.size() == 3);
  CHECK(t[0].text == "l2");
  CHECK(t[2].text == "l4");
  const auto last = ring.tail(2);
  REQUIRE(last.size() == 2);
  CHECK(last[0].text == "l3");
  CHECK(last[1].text == "l4");
  CHECK(ring.tail(0).empty());
}

TEST_CASE("log ring keeps the newest lines within the byte limit") {
  LogRing ring(100, 10);
  ring.push(line("aaaa"));
  ring.push(line("bbbb"));
  CHECK(ring.bytes() == 8);
  ring.push(line("cccc"));
  CHECK(ring.bytes() == 8);
  CHECK(ring.size() == 2);
  CHECK(ring.dropped() == 1);
  CHECK(ring.tail(1)[0].text == "cccc");
}

TEST_CASE("a line bigger than the whole byte limit is kept cut") {
  LogRing ring(100, 10);
  ring.push(line("old"));
  ring.push(line(std::string(50, 'x')));
  REQUIRE(ring.size() == 1);
  CHECK(ring.bytes() == 10);
  CHECK(ring.tail(1)[0].text == std::string(10, 'x'));
  CHECK(ring.tail(1)[0].cut);
}

TEST_CASE("splitter cuts on LF and drops a CR before it") {
  CHECK(split({"a\nbc\r\n\nd"}) == Lines{{"a", false}, {"bc", false}, {"", false}, {"d", false}});
  CHECK(split({"a\rb\n"}) == Lines{{"a\rb", false}});  // a CR elsewhere is just a byte
  CHECK(split({"\r\n"}) == Lines{{"", false}});
  CHECK(split({}).empty());
  CHECK(split({"", ""}).empty());
}

TEST_CASE("splitter joins lines across chunks, whatever the chunking") {
  const std::string text = "one\r\ntwo\nthree\r\n";
  const Lines want{{"one", false}, {"two", false}, {"three", false}};
  CHECK(split({text}) == want);
  CHECK(byte_by_byte(text) == want);
  CHECK(split({"on", "e\r", "\ntw", "o\nthr", "ee\r", "\n"}) == want);
}

TEST_CASE("splitter cuts a long line at max_line and skips the rest of it") {
  CHECK(split({"0123456789abc\nnext\n"}) == Lines{{"01234567", true}, {"next", false}});
  CHECK(byte_by_byte("0123456789abc\nnext\n") == Lines{{"01234567", true}, {"next", false}});
  // The cut line is reported as soon as it is too long, before its end arrives.
  Lines seen;
  LineSplitter s(4);
  const auto sink = [&](std::string_view t, bool cut) { seen.emplace_back(std::string(t), cut); };
  s.feed("abcdefgh", sink);
  CHECK(seen == Lines{{"abcd", true}});
  s.feed("ijkl", sink);
  s.feed("mn\nok\n", sink);
  CHECK(seen == Lines{{"abcd", true}, {"ok", false}});
}

TEST_CASE("splitter limit is on the text, not on the line end") {
  CHECK(split({"01234567\n"}) == Lines{{"01234567", false}});
  CHECK(split({"01234567\r\n"}) == Lines{{"01234567", false}});
  CHECK(byte_by_byte("01234567\r\n") == Lines{{"01234567", false}});
  CHECK(split({"012345678\n"}) == Lines{{"01234567", true}});
  CHECK(byte_by_byte("012345678\r\n") == Lines{{"01234567", true}});
  CHECK(split({"01234567\r"}) == Lines{{"01234567", false}});
  CHECK(split({"012345678"}) == Lines{{"01234567", true}});
}

TEST_CASE("splitter passes any bytes through") {
  const std::string odd("a\0b\xff\xfe\x1b[31m", 9);
  const auto got = split({odd + "\n"}, 100);
  REQUIRE(got.size() == 1);
  CHECK(got[0].first == odd);
}

TEST_CASE("splitter finish emits an unterminated last line, but not the rest of a cut one") {
  CHECK(split({"done\nhalf"}) == Lines{{"done", false}, {"half", false}});
  CHECK(split({"0123456789"}) == Lines{{"01234567", true}});
}

TEST_CASE("splitter handles a huge line in big chunks") {
  LineSplitter s(16 * 1024);
  Lines seen;
  const auto sink = [&](std::string_view t, bool cut) { seen.emplace_back(std::string(t), cut); };
  const std::string chunk(64 * 1024, 'x');
  for (int i = 0; i < 160; ++i) s.feed(chunk, sink);  // 10 MiB without a line end
  s.feed("\nend\n", sink);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].first.size() == 16 * 1024);
  CHECK(seen[0].second);
  CHECK(seen[1] == std::pair<std::string, bool>{"end", false});
}
