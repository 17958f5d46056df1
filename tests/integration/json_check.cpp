// Reads a JSON report with simdjson and prints its shape; exits 1 when it does not parse or fit.
#include <cstdio>
#include <string_view>

#include <simdjson.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: json-check FILE\n");
    return 2;
  }
  simdjson::padded_string text;
  if (auto error = simdjson::padded_string::load(argv[1]).get(text)) {
    std::printf("cannot read %s: %s\n", argv[1], simdjson::error_message(error));
    return 1;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto error = parser.parse(text).get(doc)) {
    std::printf("not JSON: %s\n", simdjson::error_message(error));
    return 1;
  }
  int64_t version = 0;
  std::string_view outcome;
  simdjson::dom::array workers, hive_log;
  if (doc["version"].get(version) || doc["outcome"].get(outcome) || doc["workers"].get(workers) ||
      doc["hive"]["log"].get(hive_log)) {
    std::printf("missing version, outcome, workers or hive.log\n");
    return 1;
  }
  std::size_t checks = 0, log_lines = 0, log_bytes = 0;
  for (auto worker : workers) {
    simdjson::dom::array list, lines;
    if (worker["checks"].get(list) || worker["log"]["lines"].get(lines)) {
      std::printf("a worker without checks or log lines\n");
      return 1;
    }
    checks += list.size();
    log_lines += lines.size();
    for (auto line : lines) {
      std::string_view t;
      if (line["text"].get(t)) return 1;
      log_bytes += t.size();
    }
  }
  std::printf("version=%lld outcome=%.*s workers=%zu checks=%zu log_lines=%zu log_bytes=%zu hive_log=%zu\n",
              static_cast<long long>(version), static_cast<int>(outcome.size()), outcome.data(), workers.size(), checks,
              log_lines, log_bytes, hive_log.size());
  return 0;
}
