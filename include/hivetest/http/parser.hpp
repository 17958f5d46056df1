// Incremental HTTP/1.x message parsing on llhttp, with size limits, for both directions.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hivetest/http/message.hpp"

namespace hivetest::http {

struct Limits {
  std::size_t max_head = 16 * 1024;     // request line / status line and headers
  std::size_t max_headers = 100;        // header fields in one message
  std::size_t max_body = 1024 * 1024;   // a stored body; a streamed body is not stored
};

enum class ParseStatus {
  need_more,     // every byte given was consumed; feed more
  head_done,     // the head of a message is complete; body (if any) follows
  message_done,  // a message is complete; call next() before feeding what follows
  error,         // see error_status() and error()
};

// Stops after each message's head and after each complete message, so that the caller
// can answer `Expect: 100-continue`, refuse a body before it arrives, and answer
// pipelined requests one at a time. `consumed` says how much of the input was used.
class MessageParser {
 public:
  enum class Kind { request, response };
  MessageParser(Kind kind, Limits limits = {});
  ~MessageParser();
  MessageParser(const MessageParser&) = delete;
  MessageParser& operator=(const MessageParser&) = delete;

  ParseStatus feed(std::string_view data, std::size_t& consumed);
  // The peer closed: completes a body that runs until close; a message cut short stays
  // need_more, for the caller to say that the connection closed before its end.
  ParseStatus finish();
  void next();  // ready for the next message on the same connection

  // Body bytes go to the sink instead of body() (for streamed responses); a sink that
  // returns false stops parsing with an error.
  void set_body_sink(std::function<bool(std::string_view)> sink);

  bool in_message() const;   // some bytes of a message have been seen and it is not complete
  const std::string& method() const;
  const std::string& target() const;
  int status() const;
  const Headers& headers() const;
  std::string& body();
  bool keep_alive() const;        // valid after head_done
  bool expects_continue() const;  // `Expect: 100-continue` was sent
  std::optional<std::size_t> content_length() const;
  bool chunked() const;

  int error_status() const;  // 400, 413 or 431 for a request
  const std::string& error() const;

  // The whole request just parsed, moved out.
  Request take_request();

  struct State;

 private:
  std::unique_ptr<State> s_;
};

}  // namespace hivetest::http
