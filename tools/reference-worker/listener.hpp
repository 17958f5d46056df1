// The worker's HTTP server on its port, and cutting every connection at once by opening the port afresh (sse-cut, cancel-kills-others).
#pragma once

#include <memory>
#include <system_error>

#include "hivetest/http/server.hpp"

namespace reference_worker {

struct Worker;

class Listener {
 public:
  // Listens on w.opts.host and w.opts.port (0 picks a free port, written back to
  // w.opts.port); false, with `ec` set, when it cannot.
  bool open(Worker& w, std::error_code& ec);
  bool is_open() const { return server_ != nullptr; }

  // Closes every connection at once, without the end of any answer, as a worker that
  // breaks does, then listens on the same port again. hivetest's server gives an answer
  // no way to cut its own connection; stopping the server cuts them all, so this cuts the
  // streams of other clients too, and any keep-alive connection.
  void cut_every_connection(Worker& w);

  // Closes the port and every connection, for good.
  void close();

 private:
  std::unique_ptr<hivetest::http::Server> server_;
};

}  // namespace reference_worker
