// HTTP requests and responses as values, and how a response is put on the wire.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

namespace hivetest::http {

struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

bool iequals(std::string_view a, std::string_view b);
// A target a request line can carry as it is: a path from the root ("/v1/jobs/1/stream?x=1"),
// visible ASCII only, so that nothing in it can end the line or start another request.
bool is_request_target(std::string_view target);
// The first header of that name (case-insensitive), if any.
std::optional<std::string_view> find_header(const Headers& headers, std::string_view name);

struct Request {
  std::string method;
  std::string target;  // as sent: path and query
  std::string path;    // target without the query
  Headers headers;
  std::string body;
  bool keep_alive = true;
  std::optional<std::string_view> header(std::string_view name) const { return find_header(headers, name); }
};

// Writes the chunks of a streamed response body; false once the peer has gone.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  virtual asio::awaitable<bool> write(std::string_view chunk) = 0;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, the body is streamed (chunked) by this coroutine instead of `body`.
  std::function<asio::awaitable<void>(BodyWriter&)> stream;

  static Response json(int status, std::string body);
  static Response text(int status, std::string body);
  // {"error": reason} with the status, the shape every error answer takes.
  static Response error(int status, std::string_view reason);
  static Response event_stream(std::function<asio::awaitable<void>(BodyWriter&)> producer);
};

std::string_view reason_phrase(int status);
// Status line and headers (Content-Length or chunked added here), then the body if not streamed.
std::string serialize_head(const Response& r, bool keep_alive);
std::string json_escape(std::string_view s);  // the inside of a JSON string literal

}  // namespace hivetest::http
