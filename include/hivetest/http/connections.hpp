// Keep-alive connections to one server, kept idle between requests as an HTTP/1.1 client keeps them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/ip/tcp.hpp>

namespace hivetest::http {

// A request takes an idle connection or opens a new one, and gives it back when its answer
// ended cleanly on a connection the server keeps open. With `keep` 0 nothing is kept: each
// request asks the server to close (`Connection: close`).
class Connections {
 public:
  Connections(asio::any_io_executor ex, std::string host, uint16_t port, std::size_t keep);

  asio::any_io_executor executor() const { return ex_; }
  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }
  bool keeps() const { return keep_ > 0; }

  // An idle connection the server has not closed meanwhile, if there is one.
  std::optional<asio::ip::tcp::socket> take();
  // A connection whose last answer ended cleanly; closed when `keep` are idle already.
  void give_back(asio::ip::tcp::socket sock);
  // Closes every idle connection: before the server is told to stop, as a client leaves.
  void close_idle() { idle_.clear(); }

 private:
  asio::any_io_executor ex_;
  std::string host_;
  uint16_t port_;
  std::size_t keep_;
  std::vector<asio::ip::tcp::socket> idle_;
};

}  // namespace hivetest::http
