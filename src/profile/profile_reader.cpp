// Reads a profile from JSON (a --profile FILE, or a built-in): every field checked, errors as FILE:LINE: field.
#include <fstream>
#include <functional>
#include <sstream>

#include <fmt/format.h>

#include "hivetest/profile/json_tree.hpp"
#include "hivetest/profile/profile.hpp"

namespace hivetest::profile {

namespace {

constexpr std::size_t max_file_size = 1024 * 1024;  // a profile is a page of JSON

struct ReadError {
  std::size_t line;
  std::string field;
  std::string what;
};

using Node = JsonNode;
using Type = JsonNode::Type;

[[noreturn]] void bad(const Node& n, const std::string& field, const std::string& what) {
  throw ReadError{n.line, field, what};
}

void expect_type(const Node& n, Type t, const std::string& field, const char* what) {
  if (n.type != t) bad(n, field, fmt::format("expected {} (got {})", what, n.type_name()));
}

std::string string(const Node& n, const std::string& field) {
  expect_type(n, Type::string, field, "a string");
  return n.text;
}

std::string path_string(const Node& n, const std::string& field) {
  auto s = string(n, field);
  if (s.empty() || s[0] != '/') bad(n, field, fmt::format("expected a path starting with / (got \"{}\")", s));
  return s;
}

bool boolean(const Node& n, const std::string& field) {
  expect_type(n, Type::boolean, field, "true or false");
  return n.boolean;
}

int integer(const Node& n, const std::string& field, int min, int max) {
  if (n.type != Type::number || !n.is_integer) bad(n, field, fmt::format("expected a whole number (got {})", n.type_name()));
  if (n.number < min || n.number > max) bad(n, field, fmt::format("{} is out of range ({} to {})", n.text, min, max));
  return static_cast<int>(n.number);
}

std::vector<std::string> strings(const Node& n, const std::string& field) {
  expect_type(n, Type::array, field, "a list of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n.items.size(); ++i) out.push_back(string(n.items[i], fmt::format("{}[{}]", field, i)));
  return out;
}

std::vector<JsonPath> json_paths(const Node& n, const std::string& field) {
  auto texts = strings(n, field);
  return {texts.begin(), texts.end()};
}

// A status: a number, "4xx" for a class, or "any".
int status(const Node& n, const std::string& field) {
  if (n.type == Type::string) {
    if (n.text == "any") return 0;
    if (n.text.size() == 3 && n.text[0] >= '1' && n.text[0] <= '5' && n.text.substr(1) == "xx") return n.text[0] - '0';
    bad(n, field, fmt::format("expected a status such as 200, \"4xx\" or \"any\" (got \"{}\")", n.text));
  }
  return integer(n, field, 100, 599);
}

std::vector<int> statuses(const Node& n, const std::string& field) {
  expect_type(n, Type::array, field, "a list of statuses");
  std::vector<int> out;
  for (std::size_t i = 0; i < n.items.size(); ++i) out.push_back(integer(n.items[i], fmt::format("{}[{}]", field, i), 100, 599));
  return out;
}

using Handler = std::function<void(const Node&, const std::string&)>;

// Reads an object's members with a handler per known key; any other key is an error, so
// that a misspelt field is not silently ignored.
void members(const Node& n, const std::string& field, const std::vector<std::pair<std::string, Handler>>& known) {
  expect_type(n, Type::object, field, "an object");
  for (const auto& [key, value] : n.members) {
    std::string name = field.empty() ? key : field + "." + key;
    bool found = false;
    for (const auto& [k, handler] : known)
      if (k == key) {
        handler(value, name);
        found = true;
      }
    if (!found) {
      std::string list;
      for (const auto& [k, handler] : known) list += (list.empty() ? "" : ", ") + k;
      bad(value, name, fmt::format("unknown field (known here: {})", list));
    }
  }
}

// The handler of a member that `read` reads into `out`.
template <typename T, typename Read>
Handler into(T& out, Read read) {
  return [&out, read](const Node& v, const std::string& f) { out = read(v, f); };
}

// A string that names one of `choices`, as its value; any other is an error listing them.
template <typename T>
T choice(const Node& n, const std::string& field, std::initializer_list<std::pair<const char*, T>> choices) {
  auto s = string(n, field);
  std::string names;
  std::size_t i = 0;
  for (const auto& [name, value] : choices) {
    if (s == name) return value;
    const char* before = i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ";
    names += fmt::format("{}\"{}\"", before, name);
    ++i;
  }
  bad(n, field, fmt::format("expected {} (got \"{}\")", names, s));
}

void require(const Node& n, const std::string& field, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (!n.member(k)) bad(n, field.empty() ? k : field + "." + k, "missing");
}

// A value the rule allows: a string is kept as it is too, to be compared without JSON text.
void allow(FieldRule& r, const Node& value) {
  r.values.push_back(value.type == Type::string ? fmt::format("\"{}\"", value.text) : value.text);
  if (value.type == Type::string) r.strings.push_back(value.text);
}

// {"path": value} where value is a JSON scalar (equals) or {"one_of"|"non_empty"|"present"|"is_string": …}.
std::vector<FieldRule> field_rules(const Node& n, const std::string& field) {
  expect_type(n, Type::object, field, "an object of field rules");
  std::vector<FieldRule> rules;
  for (const auto& [path, value] : n.members) {
    std::string name = field + "." + path;
    FieldRule r;
    r.path = path;
    if (value.type == Type::object) {
      if (value.members.size() != 1) bad(value, name, "expected one of one_of, non_empty, present, is_string");
      const auto& [kind, arg] = value.members.front();
      if (kind == "one_of") {
        expect_type(arg, Type::array, name + ".one_of", "a list");
        r.kind = FieldRule::Kind::one_of;
        for (const auto& item : arg.items)
          allow(r, item);
      } else if (kind == "non_empty" || kind == "present" || kind == "is_string") {
        if (!boolean(arg, name + "." + kind)) bad(arg, name + "." + kind, "only true makes sense here");
        r.kind = kind == "non_empty" ? FieldRule::Kind::non_empty
               : kind == "present"   ? FieldRule::Kind::present
                                     : FieldRule::Kind::is_string;
      } else {
        bad(value, name + "." + kind, "unknown rule (known: one_of, non_empty, present, is_string)");
      }
    } else if (value.type == Type::array) {
      bad(value, name, "expected a value, or a rule object");
    } else {
      r.kind = FieldRule::Kind::equals;
      allow(r, value);
    }
    rules.push_back(std::move(r));
  }
  return rules;
}

AnswerRule answer_rule(const Node& n, const std::string& field) {
  AnswerRule a;
  members(n, field, {{"status", into(a.status, status)},
                     {"fields", into(a.fields, field_rules)}});
  return a;
}

EndpointCheck endpoint_check(const Node& n, const std::string& field, std::string* model_id = nullptr) {
  EndpointCheck e;
  require(n, field, {"path"});
  std::vector<std::pair<std::string, Handler>> known = {
      {"path", into(e.path, path_string)},
      {"status", into(e.expect.status, status)},
      {"fields", into(e.expect.fields, field_rules)},
      {"show", into(e.show, string)},
      {"optional", into(e.optional, boolean)},
  };
  if (model_id) known.push_back({"model_id", into(*model_id, string)});
  members(n, field, known);
  return e;
}

// A request body: a string is sent as it is; an object or list is a template.
std::string body(const Node& n, const std::string& field) {
  if (n.type == Type::string) return n.text;
  if (n.type != Type::object && n.type != Type::array) bad(n, field, fmt::format("expected an object or a string (got {})", n.type_name()));
  return n.text;
}

EventGrammar grammar(const Node& n, const std::string& field) {
  EventGrammar g;
  require(n, field, {"token"});
  members(n, field, {
      {"start", into(g.start, field_rules)},
      {"token", [&](const Node& v, const std::string& f) {
         require(v, f, {"when", "text"});
         members(v, f, {{"when", into(g.token, field_rules)},
                        {"text", into(g.token_text, string)},
                        {"index", into(g.token_index, string)}});
       }},
      {"end", [&](const Node& v, const std::string& f) {
         require(v, f, {"when"});
         members(v, f, {{"when", into(g.end, field_rules)},
                        {"stop_reason", into(g.stop_reason, string)},
                        {"stop_reasons", into(g.stop_reasons, strings)}});
       }},
      {"error", [&](const Node& v, const std::string& f) {
         require(v, f, {"when"});
         members(v, f, {{"when", into(g.error, field_rules)},
                        {"text", into(g.error_text, json_paths)}});
       }},
      {"count", into(g.count, string)},
      {"count_required", into(g.count_required, boolean)},
      {"same", into(g.same, json_paths)},
      {"done", into(g.done, string)},
  });
  if (g.count_required && g.count.empty()) bad(n, field + ".count", "missing (count_required is true)");
  if (g.done.empty() && g.end.empty()) bad(n, field + ".end", "missing: a stream without \"done\" ends with its end event");
  return g;
}

StreamCheck stream(const Node& n, const std::string& field) {
  StreamCheck s;
  require(n, field, {"name", "path", "body", "events"});
  members(n, field, {
      {"name", into(s.name, string)},
      {"method", into(s.method, string)},
      {"path", into(s.path, path_string)},
      {"body", into(s.body, body)},
      {"answer", [&](const Node& v, const std::string& f) {
         s.answer = choice<StreamCheck::Answer>(v, f, {{"stream", StreamCheck::Answer::stream},
                                                      {"job", StreamCheck::Answer::job},
                                                      {"either", StreamCheck::Answer::either}});
       }},
      {"sse_url_field", into(s.sse_url_field, string)},
      {"events", into(s.events, grammar)},
  });
  return s;
}

InvalidRequest invalid_request(const Node& n, const std::string& field) {
  InvalidRequest r;
  require(n, field, {"what", "body"});
  members(n, field, {
      {"what", into(r.what, string)},
      {"path", into(r.path, path_string)},
      {"body", into(r.body, body)},
      {"status", into(r.status, status)},
      {"json_error", into(r.json_error, boolean)},
  });
  return r;
}

IdentifyProbe identify_probe(const Node& n, const std::string& field) {
  IdentifyProbe p;
  require(n, field, {"path"});
  members(n, field, {
      {"method", into(p.method, string)},
      {"path", into(p.path, path_string)},
      {"body", into(p.body, body)},
      {"expect", into(p.expect, answer_rule)},
      {"header", into(p.header, string)},
      {"header_contains", into(p.header_contains, string)},
      {"content_type", into(p.content_type, string)},
  });
  return p;
}

template <typename T>
std::vector<T> list(const Node& n, const std::string& field, T (*item)(const Node&, const std::string&)) {
  expect_type(n, Type::array, field, "a list");
  std::vector<T> out;
  for (std::size_t i = 0; i < n.items.size(); ++i) out.push_back(item(n.items[i], fmt::format("{}[{}]", field, i)));
  return out;
}

ReadinessProbe readiness_probe(const Node& n, const std::string& field) {
  ReadinessProbe r;
  require(n, field, {"path", "ready"});
  members(n, field, {
      {"path", into(r.path, path_string)},
      {"ready", into(r.ready, answer_rule)},
      {"loading", into(r.loading, statuses)},
      {"loading_answer", into(r.loading_answer, answer_rule)},
      {"broken", into(r.broken, statuses)},
  });
  return r;
}

Heartbeats heartbeats(const Node& n, const std::string& field) {
  Heartbeats h;
  members(n, field, {
      {"expected", into(h.expected, boolean)},
      {"why_none", into(h.why_none, string)},
      {"paths", into(h.paths, strings)},
      {"shape", [&](const Node& v, const std::string& f) {
         h.shape = choice<Heartbeats::Shape>(
             v, f, {{"flat", Heartbeats::Shape::flat}, {"nested", Heartbeats::Shape::nested}, {"any", Heartbeats::Shape::any}});
       }},
      {"interval_s", [&](const Node& v, const std::string& f) { h.interval_s = integer(v, f, 1, 86400); }},
  });
  if (h.expected && h.paths.empty()) bad(n, field + ".paths", "missing: where heartbeats are expected");
  if (!h.expected && h.why_none.empty()) h.why_none = "this worker kind sends no heartbeats";
  return h;
}

Profile profile(const Node& root) {
  Profile p;
  members(root, "", {
      {"name", into(p.name, string)},
      {"summary", into(p.summary, string)},
      {"arguments", into(p.arguments, strings)},
      {"model", [&](const Node& v, const std::string& f) {
         p.model_is_file = choice<bool>(v, f, {{"file", true}, {"file-or-id", false}});
       }},
      {"readiness", [&](const Node& v, const std::string& f) {
         p.readiness = list(v, f, readiness_probe);
         if (p.readiness.empty()) bad(v, f, "empty: at least one endpoint must say when the worker is ready");
       }},
      {"heartbeats", into(p.heartbeats, heartbeats)},
      {"health", [&](const Node& v, const std::string& f) { p.health = endpoint_check(v, f); }},
      {"ready_endpoint", [&](const Node& v, const std::string& f) { p.ready_endpoint = endpoint_check(v, f); }},
      {"progress", [&](const Node& v, const std::string& f) {
         ProgressCheck c;
         require(v, f, {"path"});
         members(v, f, {{"path", into(c.path, path_string)},
                        {"stage_field", into(c.stage_field, string)},
                        {"final_stage", into(c.final_stage, string)},
                        {"done", into(c.done, string)},
                        {"done_field", into(c.done_field, string)},
                        {"total_field", into(c.total_field, string)}});
         p.progress = c;
       }},
      {"models", [&](const Node& v, const std::string& f) { p.models = endpoint_check(v, f, &p.model_id_path); }},
      {"streams", [&](const Node& v, const std::string& f) {
         p.streams = list(v, f, stream);
         if (p.streams.empty()) bad(v, f, "empty: at least one inference stream is checked");
       }},
      {"invalid_requests", [&](const Node& v, const std::string& f) { p.invalid_requests = list(v, f, invalid_request); }},
      {"identify", [&](const Node& v, const std::string& f) { p.identify = list(v, f, identify_probe); }},
      {"log_signs", into(p.log_signs, strings)},
  });
  // After the members, so that a wrong value is named before a missing one.
  require(root, "", {"name", "arguments", "readiness", "streams"});
  if (p.name.empty()) bad(*root.member("name"), "name", "must not be empty");
  return p;
}

}  // namespace

std::optional<Profile> parse_profile(const std::string& json, const std::string& origin, std::string& error) {
  std::string tree_error;
  auto tree = parse_json_tree(json, tree_error);
  if (!tree) {
    error = fmt::format("{}:{}", origin, tree_error);
    return std::nullopt;
  }
  try {
    Profile p = profile(*tree);
    p.source = origin;
    return p;
  } catch (const ReadError& e) {
    error = fmt::format("{}:{}: {}: {}", origin, e.line, e.field, e.what);
  }
  return std::nullopt;
}

std::optional<Profile> read_profile_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("{}: cannot read it", path);
    return std::nullopt;
  }
  std::string text;
  text.resize(max_file_size + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_file_size) {
    error = fmt::format("{}: over 1 MiB; a profile is a page of JSON", path);
    return std::nullopt;
  }
  return parse_profile(text, path, error);
}

}  // namespace hivetest::profile
