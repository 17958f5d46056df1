// The worker's HTTP endpoints (SPEC.md §2), behind the bearer-token check and the request log.
#pragma once

#include "hivetest/http/server.hpp"
#include "worker.hpp"

namespace reference_worker {

hivetest::http::Handler make_handler(Worker& w);

}  // namespace reference_worker
