// The one table of hivetest's options: name, group, value, help, matrix key, how a value is checked and set, how its default shows.
#pragma once

#include <string>
#include <vector>

#include "hivetest/flow/isolation.hpp"
#include "hivetest/flow/suite.hpp"
#include "hivetest/report/reporter.hpp"

namespace hivetest::cli {

// The model a worker given with --worker runs with when --model is not given (the bundled
// worker runs with the bundled tiny model).
inline constexpr const char* default_external_model = ".test-models/tinyllama/tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf";

// Everything the options set. A default is the value a default-constructed Settings holds
// (flow::Config, flow::SuitePlan, report::ReportOptions and the members below): the help,
// the man page and the matrix reader all read it from there.
struct Settings {
  flow::Config worker;  // every worker's, before a matrix entry changes it
  flow::SuitePlan plan;
  report::ReportOptions report;
  std::string junit;
  std::string worker_command;  // "" = the bundled reference worker
  bool worker_given = false;
  bool model_given = false;
  std::string profile = "rbee";
  std::string attach;
  std::string matrix;
  std::string shard;
  std::size_t workers = 1;
  std::vector<std::string> checks, skip_checks;
  bool no_color = false;
  bool list_profiles = false;
  bool help = false;
  bool version = false;
  std::string generate;  // "man" or "bash-completion": print it and exit (the build does)
};

enum class Group { worker, hive, checks, output, parallel, hidden };

struct OptionSpec {
  const char* names;       // "-v,--verbose", as CLI11 takes them
  const char* value;       // "SECONDS"; nullptr for a flag
  Group group;
  const char* help;
  const char* matrix_key;  // the matrix field that sets it too, or nullptr
  // Checks the value given and sets it; "" when it is fine, else what is allowed
  // ("a positive number of seconds"). A flag gets "".
  std::string (*apply)(Settings& s, const std::string& value);
  // The default as the help shows it, from a default-constructed Settings; "" for none.
  std::string (*shown_default)(const Settings& s);
  const char* choices;     // the allowed values in words, for the help and completion; "" for any
};

const std::vector<OptionSpec>& option_table();
const char* group_title(Group g);
// The option whose long name is `flag` ("--timeout"), or the matrix field `key`; nullptr when none.
const OptionSpec* find_option(const std::string& flag);
const OptionSpec* find_matrix_field(const std::string& key);
// The long name of an option ("--timeout" of "-v,--timeout").
std::string long_name(const OptionSpec& o);

}  // namespace hivetest::cli
