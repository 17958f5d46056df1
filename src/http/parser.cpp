// Incremental HTTP/1.x message parsing on llhttp, with size limits, for both directions.
#include "hivetest/http/parser.hpp"

#include <charconv>

#include <llhttp.h>

namespace hivetest::http {

struct MessageParser::State {
  llhttp_t parser{};
  llhttp_settings_t settings{};
  Limits limits;
  Kind kind;

  std::string method, target;
  int status = 0;
  Headers headers;
  std::string body;
  std::function<bool(std::string_view)> body_sink;
  bool in_message = false;
  bool head_done = false;
  bool message_done = false;
  bool in_value = false;
  std::size_t head_bytes = 0;
  int error_status = 0;
  std::string error;

  void reset_message() {
    method.clear();
    target.clear();
    status = 0;
    headers.clear();
    headers.reserve(12);  // what real clients send, without regrowing
    body.clear();
    in_message = false;
    head_done = false;
    message_done = false;
    in_value = false;
    head_bytes = 0;
  }

  // Fails the message with our own status; llhttp reports it as HPE_USER.
  int fail(int http_status, std::string why) {
    error_status = http_status;
    error = std::move(why);
    return -1;
  }

  int count_head(std::size_t n) {
    head_bytes += n;
    if (head_bytes > limits.max_head)
      return fail(431, "header block over " + std::to_string(limits.max_head) + " bytes");
    return 0;
  }
};

namespace {

MessageParser::State& state(llhttp_t* p) { return *static_cast<MessageParser::State*>(p->data); }

int on_message_begin(llhttp_t* p) {
  auto& s = state(p);
  s.reset_message();
  s.in_message = true;
  return 0;
}

int on_method(llhttp_t* p, const char* at, std::size_t n) {
  auto& s = state(p);
  s.method.append(at, n);
  return s.count_head(n);
}

int on_url(llhttp_t* p, const char* at, std::size_t n) {
  auto& s = state(p);
  s.target.append(at, n);
  return s.count_head(n);
}

int on_status_or_version(llhttp_t* p, const char*, std::size_t n) { return state(p).count_head(n); }

int on_header_field(llhttp_t* p, const char* at, std::size_t n) {
  auto& s = state(p);
  std::size_t counted = n;
  if (s.headers.empty() || s.in_value) {
    if (s.headers.size() >= s.limits.max_headers)
      return s.fail(431, "more than " + std::to_string(s.limits.max_headers) + " header fields");
    s.headers.push_back({});
    s.in_value = false;
    // ": " and CRLF count toward the block too, once per field: a name that arrives in
    // several pieces comes in several calls.
    counted += 4;
  }
  s.headers.back().name.append(at, n);
  return s.count_head(counted);
}

int on_header_value(llhttp_t* p, const char* at, std::size_t n) {
  auto& s = state(p);
  s.in_value = true;
  s.headers.back().value.append(at, n);
  return s.count_head(n);
}

int on_header_value_complete(llhttp_t* p) {
  state(p).in_value = true;
  return 0;
}

int on_headers_complete(llhttp_t* p) {
  auto& s = state(p);
  if (s.kind == MessageParser::Kind::request)
    s.method = llhttp_method_name(static_cast<llhttp_method_t>(llhttp_get_method(p)));
  s.status = llhttp_get_status_code(p);
  s.head_done = true;
  // Refuse a request body that cannot fit before it is sent (it matters with
  // 100-continue). A response's reader says at the pause below whether it streams the
  // body (no limit: the stream's own parser has its limits) or stores it (on_body's).
  if (s.kind == MessageParser::Kind::request && !s.body_sink && (p->flags & F_CONTENT_LENGTH) &&
      p->content_length > s.limits.max_body)
    return s.fail(413, "body of " + std::to_string(p->content_length) + " bytes over the limit of " +
                           std::to_string(s.limits.max_body));
  return HPE_PAUSED;
}

int on_body(llhttp_t* p, const char* at, std::size_t n) {
  auto& s = state(p);
  if (s.body_sink) {
    if (!s.body_sink(std::string_view(at, n))) return s.fail(400, "body reader stopped");
    return 0;
  }
  if (s.body.size() + n > s.limits.max_body)
    return s.fail(413, "body over the limit of " + std::to_string(s.limits.max_body) + " bytes");
  s.body.append(at, n);
  return 0;
}

int on_message_complete(llhttp_t* p) {
  auto& s = state(p);
  s.message_done = true;
  s.in_message = false;
  return HPE_PAUSED;
}

}  // namespace

MessageParser::MessageParser(Kind kind, Limits limits) : s_(std::make_unique<State>()) {
  s_->limits = limits;
  s_->kind = kind;
  llhttp_settings_init(&s_->settings);
  s_->settings.on_message_begin = on_message_begin;
  s_->settings.on_method = on_method;
  s_->settings.on_url = on_url;
  s_->settings.on_status = on_status_or_version;
  s_->settings.on_version = on_status_or_version;
  s_->settings.on_header_field = on_header_field;
  s_->settings.on_header_value = on_header_value;
  s_->settings.on_header_value_complete = on_header_value_complete;
  s_->settings.on_headers_complete = on_headers_complete;
  s_->settings.on_body = on_body;
  s_->settings.on_message_complete = on_message_complete;
  llhttp_init(&s_->parser, kind == Kind::request ? HTTP_REQUEST : HTTP_RESPONSE, &s_->settings);
  s_->parser.data = s_.get();
}

MessageParser::~MessageParser() = default;

ParseStatus MessageParser::feed(std::string_view data, std::size_t& consumed) {
  consumed = 0;
  if (s_->error_status) return ParseStatus::error;
  bool head_was_done = s_->head_done;
  auto rc = llhttp_execute(&s_->parser, data.data(), data.size());
  if (rc == HPE_OK) {
    consumed = data.size();
    return ParseStatus::need_more;
  }
  if (rc == HPE_PAUSED) {
    consumed = static_cast<std::size_t>(llhttp_get_error_pos(&s_->parser) - data.data());
    llhttp_resume(&s_->parser);
    if (s_->message_done) return ParseStatus::message_done;
    if (s_->head_done && !head_was_done) return ParseStatus::head_done;
    return ParseStatus::need_more;
  }
  if (!s_->error_status) {
    s_->error_status = 400;
    s_->error = llhttp_get_error_reason(&s_->parser) ? llhttp_get_error_reason(&s_->parser) : "malformed message";
  }
  return ParseStatus::error;
}

ParseStatus MessageParser::finish() {
  if (s_->error_status) return ParseStatus::error;
  auto rc = llhttp_finish(&s_->parser);
  if (rc == HPE_OK || rc == HPE_PAUSED) return s_->message_done ? ParseStatus::message_done : ParseStatus::need_more;
  if (rc == HPE_INVALID_EOF_STATE) return ParseStatus::need_more;  // cut short: not malformed, unfinished
  s_->error_status = 400;
  s_->error = llhttp_get_error_reason(&s_->parser) ? llhttp_get_error_reason(&s_->parser) : "connection closed mid-message";
  return ParseStatus::error;
}

void MessageParser::next() {
  s_->reset_message();
}

void MessageParser::set_body_sink(std::function<bool(std::string_view)> sink) { s_->body_sink = std::move(sink); }

bool MessageParser::in_message() const { return s_->in_message; }
const std::string& MessageParser::method() const { return s_->method; }
const std::string& MessageParser::target() const { return s_->target; }
int MessageParser::status() const { return s_->status; }
const Headers& MessageParser::headers() const { return s_->headers; }
std::string& MessageParser::body() { return s_->body; }
bool MessageParser::keep_alive() const { return llhttp_should_keep_alive(&s_->parser) != 0; }

bool MessageParser::expects_continue() const {
  auto v = find_header(s_->headers, "expect");
  return v && iequals(*v, "100-continue");
}

std::optional<std::size_t> MessageParser::content_length() const {
  if (!(s_->parser.flags & F_CONTENT_LENGTH)) return std::nullopt;
  return static_cast<std::size_t>(s_->parser.content_length);
}

bool MessageParser::chunked() const { return (s_->parser.flags & F_CHUNKED) != 0; }
int MessageParser::error_status() const { return s_->error_status; }
const std::string& MessageParser::error() const { return s_->error; }

Request MessageParser::take_request() {
  Request r;
  r.method = std::move(s_->method);
  r.target = std::move(s_->target);
  auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  r.headers = std::move(s_->headers);
  r.body = std::move(s_->body);
  r.keep_alive = keep_alive();
  return r;
}

}  // namespace hivetest::http
