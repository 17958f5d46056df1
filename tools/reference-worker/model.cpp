// The model as this worker uses it: its GGUF header, and its vocabulary as the source of
// deterministic output tokens.
#include "model.hpp"

#include <simdjson.h>

namespace reference_worker {

namespace {

// Markup-like tokens stand for control symbols, not text: <unk>, </s>, <0x0A>, <|im_end|>.
bool is_special(std::string_view t) {
  if (t.size() >= 3 && t.front() == '<' && t.back() == '>') return true;
  if (t.size() >= 3 && t.front() == '[' && t.back() == ']') {
    for (char c : t.substr(1, t.size() - 2))
      if (!((c >= 'A' && c <= 'Z') || c == '_')) return false;
    return true;  // [PAD], [CLS], [UNK]
  }
  return false;
}

bool has_control_bytes(std::string_view t) {
  for (unsigned char c : t)
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) return true;
  return false;
}

std::string display_text(std::string_view token) {
  static constexpr std::string_view sentencepiece_space = "\xe2\x96\x81";  // ▁
  static constexpr std::string_view byte_bpe_space = "\xc4\xa0";           // Ġ
  std::string out;
  out.reserve(token.size());
  for (std::size_t i = 0; i < token.size();) {
    auto rest = token.substr(i);
    if (rest.starts_with(sentencepiece_space)) {
      out += ' ';
      i += sentencepiece_space.size();
    } else if (rest.starts_with(byte_bpe_space)) {
      out += ' ';
      i += byte_bpe_space.size();
    } else {
      out += token[i++];
    }
  }
  return out;
}

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

}  // namespace

Vocabulary Vocabulary::from_model(const hivetest::gguf::Model& model) {
  Vocabulary v;
  for (std::size_t id = 0; id < model.tokens.size(); ++id) {
    const std::string& token = model.tokens[id];
    if (model.bos_token_id == id || model.eos_token_id == id) continue;
    if (token.empty() || is_special(token) || has_control_bytes(token)) continue;
    // Every token ends up inside a JSON string: it must be valid UTF-8 on its own.
    if (!simdjson::validate_utf8(token.data(), token.size())) continue;
    std::string text = display_text(token);
    if (text.empty()) continue;
    v.texts_.push_back(std::move(text));
    v.ids_.push_back(static_cast<uint32_t>(id));
  }
  if (v.texts_.empty()) {
    // A GGUF without a tokenizer can still be served; its answers are just less model-like.
    v.built_in_ = true;
    for (const char* word : {"The", " model", " has", " no", " vocabulary", ",", " so", " these", " words", " stand",
                             " in", " for", " its", " tokens", "."}) {
      v.ids_.push_back(static_cast<uint32_t>(v.texts_.size()));
      v.texts_.emplace_back(word);
    }
  }
  return v;
}

std::optional<LoadedModel> load_model(const std::string& path, std::string& error) {
  auto read = hivetest::gguf::read_file(path, hivetest::gguf::ReadOptions{.tokens = true});
  if (!read) {
    error = read.error;
    return std::nullopt;
  }
  LoadedModel m;
  auto slash = path.find_last_of('/');
  m.file_name = slash == std::string::npos ? path : path.substr(slash + 1);
  m.vocabulary = Vocabulary::from_model(read.model);
  m.info = std::move(read.model);
  m.info.tokens.clear();  // kept as display text in the vocabulary; no need for two copies
  m.info.tokens.shrink_to_fit();
  return m;
}

TokenSampler::TokenSampler(const Vocabulary& vocabulary, std::string_view prompt, uint64_t seed, double temperature)
    : vocabulary_(vocabulary), state_(fnv1a(prompt)) {
  uint64_t mix = temperature == 0.0 ? 0 : seed;
  state_ ^= splitmix64(mix);
}

const std::string& TokenSampler::next() {
  last_ = splitmix64(state_) % vocabulary_.size();
  return vocabulary_[last_];
}

int prompt_token_count(std::string_view prompt) {
  int words = 0;
  bool in_word = false;
  for (char c : prompt) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words > 0 ? words : 1;
}

}  // namespace reference_worker
