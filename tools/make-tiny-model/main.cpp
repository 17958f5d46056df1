// make-tiny-model OUT.gguf: writes the small llama-style GGUF model bundled with the reference worker.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "hivetest/gguf/gguf.hpp"

namespace {

using hivetest::gguf::TensorSpec;

// Words carry their leading space, as in real BPE vocabularies, so that joining the
// sampled tokens gives readable text without a detokenizer.
const char* const vocabulary[] = {
    "<unk>", "<s>", "</s>",
    // punctuation, digits, line breaks
    ".", ",", "!", "?", ":", ";", "'", "\"", "(", ")", "-", "\n",
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
    " 0", " 1", " 2", " 3", " 4", " 5", " 6", " 7", " 8", " 9", " 10", " 100", " 2024",
    // sentence starts
    "The", "A", "It", "This", "In", "Paris", "France", "We", "They", "There", "Today", "One",
    "When", "If", "Every", "Most", "Some", "Many", "I", "You", "He", "She", "What", "How",
    // function words
    " the", " a", " an", " of", " in", " on", " at", " to", " for", " from", " with", " by",
    " and", " or", " but", " so", " as", " than", " that", " which", " who", " where", " when",
    " is", " are", " was", " were", " be", " been", " has", " have", " had", " will", " can",
    " not", " no", " it", " its", " this", " these", " those", " there", " their", " they",
    " we", " our", " you", " your", " he", " she", " his", " her", " i", " my", " me", " us",
    " very", " also", " more", " most", " many", " much", " some", " all", " each", " every",
    " one", " two", " three", " four", " five", " first", " second", " last", " next",
    // places and geography
    " Paris", " France", " French", " capital", " city", " cities", " country", " countries",
    " Europe", " European", " London", " Berlin", " Rome", " Madrid", " Germany", " Italy",
    " Spain", " river", " Seine", " north", " south", " east", " west", " world", " map",
    " town", " village", " street", " bridge", " tower", " Eiffel", " Louvre", " museum",
    " museums", " park", " garden", " sea", " mountain", " island", " coast", " region",
    // people and things
    " people", " person", " family", " friend", " children", " student", " teacher",
    " worker", " visitor", " visitors", " tourist", " tourists", " artist", " king", " queen",
    " book", " books", " story", " word", " words", " name", " language", " history", " art",
    " music", " food", " bread", " cheese", " wine", " coffee", " cafe", " market", " house",
    " home", " school", " train", " car", " road", " light", " water", " time", " year",
    " years", " day", " days", " night", " morning", " evening", " spring", " summer",
    " autumn", " winter", " weather", " sun", " rain", " model", " test", " answer", " question",
    // verbs
    " known", " called", " named", " located", " built", " made", " found", " seen", " said",
    " visit", " visited", " live", " lives", " lived", " walk", " walks", " read", " write",
    " speak", " speaks", " spoken", " eat", " drink", " make", " take", " give", " go", " goes",
    " come", " comes", " see", " look", " know", " think", " like", " love", " want", " find",
    " keep", " start", " started", " open", " opened", " stand", " stands", " grow", " grew",
    // adjectives and adverbs
    " large", " largest", " small", " old", " oldest", " new", " famous", " beautiful",
    " historic", " modern", " busy", " quiet", " long", " short", " high", " great", " good",
    " best", " important", " popular", " warm", " cold", " bright", " green", " blue", " red",
    " white", " early", " late", " often", " always", " never", " still", " again", " here",
    " today", " together", " around", " along", " near", " across", " through", " about",
    " over", " under", " between", " during", " since", " until", " into", " out", " up",
    // word pieces
    "s", "es", "ed", "ing", "er", "est", "ly", "ion", "al", "ful", "ness", "ment", "able",
};

std::vector<TensorSpec> tensors(uint64_t vocab) {
  constexpr uint64_t embd = 64;
  constexpr uint64_t ffn = 128;
  constexpr int layers = 2;
  std::vector<TensorSpec> t;
  t.push_back({"token_embd.weight", {embd, vocab}});
  for (int i = 0; i < layers; ++i) {
    std::string blk = "blk." + std::to_string(i) + ".";
    t.push_back({blk + "attn_norm.weight", {embd}});
    t.push_back({blk + "attn_q.weight", {embd, embd}});
    t.push_back({blk + "attn_k.weight", {embd, embd}});
    t.push_back({blk + "attn_v.weight", {embd, embd}});
    t.push_back({blk + "attn_output.weight", {embd, embd}});
    t.push_back({blk + "ffn_norm.weight", {embd}});
    t.push_back({blk + "ffn_gate.weight", {embd, ffn}});
    t.push_back({blk + "ffn_up.weight", {embd, ffn}});
    t.push_back({blk + "ffn_down.weight", {ffn, embd}});
  }
  t.push_back({"output_norm.weight", {embd}});
  t.push_back({"output.weight", {embd, vocab}});
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make-tiny-model OUT.gguf\n");
    return 1;
  }
  hivetest::gguf::WriteSpec spec;
  spec.architecture = "llama";
  spec.name = "hivetest-tiny";
  spec.tokenizer_model = "llama";
  spec.context_length = 2048;
  spec.tokens.assign(std::begin(vocabulary), std::end(vocabulary));
  // Token ids must map one to one onto strings, or detokenizing becomes ambiguous.
  std::set<std::string> seen;
  for (const auto& token : spec.tokens) {
    if (!seen.insert(token).second) {
      std::fprintf(stderr, "make-tiny-model: duplicate token \"%s\" in the vocabulary\n", token.c_str());
      return 1;
    }
  }
  spec.tensors = tensors(spec.tokens.size());

  std::string error;
  if (!hivetest::gguf::write_file(argv[1], spec, &error)) {
    std::fprintf(stderr, "make-tiny-model: %s\n", error.c_str());
    return 1;
  }
  return 0;
}
