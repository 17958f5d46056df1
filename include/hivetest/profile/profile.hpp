// What a kind of worker is: how it is started, where it answers, what its answers and streams must be.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hivetest::profile {

// A dotted path into JSON ("choices.0.delta.content"), split into its steps once, when the
// profile is read: a stream's every event is looked up by the same few paths.
class JsonPath {
 public:
  struct Step {
    std::string key;
    std::optional<std::size_t> index;  // the key read as an array index, when it is a number
    // The path up to this step as a number, the same for the same text in every path
    // ("choices.0" in "choices.0.delta.content" and in "choices.0.finish_reason").
    std::size_t prefix = 0;
  };
  JsonPath() = default;
  JsonPath(std::string text);  // NOLINT(google-explicit-constructor): profiles write paths as text
  JsonPath(const char* text) : JsonPath(std::string(text)) {}
  const std::string& text() const { return text_; }
  const std::vector<Step>& steps() const { return steps_; }
  bool empty() const { return text_.empty(); }
  bool operator==(const JsonPath& other) const { return text_ == other.text_; }

 private:
  std::string text_;
  std::vector<Step> steps_;
};

// A test on one value of a JSON answer, found by its path.
struct FieldRule {
  enum class Kind { equals, one_of, non_empty, present, is_string };
  JsonPath path;
  Kind kind = Kind::present;
  std::vector<std::string> values;   // one_of: the JSON texts allowed; equals: one JSON text
  std::vector<std::string> strings;  // those of `values` that are strings, as the strings
  std::string describe() const;
};

// What an answer must be: its status and, when the rules ask for them, JSON fields.
struct AnswerRule {
  int status = 200;
  std::vector<FieldRule> fields;
  std::string describe() const;
};

// One endpoint polled for readiness: an answer matching `ready` is ready; a status in
// `loading`, or an answer matching `loading_answer`, is a worker still loading; a status in
// `broken` fails at once (the endpoint is not there: another kind of worker); anything else
// is asked again.
struct ReadinessProbe {
  std::string path;
  AnswerRule ready;
  std::vector<int> loading;
  std::optional<AnswerRule> loading_answer;  // a loading answer that is not an error status ({"state":"loading"})
  std::vector<int> broken;
};

// An endpoint check of step 6: one GET and the answer it must get.
struct EndpointCheck {
  std::string path;
  AnswerRule expect;
  std::string show;  // a field of the answer shown on the pass line, "" for none
  bool optional = false;  // a 404 skips the check: not every worker of the kind has it
};

struct ProgressCheck {
  std::string path;
  std::string stage_field = "stage";
  std::string final_stage = "ready";
  std::string done = "[DONE]";  // the data that ends the stream
  std::string done_field;   // in an event: how much is loaded ("layers_loaded"); "" when it does not say
  std::string total_field;  // and of how much ("layers_total")
};

struct Heartbeats {
  bool expected = true;
  std::string why_none;            // when not expected: said where the step is skipped
  std::vector<std::string> paths;  // where the profile's workers send them
  enum class Shape { any, flat, nested } shape = Shape::any;
  int interval_s = 30;
};

// How the events of one stream look: each kind of event is recognised by its rules.
struct EventGrammar {
  std::vector<FieldRule> start;        // empty: the grammar has no start event
  std::vector<FieldRule> token;
  JsonPath token_text;                 // path of a token's text
  JsonPath token_index;                // path of a token's index, "" when none
  std::vector<FieldRule> end;          // empty: the grammar has no end event
  JsonPath stop_reason;                // path in the end event
  std::vector<std::string> stop_reasons;  // the ones the dialect defines; empty = any
  std::vector<FieldRule> error;
  std::vector<JsonPath> error_text;    // paths joined for the message
  JsonPath count;                      // path of the final token count, in whichever event has it
  bool count_required = false;
  std::vector<JsonPath> same;          // paths that must keep one value across the stream
  std::string done = "[DONE]";         // the data that ends the stream; "" = it ends with the end event
};

// An inference request and the stream it must produce.
struct StreamCheck {
  std::string name;            // the check's name in every report
  std::string method = "POST";
  std::string path;
  std::string body;            // JSON with placeholders: "{prompt}", "{max_tokens}", ...
  enum class Answer { either, stream, job } answer = Answer::either;
  std::string sse_url_field = "sse_url";  // where a job answer says where to stream from
  EventGrammar events;
};

struct InvalidRequest {
  std::string what;
  std::string path;            // "" = the first stream's path
  std::string body;            // sent as it is
  int status = 400;            // 0 = any 4xx
  bool json_error = true;      // the answer must be a JSON object
};

// A question whose answer tells this kind of worker from others.
struct IdentifyProbe {
  std::string method = "GET";
  std::string path;
  std::string body;
  AnswerRule expect;
  std::string header;           // a header that must contain header_contains
  std::string header_contains;
  std::string content_type;     // the Content-Type must start with this
};

struct Profile {
  std::string name;
  std::string summary;         // one line: what it starts and checks
  std::string source;          // "built-in", or the file it was read from
  std::vector<std::string> arguments;  // appended to the worker command, with placeholders
  bool model_is_file = true;   // false: --model may be a model id (the model check is skipped then)
  std::vector<ReadinessProbe> readiness;
  Heartbeats heartbeats;
  std::optional<EndpointCheck> health;
  std::optional<EndpointCheck> ready_endpoint;
  std::optional<ProgressCheck> progress;
  std::optional<EndpointCheck> models;
  std::string model_id_path;   // in the models answer: the id streams name with {model_id}
  std::vector<StreamCheck> streams;
  std::vector<InvalidRequest> invalid_requests;
  std::vector<IdentifyProbe> identify;  // all must hold for a worker to be of this kind
  std::vector<std::string> log_signs;   // lines in a worker's log that only this kind writes
};

// The values placeholders stand for; a command or argument may use any of them.
using Placeholders = std::map<std::string, std::string>;
// `text` with every {name} of `values` replaced; other braces are left alone.
std::string expand(const std::string& text, const Placeholders& values);
// A JSON template with every string "{name}" of `values` replaced by that JSON value.
std::string expand_json(const std::string& json, const Placeholders& json_values);

// The built-in profiles, in the order a worker's kind is guessed.
const std::vector<Profile>& builtin_profiles();
// A built-in profile by name, or nullptr.
const Profile* find_profile(const std::string& name);

// A profile from a JSON file; on a bad file nullopt, with `error` naming FILE:LINE and the field.
std::optional<Profile> read_profile_file(const std::string& path, std::string& error);
// A profile from JSON text; `origin` names it in errors.
std::optional<Profile> parse_profile(const std::string& json, const std::string& origin, std::string& error);

// `name` as a built-in, else as a file; nullptr with `error` set when neither.
const Profile* load_profile(const std::string& name_or_file, std::string& error);

}  // namespace hivetest::profile
