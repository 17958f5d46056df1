// Unit tests for the incremental text/event-stream parser.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "hivetest/http/sse.hpp"

using hivetest::http::SseEvent;
using hivetest::http::SseParser;

namespace {

// One readable string per event, so a mismatch shows exactly which field differs.
std::string render(const SseEvent& ev) {
  std::string s = "event=" + ev.event + " id=" + ev.id + " retry=";
  s += ev.retry_ms ? std::to_string(*ev.retry_ms) : "-";
  s += " data=[" + ev.data + "]";
  return s;
}

std::string render(const std::vector<SseEvent>& evs) {
  std::string s;
  for (const auto& ev : evs) s += render(ev) + "\n";
  return s;
}

std::vector<SseEvent> parse_pieces(const std::vector<std::string_view>& pieces) {
  std::vector<SseEvent> out;
  SseParser p;
  for (auto piece : pieces) REQUIRE(p.feed(piece, [&](const SseEvent& ev) { out.push_back(ev); }));
  p.finish();
  return out;
}

std::vector<SseEvent> parse(std::string_view bytes) { return parse_pieces({bytes}); }

// Mixes every line-end style, a BOM, comments and fields, so that splitting it anywhere
// crosses each tricky boundary at least once; the CRLFs inside the metrics event would
// end it early if a split CRLF were taken for two line ends.
const std::string kStream =
    "\xEF\xBB\xBF: stream opened\r\n"
    "data: {\"type\":\"started\",\"job_id\":\"j1\",\"model\":\"m\",\"started_at\":\"2024-01-01T00:00:00Z\"}\n"
    "\n"
    "id: 1\r\n"
    "data: {\"type\":\"token\",\"t\":\"Paris\",\"i\":0}\r\n"
    "\r\n"
    "data: {\"type\":\"token\",\"t\":\" is\",\"i\":1}\r"
    "\r"
    "event: metrics\r\n"
    "retry: 2500\r\n"
    "data: {\"type\":\"metrics\"}\r\n"
    "data:second line\n"
    "\n"
    "data: {\"type\":\"end\",\"tokens_out\":2,\"decode_time_ms\":5,\"stop_reason\":\"max_tokens\"}\r\n"
    "\r\n"
    "data: [DONE]\n"
    "\n";

const std::string kExpected =
    "event=message id= retry=- data=[{\"type\":\"started\",\"job_id\":\"j1\",\"model\":\"m\","
    "\"started_at\":\"2024-01-01T00:00:00Z\"}]\n"
    "event=message id=1 retry=- data=[{\"type\":\"token\",\"t\":\"Paris\",\"i\":0}]\n"
    "event=message id=1 retry=- data=[{\"type\":\"token\",\"t\":\" is\",\"i\":1}]\n"
    "event=metrics id=1 retry=2500 data=[{\"type\":\"metrics\"}\nsecond line]\n"
    "event=message id=1 retry=- data=[{\"type\":\"end\",\"tokens_out\":2,\"decode_time_ms\":5,"
    "\"stop_reason\":\"max_tokens\"}]\n"
    "event=message id=1 retry=- data=[[DONE]]\n";

}  // namespace

TEST_CASE("sse: worker stream in one piece") { CHECK(render(parse(kStream)) == kExpected); }

TEST_CASE("sse: worker stream split at every point gives the same events") {
  const std::string_view all = kStream;
  for (std::size_t split = 0; split <= all.size(); ++split) {
    CAPTURE(split);
    CHECK(render(parse_pieces({all.substr(0, split), all.substr(split)})) == kExpected);
  }
}

TEST_CASE("sse: worker stream one byte at a time gives the same events") {
  std::vector<std::string_view> bytes;
  const std::string_view all = kStream;
  for (std::size_t i = 0; i < all.size(); ++i) bytes.push_back(all.substr(i, 1));
  CHECK(render(parse_pieces(bytes)) == kExpected);
}

TEST_CASE("sse: LF, CR and CRLF line ends are equivalent") {
  const std::string want = "event=message id= retry=- data=[a\nb]\nevent=message id= retry=- data=[c]\n";
  CHECK(render(parse("data: a\ndata: b\n\ndata: c\n\n")) == want);
  CHECK(render(parse("data: a\rdata: b\r\rdata: c\r\r")) == want);
  CHECK(render(parse("data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n")) == want);
  CHECK(render(parse("data: a\ndata: b\r\rdata: c\r\n\n")) == want);
}

TEST_CASE("sse: CRLF split across two feeds is one line end") {
  // Were the LF counted again it would be a blank line and dispatch "a" on its own.
  auto evs = parse_pieces({"data: a\r", "\ndata: b\r\n\r\n"});
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].data == "a\nb");

  evs = parse_pieces({"data: a\r", "", "\ndata: b\r", "\n", "\r", "\n"});
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].data == "a\nb");
}

TEST_CASE("sse: CR at the end of a feed followed by CR is a blank line") {
  auto evs = parse_pieces({"data: a\r", "\rdata: b\n\n"});
  REQUIRE(evs.size() == 2);
  CHECK(evs[0].data == "a");
  CHECK(evs[1].data == "b");
}

TEST_CASE("sse: multi-line data joins with newlines and keeps empty lines") {
  auto evs = parse("data: first\ndata:\ndata: third\n\n");
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].data == "first\n\nthird");
}

TEST_CASE("sse: only one leading space after the colon is removed") {
  auto evs = parse("data:x\n\ndata:  y\n\ndata: \n\n");
  REQUIRE(evs.size() == 3);
  CHECK(evs[0].data == "x");
  CHECK(evs[1].data == " y");
  CHECK(evs[2].data == "");
}

TEST_CASE("sse: value may contain colons") {
  auto evs = parse("data: a:b: c\n\n");
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].data == "a:b: c");
}

TEST_CASE("sse: event type applies to one event only") {
  auto evs = parse("event: progress\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n");
  REQUIRE(evs.size() == 3);
  CHECK(evs[0].event == "progress");
  CHECK(evs[1].event == "message");
  CHECK(evs[2].event == "message");
}

TEST_CASE("sse: id persists across events and can be cleared") {
  auto evs = parse("id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: 9\n\ndata: d\n\n");
  REQUIRE(evs.size() == 4);
  CHECK(evs[0].id == "7");
  CHECK(evs[1].id == "7");
  CHECK(evs[2].id == "");
  // An id in a block without data still updates the last id.
  CHECK(evs[3].id == "9");
}

TEST_CASE("sse: id containing NUL is ignored") {
  using namespace std::string_view_literals;
  auto evs = parse("id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n"sv);
  REQUIRE(evs.size() == 2);
  CHECK(evs[0].id == "1");
  CHECK(evs[1].id == "1");
}

TEST_CASE("sse: retry only when all ASCII digits") {
  auto evs = parse(
      "retry: 3000\ndata: a\n\n"
      "data: b\n\n"
      "retry: 30x\ndata: c\n\n"
      "retry: -5\ndata: d\n\n"
      "retry:\ndata: e\n\n"
      "retry: 99999999999999999999999999\ndata: f\n\n");
  REQUIRE(evs.size() == 6);
  REQUIRE(evs[0].retry_ms.has_value());
  CHECK(*evs[0].retry_ms == 3000);
  CHECK_FALSE(evs[1].retry_ms.has_value());
  CHECK_FALSE(evs[2].retry_ms.has_value());
  CHECK_FALSE(evs[3].retry_ms.has_value());
  CHECK_FALSE(evs[4].retry_ms.has_value());
  CHECK_FALSE(evs[5].retry_ms.has_value());
}

TEST_CASE("sse: comments and unknown fields are ignored") {
  auto evs = parse(": keep-alive\n:data: no\nfoo: bar\nData: no\ndata: yes\n: mid\n\n:\n\n");
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].data == "yes");
  CHECK(evs[0].event == "message");
}

TEST_CASE("sse: field name without colon has an empty value") {
  auto evs = parse("data\n\nevent\ndata: x\n\n");
  REQUIRE(evs.size() == 2);
  CHECK(evs[0].data == "");
  CHECK(evs[1].event == "message");
  CHECK(evs[1].data == "x");
}

TEST_CASE("sse: a block without data is not dispatched and resets the event") {
  auto evs = parse("event: foo\nretry: 10\n\n: only a comment\n\ndata: x\n\n");
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].event == "message");
  CHECK_FALSE(evs[0].retry_ms.has_value());
  CHECK(evs[0].data == "x");
}

TEST_CASE("sse: BOM is skipped once, even when split") {
  CHECK(parse("\xEF\xBB\xBF" "data: x\n\n").size() == 1);
  CHECK(parse_pieces({"\xEF", "\xBB", "\xBF" "data: x\n\n"}).size() == 1);
  // A second BOM is part of the field name, which is then unknown.
  CHECK(parse("\xEF\xBB\xBF\xEF\xBB\xBF" "data: x\n\n").empty());
  // A BOM anywhere but the start is not skipped either.
  CHECK(parse("\n\xEF\xBB\xBF" "data: x\n\n").empty());
  // A partial BOM is ordinary content.
  auto evs = parse_pieces({"\xEF\xBB", "data: x\n\ndata: y\n\n"});
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].data == "y");
}

TEST_CASE("sse: incomplete event at the end is dropped on finish") {
  std::vector<SseEvent> evs;
  auto sink = [&](const SseEvent& ev) { evs.push_back(ev); };
  SseParser p;
  CHECK(p.feed("data: done\n\ndata: half\n", sink));
  p.finish();
  CHECK(p.feed("\n", sink));
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].data == "done");

  SseParser q;
  CHECK(q.feed("data: no line end", sink));
  q.finish();
  CHECK(q.feed("\n\n", sink));
  CHECK(evs.size() == 1);
}

TEST_CASE("sse: a partial line over max_line fails, however it arrives") {
  int calls = 0;
  auto sink = [&](const SseEvent&) { ++calls; };

  SseParser whole(10, 100);
  CHECK_FALSE(whole.feed("data: 0123456789", sink));
  CHECK(whole.failed());
  CHECK(whole.error().find("max_line") != std::string::npos);

  SseParser bytewise(10, 100);
  const std::string_view line = "data: 0123456789";
  std::size_t accepted = 0;
  while (accepted < line.size() && bytewise.feed(line.substr(accepted, 1), sink)) ++accepted;
  CHECK(accepted == 10);
  CHECK(bytewise.failed());

  // A complete line counts too, so the outcome does not depend on chunking.
  SseParser complete(10, 100);
  CHECK_FALSE(complete.feed("data: 0123456789\n\n", sink));
  CHECK(complete.failed());

  // Once failed it stays failed and dispatches nothing more.
  CHECK_FALSE(complete.feed("data: a\n\n", sink));
  CHECK(calls == 0);

  SseParser exact(10, 100);
  CHECK(exact.feed("data: 0123\n\n", sink));
  CHECK_FALSE(exact.failed());
  CHECK(calls == 1);
}

TEST_CASE("sse: event data over max_event fails") {
  std::vector<SseEvent> evs;
  auto sink = [&](const SseEvent& ev) { evs.push_back(ev); };

  SseParser at_limit(100, 8);
  CHECK(at_limit.feed("data: 1234\ndata: 567\n\n", sink));
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].data == "1234\n567");

  SseParser over(100, 8);
  CHECK_FALSE(over.feed("data: 1234\ndata: 5678\n\n", sink));
  CHECK(over.failed());
  CHECK(over.error().find("max_event") != std::string::npos);
  CHECK(evs.size() == 1);
}

TEST_CASE("sse: a long line arriving in many pieces is reassembled") {
  const std::string payload(200000, 'x');
  const std::string stream = "data: " + payload + "\n\n";
  std::vector<SseEvent> evs;
  SseParser p;
  for (std::size_t i = 0; i < stream.size(); i += 7)
    REQUIRE(p.feed(std::string_view(stream).substr(i, 7), [&](const SseEvent& ev) { evs.push_back(ev); }));
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].data == payload);
}
