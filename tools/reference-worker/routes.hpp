// The worker's HTTP endpoints in the dialect it speaks, behind the checks every dialect makes and the request log.
#pragma once

#include "hivetest/http/server.hpp"
#include "worker.hpp"

namespace reference_worker {

hivetest::http::Handler make_handler(Worker& w);

}  // namespace reference_worker
