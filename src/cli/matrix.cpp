// The --matrix file: a JSON list of worker specs, each one a flow::Config.
#include "hivetest/cli/matrix.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <simdjson.h>

#include "hivetest/process/child.hpp"

namespace hivetest::cli {

namespace {

using namespace simdjson;

struct MatrixError {
  std::string text;
};

// Line of a position in the file, for error messages.
std::size_t line_of(const padded_string& json, const char* at) {
  if (!at || at < json.data() || at > json.data() + json.size()) return 0;
  return 1 + std::count(json.data(), at, '\n');
}

class Reader {
 public:
  Reader(const std::string& path, const padded_string& json) : path_(path), json_(json) {}

  [[noreturn]] void fail(ondemand::value& v, const std::string& field, const std::string& what) {
    const char* at = nullptr;
    auto loc = v.current_location();
    if (!loc.error()) at = loc.value_unsafe();
    throw MatrixError{fmt::format("{}:{}: {}: {}", path_, line_of(json_, at), field, what)};
  }

  std::string string(ondemand::value& v, const std::string& field) {
    std::string_view s;
    if (v.get_string().get(s)) fail(v, field, "expected a string");
    return std::string(s);
  }
  double number(ondemand::value& v, const std::string& field, double min, double max) {
    double d;
    if (v.get_double().get(d)) fail(v, field, "expected a number");
    if (!(d >= min && d <= max)) fail(v, field, fmt::format("{} is out of range ({} to {})", d, min, max));
    return d;
  }
  long long integer(ondemand::value& v, const std::string& field, long long min, long long max) {
    int64_t i;
    if (v.get_int64().get(i)) fail(v, field, "expected a whole number");
    if (i < min || i > max) fail(v, field, fmt::format("{} is out of range ({} to {})", i, min, max));
    return i;
  }

  flow::Config entry(ondemand::value& v, const flow::Config& base, std::size_t index) {
    flow::Config c = base;
    std::string where = fmt::format("workers[{}]", index);
    ondemand::object obj;
    if (v.get_object().get(obj)) fail(v, where, "expected an object");
    bool has_worker = false;
    for (auto field : obj) {
      std::string_view key_view;
      if (field.unescaped_key().get(key_view)) throw MatrixError{fmt::format("{}: {}: bad key", path_, where)};
      std::string key(key_view);
      std::string name = where + "." + key;
      ondemand::value value;
      if (field.value().get(value)) throw MatrixError{fmt::format("{}: {}: bad value", path_, name)};
      auto ms = [&](double max) { return std::chrono::milliseconds(std::llround(number(value, name, 0.001, max) * 1000)); };
      if (key == "name") c.label = string(value, name);
      else if (key == "worker") {
        std::string cmd = string(value, name), err;
        auto argv = process::split_command(cmd, &err);
        if (!argv || argv->empty()) fail(value, name, argv ? "empty command" : err);
        c.worker_argv = *argv;
        has_worker = true;
      } else if (key == "model") c.model = string(value, name);
      else if (key == "model_ref") c.model_ref = string(value, name);
      else if (key == "backend") c.backend = string(value, name);
      else if (key == "device") c.device = static_cast<int>(integer(value, name, 0, 1024));
      else if (key == "profile") {
        std::string p = string(value, name), err;
        c.profile = profile::load_profile(p, err);
        if (!c.profile) fail(value, name, err);
      } else if (key == "attach") {
        std::string url = string(value, name), err;
        c.attach = flow::parse_attach_url(url, err);
        if (!c.attach) fail(value, name, err);
        has_worker = true;
      } else if (key == "api_key") {
        c.api_key = string(value, name);
      } else if (key == "port") {
        std::string_view s;
        if (!value.get_string().get(s)) {
          if (s != "auto") fail(value, name, "expected a port number or \"auto\"");
          c.port.reset();
        } else {
          c.port = static_cast<uint16_t>(integer(value, name, 1, 65535));
        }
      } else if (key == "timeout") c.ready_timeout = ms(86400);
      else if (key == "heartbeats") c.heartbeats = static_cast<std::size_t>(integer(value, name, 0, 100000));
      else if (key == "heartbeat_timeout") c.heartbeat_timeout = ms(86400);
      else if (key == "inference_timeout") c.inference_timeout = ms(86400);
      else if (key == "grace") c.grace = ms(3600);
      else if (key == "prompt") c.prompt = string(value, name);
      else if (key == "max_tokens") c.max_tokens = static_cast<int>(integer(value, name, 1, 2048));
      else if (key == "temperature") c.temperature = number(value, name, 0, 2);
      else if (key == "log_lines") c.log_lines = static_cast<std::size_t>(integer(value, name, 0, 100000));
      else fail(value, name, "unknown field");
    }
    if (!has_worker && base.worker_argv.empty())
      throw MatrixError{fmt::format("{}: {}: no \"worker\" command", path_, where)};
    if (c.attach && c.model == base.model && !base.attach) c.model.clear();  // an attached worker's model is checked only when named
    if (c.label.empty())
      c.label = fmt::format("#{} {}", index + 1, c.attach ? c.attach->url : c.worker_argv.empty() ? "" : c.worker_argv.front());
    return c;
  }

 private:
  const std::string& path_;
  const padded_string& json_;
};

}  // namespace

bool read_matrix(const std::string& path, const flow::Config& base, std::vector<flow::Config>& out, std::string& error) {
  padded_string json;
  if (auto err = padded_string::load(path).get(json)) {
    error = fmt::format("{}: cannot read: {}", path, error_message(err));
    return false;
  }
  if (json.size() > 4 * 1024 * 1024) {
    error = fmt::format("{}: over 4 MiB; a matrix is a short list", path);
    return false;
  }
  ondemand::parser parser;
  ondemand::document doc;
  if (auto err = parser.iterate(json).get(doc)) {
    error = fmt::format("{}: not JSON: {}", path, error_message(err));
    return false;
  }
  Reader reader(path, json);
  try {
    ondemand::array list;
    ondemand::value root;
    if (auto err = doc.get_value().get(root)) throw MatrixError{fmt::format("{}: not JSON: {}", path, error_message(err))};
    ondemand::object top;
    if (root.type() == ondemand::json_type::object) {
      if (root.get_object().get(top) || top["workers"].get_array().get(list))
        throw MatrixError{fmt::format("{}:1: expected a list of workers, or an object with a \"workers\" list", path)};
    } else if (root.get_array().get(list)) {
      throw MatrixError{fmt::format("{}:1: expected a list of workers, or an object with a \"workers\" list", path)};
    }
    std::size_t index = 0;
    for (auto item : list) {
      ondemand::value v;
      if (auto err = item.get(v)) {
        auto at = doc.current_location();
        throw MatrixError{fmt::format("{}:{}: workers[{}]: not JSON: {}", path,
                                      line_of(json, at.error() ? nullptr : at.value_unsafe()), index, error_message(err))};
      }
      if (index >= 1024) throw MatrixError{fmt::format("{}: more than 1024 workers", path)};
      out.push_back(reader.entry(v, base, index++));
    }
    if (out.empty()) throw MatrixError{fmt::format("{}: the list of workers is empty", path)};
  } catch (const MatrixError& e) {
    error = e.text;
    return false;
  } catch (const simdjson_error& e) {
    error = fmt::format("{}: not JSON: {}", path, e.what());
    return false;
  }
  return true;
}

}  // namespace hivetest::cli
