// The --matrix file: a JSON list of worker specs, each one a flow::Config.
#pragma once

#include <string>
#include <vector>

#include "hivetest/flow/isolation.hpp"

namespace hivetest::cli {

// Reads `path`: either a JSON array of objects or {"workers": [...]}. Each object may set
// name, worker or attach, model, model_ref, backend, device, profile, api_key, port ("auto" or a number),
// timeout, heartbeats, heartbeat_timeout, inference_timeout, grace, prompt, max_tokens,
// temperature, log_lines; what it leaves out comes from `base`. On a bad file returns false
// with `error` naming the file, the line and the field.
bool read_matrix(const std::string& path, const flow::Config& base, std::vector<flow::Config>& out, std::string& error);

}  // namespace hivetest::cli
