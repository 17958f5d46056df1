// llama-server's /completion answer: an event per token, then a stop event with timings, and no [DONE]; or one JSON object.
#include "llama_completion.hpp"

#include <fmt/format.h>

#include "hivetest/http/message.hpp"

namespace reference_worker {

using hivetest::http::json_escape;

namespace {

// llama-server's stop types: "limit" (n_predict reached), "word" (a stop string); this
// worker never draws an end-of-sequence token, so never "eos".
const char* stop_type(Generation::End end) { return end == Generation::End::stop_sequence ? "word" : "limit"; }

class LlamaCompletion : public AnswerFormat {
 public:
  LlamaCompletion(std::string model, int prompt_tokens) : model_(std::move(model)), prompt_tokens_(prompt_tokens) {}

  std::string started() override { return ""; }

  void token(std::vector<std::string>& events, const TokenOut& t) override {
    events.push_back(fmt::format(
        R"({{"index":0,"content":"{}","tokens":[{}],"stop":false,"id_slot":0,"tokens_predicted":{},"tokens_evaluated":{}}})",
        json_escape(t.text), t.id, t.index + 1, prompt_tokens_));
  }

  void finished(std::vector<std::string>& events, const AnswerEnd& end) override {
    events.push_back(fmt::format(
        R"({{"index":0,"content":"","tokens":[],"stop":true,"id_slot":0,"stop_type":"{}","tokens_predicted":{},"tokens_evaluated":{},"timings":{}}})",
        stop_type(end.end), end.tokens, prompt_tokens_, timings(end)));
  }

  std::string error_event() override {
    return R"({"error":{"code":500,"message":"fault sse-error-event: the model failed mid-stream","type":"server_error"}})";
  }

  bool ends_with_done() const override { return false; }

  std::string whole(const std::string& text, const AnswerEnd& end) override {
    return fmt::format(
        R"({{"index":0,"content":"{}","tokens":[],"id_slot":0,"stop":true,"model":"{}","stop_type":"{}","tokens_predicted":{},"tokens_evaluated":{},"timings":{}}})",
        json_escape(text), json_escape(model_), stop_type(end.end), end.tokens, prompt_tokens_, timings(end));
  }

 private:
  std::string timings(const AnswerEnd& end) const {
    return fmt::format(
        R"({{"prompt_n":{},"prompt_ms":{:.3f},"predicted_n":{},"predicted_ms":{:.3f},"predicted_per_second":{:.3f}}})",
        prompt_tokens_, end.prompt_ms, end.tokens, end.decode_ms, end.tokens / (end.decode_ms / 1000.0));
  }

  std::string model_;
  int prompt_tokens_;
};

}  // namespace

std::shared_ptr<AnswerFormat> llama_completion(std::string model, int prompt_tokens) {
  return std::make_shared<LlamaCompletion>(std::move(model), prompt_tokens);
}

}  // namespace reference_worker
