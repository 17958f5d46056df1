// Tests of the llhttp-based message parser: pipelining, chunked bodies, limits.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "hivetest/http/parser.hpp"

using namespace hivetest::http;

namespace {

struct Parsed {
  std::vector<Request> requests;
  int error_status = 0;
  int heads = 0;
};

// Feeds `wire` in pieces of `step` bytes, collecting every request.
Parsed parse_requests(const std::string& wire, std::size_t step, Limits limits = {}) {
  MessageParser p(MessageParser::Kind::request, limits);
  Parsed out;
  for (std::size_t off = 0; off < wire.size(); off += step) {
    std::string_view piece = std::string_view(wire).substr(off, step);
    for (;;) {
      std::size_t used = 0;
      auto st = p.feed(piece, used);
      piece.remove_prefix(used);
      if (st == ParseStatus::head_done) { ++out.heads; continue; }
      if (st == ParseStatus::message_done) {
        out.requests.push_back(p.take_request());
        p.next();
        continue;
      }
      if (st == ParseStatus::error) {
        out.error_status = p.error_status();
        return out;
      }
      break;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a GET without a body completes at its blank line") {
  auto r = parse_requests("GET /health HTTP/1.1\r\nHost: x\r\n\r\n", 1000);
  REQUIRE(r.requests.size() == 1);
  CHECK(r.requests[0].method == "GET");
  CHECK(r.requests[0].path == "/health");
  CHECK(r.requests[0].keep_alive);
  CHECK(r.heads == 1);
}

TEST_CASE("pipelined requests come out in order, however the bytes are split") {
  std::string wire;
  for (int i = 0; i < 5; ++i)
    wire += "POST /v1/heartbeat?n=" + std::to_string(i) +
            " HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n{\"n\":" + std::to_string(i) + "}";
  for (std::size_t step : {1ul, 2ul, 7ul, 64ul, wire.size()}) {
    auto r = parse_requests(wire, step);
    REQUIRE(r.requests.size() == 5);
    for (int i = 0; i < 5; ++i) {
      CHECK(r.requests[i].body == "{\"n\":" + std::to_string(i) + "}");
      CHECK(r.requests[i].target == "/v1/heartbeat?n=" + std::to_string(i));
      CHECK(r.requests[i].path == "/v1/heartbeat");
    }
  }
}

TEST_CASE("a chunked body is joined") {
  std::string wire = "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3;ext=1\r\nefg\r\n0\r\n\r\n";
  for (std::size_t step : {1ul, 3ul, wire.size()}) {
    auto r = parse_requests(wire, step);
    REQUIRE(r.requests.size() == 1);
    CHECK(r.requests[0].body == "abcdefg");
  }
}

TEST_CASE("Expect: 100-continue is seen at the head") {
  MessageParser p(MessageParser::Kind::request);
  std::string head = "POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
  std::size_t used = 0;
  REQUIRE(p.feed(head, used) == ParseStatus::head_done);
  CHECK(used == head.size());
  CHECK(p.expects_continue());
  CHECK(p.content_length() == 3u);
  CHECK(p.feed("", used) == ParseStatus::need_more);
  CHECK(p.feed("abc", used) == ParseStatus::message_done);
  CHECK(p.take_request().body == "abc");
}

TEST_CASE("limits: header block 431, body 413, malformed 400") {
  std::string big = "GET / HTTP/1.1\r\nX-Big: " + std::string(17 * 1024, 'a') + "\r\n\r\n";
  CHECK(parse_requests(big, 1000).error_status == 431);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) many += "X-" + std::to_string(i) + ": 1\r\n";
  CHECK(parse_requests(many + "\r\n", 1000).error_status == 431);
  CHECK(parse_requests("POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", 1000).error_status == 413);
  std::string chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 20; ++i) chunked += "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
  CHECK(parse_requests(chunked, 4096).error_status == 413);
  CHECK(parse_requests("GARBAGE\r\n\r\n", 1000).error_status == 400);
  CHECK(parse_requests("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 1000).error_status == 400);
}

TEST_CASE("the header block limit does not depend on how the bytes are split") {
  Limits limits;
  limits.max_head = 256;
  // A long header name just under the limit: split in pieces it comes in many calls.
  std::string wire = "POST / HTTP/1.1\r\nX-" + std::string(200, 'n') + ": 1\r\n\r\n";
  for (std::size_t step : {wire.size(), std::size_t(1), std::size_t(4)}) {
    CAPTURE(step);
    auto parsed = parse_requests(wire, step, limits);
    CHECK(parsed.error_status == 0);
    CHECK(parsed.requests.size() == 1);
  }
}

TEST_CASE("a response body runs until close when it has no length") {
  MessageParser p(MessageParser::Kind::response);
  std::size_t used = 0;
  std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n";
  REQUIRE(p.feed(head, used) == ParseStatus::head_done);
  CHECK(p.status() == 200);
  CHECK(p.feed("hello ", used) == ParseStatus::need_more);
  CHECK(p.feed("world", used) == ParseStatus::need_more);
  CHECK(p.finish() == ParseStatus::message_done);
  CHECK(p.body() == "hello world");
}

TEST_CASE("a streamed response body goes to the sink, not the buffer") {
  MessageParser p(MessageParser::Kind::response);
  std::string got;
  std::size_t used = 0;
  REQUIRE(p.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", used) == ParseStatus::head_done);
  p.set_body_sink([&](std::string_view c) { got += c; return true; });
  CHECK(p.feed("5\r\ndata:\r\n", used) == ParseStatus::need_more);
  CHECK(p.feed("3\r\n x\n\r\n0\r\n\r\n", used) == ParseStatus::message_done);
  CHECK(got == "data: x\n");
  CHECK(p.body().empty());
}
