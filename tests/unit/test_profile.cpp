// Tests of profiles: the built-ins, reading profile files (and their errors), field rules, placeholders.
#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "hivetest/profile/json_rules.hpp"
#include "hivetest/profile/profile.hpp"

using namespace hivetest::profile;

namespace {

std::string error_of(const std::string& json) {
  std::string error;
  CHECK_FALSE(parse_profile(json, "p.json", error).has_value());
  return error;
}

// A minimal valid profile with `extra` members added at its end.
std::string minimal(const std::string& extra = "") {
  return R"({"name": "mine",
"arguments": ["--port", "{port}"],
"readiness": [{"path": "/health", "ready": {"status": 200}}],
"streams": [{"name": "s", "path": "/gen", "body": {"prompt": "{prompt}"},
             "events": {"token": {"when": {"t": {"present": true}}, "text": "t"}}}])" +
         extra + "}";
}

bool rule_holds(const std::string& json, const std::string& rules_json) {
  std::string error;
  auto p = parse_profile(minimal(R"(, "health": {"path": "/h", "fields": )" + rules_json + "}"), "p.json", error);
  REQUIRE_MESSAGE(p.has_value(), error);
  simdjson::dom::parser parser;
  auto doc = parser.parse(json);
  REQUIRE(!doc.error());
  return matches_all(doc.value(), p->health->expect.fields);
}

}  // namespace

TEST_CASE("the built-in profiles are the five kinds, in the order they are guessed") {
  std::vector<std::string> names;
  for (const auto& p : builtin_profiles()) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"rbee", "rbee-v1", "rbee-v2", "llama-server", "openai"});
  for (const auto& p : builtin_profiles()) {
    INFO(p.name);
    CHECK_FALSE(p.summary.empty());
    CHECK_FALSE(p.streams.empty());
    CHECK_FALSE(p.identify.empty());
    CHECK(p.source == "built-in");
  }
  CHECK(find_profile("rbee")->heartbeats.shape == Heartbeats::Shape::nested);
  CHECK_FALSE(find_profile("llama-server")->heartbeats.expected);
  CHECK(find_profile("openai")->arguments.empty());
  CHECK_FALSE(find_profile("openai")->model_is_file);
  CHECK(find_profile("no-such") == nullptr);
}

TEST_CASE("a readiness probe's loading answer: statuses, and an answer with fields") {
  std::string error;
  auto p = parse_profile(
      R"({"name": "mine", "arguments": [],
"readiness": [{"path": "/ready", "ready": {"status": 200, "fields": {"ready": true}}, "loading": [503],
               "loading_answer": {"status": 200, "fields": {"state": "loading"}}}],
"streams": [{"name": "s", "path": "/gen", "body": {"prompt": "{prompt}"},
             "events": {"token": {"when": {"t": {"present": true}}, "text": "t"}}}]})",
      "p.json", error);
  REQUIRE_MESSAGE(p.has_value(), error);
  const auto& probe = p->readiness.front();
  CHECK(probe.loading == std::vector<int>{503});
  REQUIRE(probe.loading_answer.has_value());
  CHECK(probe.loading_answer->status == 200);
  REQUIRE(probe.loading_answer->fields.size() == 1);
  CHECK(probe.loading_answer->fields.front().path == "state");
  auto plain = parse_profile(minimal(), "p.json", error);
  REQUIRE_MESSAGE(plain.has_value(), error);
  CHECK_FALSE(plain->readiness.front().loading_answer.has_value());
  CHECK(find_profile("rbee-v2")->readiness.back().loading_answer.has_value());
  CHECK_FALSE(find_profile("llama-server")->readiness.front().loading_answer.has_value());
}

TEST_CASE("each file of docs/profiles reads as its built-in") {
  for (const auto& builtin : builtin_profiles()) {
    std::string path = std::string(HIVETEST_SOURCE_DIR) + "/docs/profiles/" + builtin.name + ".json";
    std::string error;
    auto file = read_profile_file(path, error);
    REQUIRE_MESSAGE(file.has_value(), error);
    CHECK(file->name == builtin.name);
    CHECK(file->arguments == builtin.arguments);
    CHECK(file->streams.size() == builtin.streams.size());
    CHECK(file->invalid_requests.size() == builtin.invalid_requests.size());
    CHECK(file->source == path);
  }
}

TEST_CASE("the worked example files of docs/profiles/examples read") {
  for (const char* name : {"vllm", "tgi", "ollama"}) {
    std::string path = std::string(HIVETEST_SOURCE_DIR) + "/docs/profiles/examples/" + name + ".json";
    std::string error;
    auto p = read_profile_file(path, error);
    REQUIRE_MESSAGE(p.has_value(), error);
    CHECK(p->name == name);
    CHECK_FALSE(p->model_is_file);
  }
}

TEST_CASE("a wrong type names the file, the line and the field") {
  auto e = error_of("{\n\"name\": \"x\",\n\"arguments\": \"--port\"\n}");
  CHECK(e == "p.json:3: arguments: expected a list of strings (got a string)");
  e = error_of(minimal(",\n\"heartbeats\": {\"paths\": [\"/hb\"], \"interval_s\": \"30\"}"));
  CHECK(e == "p.json:6: heartbeats.interval_s: expected a whole number (got a string)");
}

TEST_CASE("a misspelt or missing field is refused, not ignored") {
  CHECK(error_of(minimal(",\n\"helth\": {\"path\": \"/h\"}")).find("p.json:6: helth: unknown field") == 0);
  CHECK(error_of(R"({"name": "x", "arguments": []})") == "p.json:1: readiness: missing");
  CHECK(error_of(minimal(",\n\"health\": {\"path\": \"h\"}")) ==
        "p.json:6: health.path: expected a path starting with / (got \"h\")");
  CHECK(error_of(minimal(",\n\"health\": {\"path\": \"/h\", \"status\": \"2xy\"}")).find("health.status: expected a status") !=
        std::string::npos);
}

TEST_CASE("a file that is not JSON gives the line and column where reading stopped") {
  auto e = error_of("{\n\"name\": \"x\"\n\"arguments\": []}");
  CHECK(e.rfind("p.json:", 0) == 0);
  CHECK(e.find(":3:") != std::string::npos);
}

TEST_CASE("a profile file that does not exist is said so") {
  std::string error;
  CHECK(load_profile("/no/such/profile.json", error) == nullptr);
  CHECK(error == "/no/such/profile.json: cannot read it");
  CHECK(load_profile("nosuchkind", error) == nullptr);
  CHECK(error.find("unknown worker kind 'nosuchkind' (built in: rbee, rbee-v1") == 0);
}

TEST_CASE("field rules: equals, one_of, non_empty, present, is_string, and paths through lists") {
  CHECK(rule_holds(R"({"status":"ok"})", R"({"status": "ok"})"));
  CHECK_FALSE(rule_holds(R"({"status":"healthy"})", R"({"status": "ok"})"));
  CHECK_FALSE(rule_holds(R"({"status":"ok"})", R"({"status": true})"));
  CHECK(rule_holds(R"({"ready":true})", R"({"ready": true})"));
  CHECK(rule_holds(R"({"s":"b"})", R"({"s": {"one_of": ["a", "b"]}})"));
  CHECK_FALSE(rule_holds(R"({"s":"c"})", R"({"s": {"one_of": ["a", "b"]}})"));
  CHECK(rule_holds(R"({"data":[1]})", R"({"data": {"non_empty": true}})"));
  CHECK_FALSE(rule_holds(R"({"data":[]})", R"({"data": {"non_empty": true}})"));
  CHECK_FALSE(rule_holds(R"({"c":""})", R"({"c": {"non_empty": true}})"));
  CHECK(rule_holds(R"({"e":null})", R"({"e": {"present": true}})"));
  CHECK_FALSE(rule_holds(R"({})", R"({"e": {"present": true}})"));
  CHECK(rule_holds(R"({"choices":[{"finish_reason":"stop"}]})", R"({"choices.0.finish_reason": {"is_string": true}})"));
  CHECK_FALSE(rule_holds(R"({"choices":[{"finish_reason":null}]})", R"({"choices.0.finish_reason": {"is_string": true}})"));
  CHECK_FALSE(rule_holds(R"({"choices":[]})", R"({"choices.0.finish_reason": {"is_string": true}})"));
  CHECK_FALSE(rule_holds(R"([1])", R"({"status": "ok"})"));
}

TEST_CASE("paths looked up one after another find what each finds alone") {
  // Shared beginnings, a missing step and paths beyond it, arrays, a repeated key (the
  // first counts), a scalar with no members, the root, and nesting deeper than is kept.
  const std::string json = R"({"a":{"b":[10,{"c":"x"}],"d":null},"a":{"b":1},"e":[[1,2],[3]],"f":"s",)"
                           R"("l1":{"l2":{"l3":{"l4":{"l5":{"l6":{"l7":{"l8":{"l9":{"l10":"deep"}}}}}}}}}})";
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"a.b.1.c", "x"}, {"a.b.0", "10"}, {"a.d", "null"}, {"a.x", ""}, {"a.x.y", ""}, {"a.b.1.c", "x"},
      {"e.0.1", "2"}, {"e.1.0", "3"}, {"e.2", ""}, {"e.1.0.z", ""}, {"f", "s"}, {"f.g", ""}, {"f.0", ""},
      {"l1.l2.l3.l4.l5.l6.l7.l8.l9.l10", "deep"}, {"l1.l2.l3.l4.l5.l6.l7.l8.l9.x", ""},
      {"l1.l2.l3.l4.l5.l6.l7.l8.l9.l10", "deep"}, {"", ""}};
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(!parser.parse(json).get(root));
  std::vector<JsonPath> paths;
  for (const auto& [path, text] : expected) paths.emplace_back(path);

  // Each alone, as expected.
  for (std::size_t i = 0; i + 1 < expected.size(); ++i) {
    CAPTURE(expected[i].first);
    auto v = at_path(root, paths[i]);
    CHECK(v.has_value() == !expected[i].second.empty());
    if (v) CHECK(text_at(root, paths[i]) == expected[i].second);
  }
  CHECK(at_path(root, paths.back()) .has_value());  // the empty path is the document
  CHECK(text_at(root, JsonPath("a.b")) == "[10,{\"c\":\"x\"}]");

  // Every path after every other one, in one Lookup, finds the same as alone.
  auto same = [](std::optional<simdjson::dom::element> a, std::optional<simdjson::dom::element> b) {
    return a.has_value() == b.has_value() && (!a || simdjson::minify(*a) == simdjson::minify(*b));
  };
  for (std::size_t i = 0; i < paths.size(); ++i) {
    for (std::size_t j = 0; j < paths.size(); ++j) {
      CAPTURE(paths[i].text());
      CAPTURE(paths[j].text());
      Lookup in(root);
      CHECK(same(in.at(paths[i]), at_path(root, paths[i])));
      CHECK(same(in.at(paths[j]), at_path(root, paths[j])));
      CHECK(same(in.at(paths[i]), at_path(root, paths[i])));
    }
  }
}

TEST_CASE("statuses: exact, a class, any") {
  CHECK(status_matches(400, 400));
  CHECK_FALSE(status_matches(422, 400));
  CHECK(status_matches(422, 4));
  CHECK_FALSE(status_matches(500, 4));
  CHECK(status_matches(500, 0));
  CHECK(describe_status(4) == "4xx");
}

TEST_CASE("placeholders are filled in once, and unknown braces are left alone") {
  Placeholders values{{"port", "8080"}, {"model", "{port}"}};
  CHECK(expand("--port={port} -m {model} {other}", values) == "--port=8080 -m {port} {other}");
  Placeholders json{{"prompt", "\"a \\\"b\\\"\""}, {"max_tokens", "5"}};
  CHECK(expand_json(R"({"prompt":"{prompt}","n":"{max_tokens}","x":"{nope}","y":"{max_tokens} more"})", json) ==
        R"({"prompt":"a \"b\"","n":5,"x":"{nope}","y":"{max_tokens} more"})");
}

TEST_CASE("a request body in a profile is minified JSON with its placeholders kept") {
  std::string error;
  auto p = parse_profile(minimal(), "p.json", error);
  REQUIRE_MESSAGE(p.has_value(), error);
  CHECK(p->streams.front().body == R"({"prompt":"{prompt}"})");
}
