// HTTP requests and responses as values, and how a response is put on the wire.
#include "hivetest/http/message.hpp"

#include <charconv>

#include <fmt/format.h>

namespace hivetest::http {

bool is_request_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return false;
  for (unsigned char c : target)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return std::string_view(h.value);
  return std::nullopt;
}

namespace {

Response with_body(int status, const char* content_type, std::string body) {
  Response r;
  r.status = status;
  r.headers.push_back({"Content-Type", content_type});
  r.body = std::move(body);
  return r;
}

}  // namespace

Response Response::json(int status, std::string body) { return with_body(status, "application/json", std::move(body)); }

Response Response::text(int status, std::string body) {
  return with_body(status, "text/plain; charset=utf-8", std::move(body));
}

Response Response::error(int status, std::string_view reason) {
  return json(status, fmt::format(R"({{"error":"{}"}})", json_escape(reason)));
}

Response Response::event_stream(std::function<asio::awaitable<void>(BodyWriter&)> producer) {
  Response r;
  r.headers.push_back({"Content-Type", "text/event-stream"});
  r.headers.push_back({"Cache-Control", "no-cache"});
  r.stream = std::move(producer);
  return r;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

// Built by appending, not formatting: this runs once per answer, and the hive's
// throughput is bounded by it.
std::string serialize_head(const Response& r, bool keep_alive) {
  std::string_view reason = reason_phrase(r.status);
  std::size_t size = 64 + reason.size() + (r.stream ? 0 : r.body.size());
  for (const auto& h : r.headers) size += h.name.size() + h.value.size() + 4;
  std::string out;
  out.reserve(size);
  char number[24];
  auto append_number = [&](std::size_t n) {
    auto end = std::to_chars(number, number + sizeof number, n).ptr;
    out.append(number, end);
  };
  out += "HTTP/1.1 ";
  append_number(static_cast<std::size_t>(r.status));
  out += ' ';
  out += reason;
  out += "\r\n";
  for (const auto& h : r.headers) {
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
  if (r.stream) {
    out += "Transfer-Encoding: chunked\r\n";
  } else {
    out += "Content-Length: ";
    append_number(r.body.size());
    out += "\r\n";
  }
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (!r.stream) out += r.body;
  return out;
}

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f)
          out += fmt::format("\\u{:04x}", c);
        else
          out += char(c);
    }
  }
  return out;
}

}  // namespace hivetest::http
