// The model as this worker uses it: its GGUF header, and its vocabulary as the source of
// deterministic output tokens.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hivetest/gguf/gguf.hpp"

namespace reference_worker {

// The tokens a response may be made of, as display text.
class Vocabulary {
 public:
  // Drops special and control tokens (<unk>, <s>, </s>, <0x0A>, <|eot_id|>, [PAD], the
  // BOS and EOS ids) and tokens that are not valid UTF-8; turns the SentencePiece "▁"
  // and byte-level BPE "Ġ" space markers into spaces.
  static Vocabulary from_model(const hivetest::gguf::Model& model);

  std::size_t size() const { return texts_.size(); }
  const std::string& operator[](std::size_t i) const { return texts_[i]; }
  // The token's number in the model's vocabulary (for the built-in words: their position).
  uint32_t id(std::size_t i) const { return ids_[i]; }
  bool built_in() const { return built_in_; }  // the model had no usable tokens

 private:
  std::vector<std::string> texts_;
  std::vector<uint32_t> ids_;
  bool built_in_ = false;
};

struct LoadedModel {
  std::string file_name;
  hivetest::gguf::Model info;
  Vocabulary vocabulary;
};

// Reads the header and the vocabulary, never the weights. On failure returns nothing and
// sets `error` to the reader's message.
std::optional<LoadedModel> load_model(const std::string& path, std::string& error);

// Draws tokens as a pure function of the prompt and the seed, so a test can expect the
// same text twice. max_tokens is not an input: a longer answer starts with the shorter
// one, as with a real model. At temperature 0 the seed does not matter, as with greedy
// decoding.
class TokenSampler {
 public:
  TokenSampler(const Vocabulary& vocabulary, std::string_view prompt, uint64_t seed, double temperature);
  const std::string& next();
  uint32_t last_id() const { return vocabulary_.id(last_); }  // of the token next() returned

 private:
  const Vocabulary& vocabulary_;
  uint64_t state_;
  std::size_t last_ = 0;
};

// How many tokens a prompt counts as in usage figures: this worker has no tokenizer, so
// one per word (a run of non-space bytes), and at least one.
int prompt_token_count(std::string_view prompt);

}  // namespace reference_worker
