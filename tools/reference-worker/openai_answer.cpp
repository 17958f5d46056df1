// The OpenAI answer objects, streamed (chunks) or whole, as llama-server and OpenAI-compatible servers write them.
#include "openai_answer.hpp"

#include <fmt/format.h>

#include "hivetest/http/message.hpp"

#include "ids.hpp"

namespace reference_worker {

using hivetest::http::json_escape;

namespace {

constexpr std::size_t id_digits = 24;

const char* finish_reason(Generation::End end) { return end == Generation::End::stop_sequence ? "stop" : "length"; }

class OpenAiFormat : public AnswerFormat {
 public:
  explicit OpenAiFormat(OpenAiAnswer a) : a_(std::move(a)), chat_(a_.route == OpenAiRoute::chat) {}

  std::string started() override {
    if (!chat_) return "";
    return chunk(R"([{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}])");
  }

  void token(std::vector<std::string>& events, const TokenOut& t) override {
    auto text = json_escape(t.text);
    events.push_back(chunk(chat_ ? fmt::format(R"([{{"index":0,"delta":{{"content":"{}"}},"finish_reason":null}}])", text)
                                 : fmt::format(R"([{{"index":0,"text":"{}","finish_reason":null}}])", text)));
  }

  void finished(std::vector<std::string>& events, const AnswerEnd& end) override {
    auto reason = finish_reason(end.end);
    auto choices = chat_ ? fmt::format(R"([{{"index":0,"delta":{{}},"finish_reason":"{}"}}])", reason)
                         : fmt::format(R"([{{"index":0,"text":"","finish_reason":"{}"}}])", reason);
    events.push_back(chunk(choices, a_.usage_in_finish ? usage(end) : ""));
    if (a_.usage_chunk && !a_.usage_in_finish) events.push_back(chunk("[]", usage(end)));
  }

  std::string error_event() override {
    return R"({"error":{"code":500,"message":"fault sse-error-event: the model failed mid-stream","type":"server_error"}})";
  }

  bool ends_with_done() const override { return true; }

  std::string whole(const std::string& text, const AnswerEnd& end) override {
    auto reason = finish_reason(end.end);
    auto choices = chat_ ? fmt::format(R"([{{"index":0,"message":{{"role":"assistant","content":"{}"}},"finish_reason":"{}"}}])",
                                       json_escape(text), reason)
                         : fmt::format(R"([{{"index":0,"text":"{}","finish_reason":"{}"}}])", json_escape(text), reason);
    return fmt::format(R"({{"id":"{}","object":"{}","created":{},"model":"{}","choices":{},"usage":{}}})", a_.id,
                       chat_ ? "chat.completion" : "text_completion", a_.created, json_escape(a_.model), choices,
                       usage(end));
  }

 private:
  std::string usage(const AnswerEnd& end) const {
    return fmt::format(R"({{"prompt_tokens":{},"completion_tokens":{},"total_tokens":{}}})", a_.prompt_tokens,
                       end.tokens, a_.prompt_tokens + end.tokens);
  }

  // One streamed chunk with the given choices and, when not "", usage.
  std::string chunk(const std::string& choices, const std::string& usage_json = "") const {
    return fmt::format(R"({{"id":"{}","object":"{}","created":{},"model":"{}","choices":{}{}{}}})", a_.id,
                       chat_ ? "chat.completion.chunk" : "text_completion", a_.created, json_escape(a_.model), choices,
                       usage_json.empty() ? "" : R"(,"usage":)", usage_json);
  }

  OpenAiAnswer a_;
  bool chat_;
};

}  // namespace

std::string new_openai_id(OpenAiRoute route) {
  return (route == OpenAiRoute::chat ? "chatcmpl-" : "cmpl-") + random_hex(id_digits);
}

std::shared_ptr<AnswerFormat> openai_answer(OpenAiAnswer answer) { return std::make_shared<OpenAiFormat>(std::move(answer)); }

}  // namespace reference_worker
