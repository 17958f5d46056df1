// Keep-alive connections to one server, kept idle between requests as an HTTP/1.1 client keeps them.
#include "hivetest/http/connections.hpp"

#include <cerrno>

#include <sys/socket.h>

namespace hivetest::http {

Connections::Connections(asio::any_io_executor ex, std::string host, uint16_t port, std::size_t keep)
    : ex_(std::move(ex)), host_(std::move(host)), port_(port), keep_(keep) {}

std::optional<asio::ip::tcp::socket> Connections::take() {
  while (!idle_.empty()) {
    asio::ip::tcp::socket sock = std::move(idle_.back());
    idle_.pop_back();
    // Open and quiet: nothing to read. A close, a reset or bytes no request asked for
    // leave the connection unusable, and it is dropped.
    char byte = 0;
    if (::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return sock;
  }
  return std::nullopt;
}

void Connections::give_back(asio::ip::tcp::socket sock) {
  if (idle_.size() < keep_) idle_.push_back(std::move(sock));
}

}  // namespace hivetest::http
