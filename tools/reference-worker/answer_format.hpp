// How a dialect writes one answer: its events while streaming, its JSON document when not streaming.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "generation.hpp"

namespace reference_worker {

// One token as the formats see it.
struct TokenOut {
  std::string_view text;
  uint32_t id = 0;        // in the model's vocabulary
  int index = 0;          // 0 for the first token
  double decode_ms = 0;   // since the first token
};

// What the finishing events and the whole answer report.
struct AnswerEnd {
  int tokens = 0;
  Generation::End end = Generation::End::length;
  double prompt_ms = 0;
  double decode_ms = 0;
};

class AnswerFormat {
 public:
  virtual ~AnswerFormat() = default;
  // The event before the first token; "" for none.
  virtual std::string started() = 0;
  // Appends the events of one token (a format may add others, such as metrics).
  virtual void token(std::vector<std::string>& events, const TokenOut& token) = 0;
  // Appends the events after the last token.
  virtual void finished(std::vector<std::string>& events, const AnswerEnd& end) = 0;
  // The event the sse-error-event fault sends mid-stream.
  virtual std::string error_event() = 0;
  // Whether `data: [DONE]` ends the stream; if not, the last finishing event does.
  virtual bool ends_with_done() const = 0;
  // The whole answer as one JSON document, for a request that asked for no stream.
  virtual std::string whole(const std::string& text, const AnswerEnd& end) = 0;
};

}  // namespace reference_worker
