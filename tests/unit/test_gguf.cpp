// Unit tests for the GGUF reader, writer and summary formatting.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "hivetest/gguf/gguf.hpp"

namespace gguf = hivetest::gguf;
using gguf::Failure;

namespace {

constexpr uint64_t huge = uint64_t{1} << 62;

// Every tensor here is a whole number of 32-byte alignment units, so the file ends with
// tensor data and not padding: then cutting it at any byte must be detected.
gguf::WriteSpec small_spec() {
  gguf::WriteSpec spec;
  spec.architecture = "llama";
  spec.name = "unit-test-model";
  spec.tokens = {"<unk>", "<s>", "</s>", " Paris", " is", " the", " capital", "."};
  spec.tensors = {
      {"token_embd.weight", {8, 8}},
      {"blk.0.attn_norm.weight", {8}},
      {"blk.0.attn_q.weight", {8, 8}},
      {"blk.1.attn_q.weight", {8, 8}},
      {"output.weight", {8, 8}},
  };
  return spec;
}

// Builds GGUF bytes by hand, for files the writer would never produce.
struct Bytes {
  std::string out;
  Bytes& raw(std::string_view s) { out.append(s); return *this; }
  Bytes& u32(uint32_t v) { for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i))); return *this; }
  Bytes& u64(uint64_t v) { for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i))); return *this; }
  Bytes& str(std::string_view s) { u64(s.size()); return raw(s); }
  Bytes& header(uint64_t tensors, uint64_t kvs, uint32_t version = 3) { raw("GGUF"); u32(version); u64(tensors); return u64(kvs); }
  Bytes& kv_string(std::string_view key, std::string_view value) { str(key); u32(8); return str(value); }
  Bytes& kv_u32(std::string_view key, uint32_t value) { str(key); u32(4); return u32(value); }
  Bytes& tensor(std::string_view name, std::vector<uint64_t> dims, uint32_t type, uint64_t offset) {
    str(name);
    u32(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) u64(d);
    u32(type);
    return u64(offset);
  }
  Bytes& pad(size_t alignment = 32) { out.append((alignment - out.size() % alignment) % alignment, '\0'); return *this; }
  Bytes& zeros(size_t n) { out.append(n, '\0'); return *this; }
};

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("hivetest-gguf-" + std::to_string(::getpid()) + "-" + name);
}

}  // namespace

TEST_CASE("writer output reads back with every field") {
  gguf::WriteSpec spec = small_spec();
  std::string bytes = gguf::write_bytes(spec);
  gguf::ReadOptions opts;
  opts.tokens = true;
  auto r = gguf::read_bytes(bytes, opts);
  REQUIRE_MESSAGE(r, r.error);
  const gguf::Model& m = r.model;
  CHECK(r.failure == Failure::none);
  CHECK(r.error.empty());
  CHECK(m.version == 3);
  CHECK(m.tensor_count == 5);
  CHECK(m.kv_count == 12);
  CHECK(m.architecture == "llama");
  CHECK(m.name == "unit-test-model");
  REQUIRE(m.file_type.has_value());
  CHECK(*m.file_type == 0);
  CHECK(m.file_type_name == "F32");
  CHECK(m.parameter_count == 4 * 64 + 8);
  CHECK(m.vocab_size == 8);
  CHECK(m.tokens == spec.tokens);
  CHECK(m.file_size == bytes.size());
  CHECK(m.alignment == 32);
  CHECK(m.tokenizer_model == "llama");
  CHECK(m.context_length == 2048);
  CHECK(m.embedding_length == 8);
  CHECK(m.block_count == 2);
  CHECK(m.bos_token_id == std::optional<uint32_t>(1));
  CHECK(m.eos_token_id == std::optional<uint32_t>(2));
}

TEST_CASE("writer lays out aligned, deterministic data") {
  gguf::WriteSpec spec = small_spec();
  std::string a = gguf::write_bytes(spec);
  CHECK(a == gguf::write_bytes(spec));
  CHECK(a.size() % 32 == 0);
  // Four 8x8 tensors and one 8-vector of F32 end the file.
  size_t data = 4 * 64 * 4 + 8 * 4;
  std::string tail = a.substr(a.size() - data);
  CHECK(tail != std::string(data, '\0'));

  spec.alignment = 64;
  spec.context_length = 512;
  spec.tokenizer_model = "gpt2";
  auto r = gguf::read_bytes(gguf::write_bytes(spec));
  REQUIRE_MESSAGE(r, r.error);
  CHECK(r.model.alignment == 64);
  CHECK(r.model.context_length == 512);
  CHECK(r.model.tokenizer_model == "gpt2");
  CHECK(r.model.file_size % 64 == 0);
}

TEST_CASE("writer rejects specs GGUF cannot hold") {
  gguf::WriteSpec spec = small_spec();
  spec.alignment = 24;
  CHECK_THROWS_AS(gguf::write_bytes(spec), std::invalid_argument);
  spec = small_spec();
  spec.tensors.push_back({"too.many.dims", {1, 1, 1, 1, 1}});
  CHECK_THROWS_AS(gguf::write_bytes(spec), std::invalid_argument);
  std::string error;
  CHECK_FALSE(gguf::write_file(temp_path("bad.gguf").string(), spec, &error));
  CHECK(error.find("5 dimensions") != std::string::npos);
}

TEST_CASE("tokens are kept only when asked for") {
  auto r = gguf::read_bytes(gguf::write_bytes(small_spec()));
  REQUIRE_MESSAGE(r, r.error);
  CHECK(r.model.vocab_size == 8);
  CHECK(r.model.tokens.empty());
}

TEST_CASE("a model without tokens or tensors reads back empty") {
  gguf::WriteSpec spec;
  auto r = gguf::read_bytes(gguf::write_bytes(spec));
  REQUIRE_MESSAGE(r, r.error);
  CHECK(r.model.tensor_count == 0);
  CHECK(r.model.vocab_size == 0);
  CHECK(r.model.parameter_count == 0);
  CHECK(r.model.embedding_length == 0);
  CHECK(r.model.block_count == 0);
  CHECK_FALSE(r.model.bos_token_id.has_value());
  CHECK(r.model.tokenizer_model.empty());
}

TEST_CASE("write_file and read_file round trip, also past the read buffer") {
  gguf::WriteSpec spec = small_spec();
  // Enough tokens that the metadata is several times the reader's 64 KiB window.
  for (int i = 0; i < 30000; ++i) spec.tokens.push_back(" w" + std::to_string(i));
  auto path = temp_path("round-trip.gguf");
  std::string error;
  REQUIRE_MESSAGE(gguf::write_file(path.string(), spec, &error), error);
  gguf::ReadOptions opts;
  opts.tokens = true;
  auto r = gguf::read_file(path.string(), opts);
  uint64_t on_disk = std::filesystem::file_size(path);
  std::filesystem::remove(path);
  REQUIRE_MESSAGE(r, r.error);
  CHECK(r.model.file_size == on_disk);
  CHECK(r.model.vocab_size == spec.tokens.size());
  CHECK(r.model.tokens == spec.tokens);
  CHECK(r.model.name == "unit-test-model");
  CHECK(r.model.parameter_count == 4 * 64 + 8);
}

TEST_CASE("version 2 is accepted, version 1 and others are not") {
  std::string bytes = gguf::write_bytes(small_spec());
  bytes[4] = 2;
  auto r = gguf::read_bytes(bytes);
  REQUIRE_MESSAGE(r, r.error);
  CHECK(r.model.version == 2);

  bytes[4] = 1;
  r = gguf::read_bytes(bytes, {}, "old.gguf");
  CHECK(r.failure == Failure::unsupported_version);
  CHECK(r.error == "old.gguf has GGUF version 1; only versions 2 and 3 are supported");

  bytes[4] = 4;
  CHECK(gguf::read_bytes(bytes).failure == Failure::unsupported_version);

  // A big-endian v3 file: the version reads as 0x03000000.
  bytes[4] = 0;
  bytes[7] = 3;
  r = gguf::read_bytes(bytes);
  CHECK(r.failure == Failure::unsupported_version);
  CHECK(r.error.find("big-endian") != std::string::npos);
}

TEST_CASE("files that are not GGUF") {
  auto r = gguf::read_bytes(std::string("\x7f" "ELF\x02\x01\x01\x00", 8), {}, "a.out");
  CHECK(r.failure == Failure::not_gguf);
  CHECK(r.error == "a.out is not a GGUF file (magic is 7f 45 4c 46, expected 47 47 55 46 \"GGUF\")");

  r = gguf::read_bytes("GG", {}, "short.gguf");
  CHECK(r.failure == Failure::not_gguf);
  CHECK(r.error.find("short.gguf is not a GGUF file") == 0);
  CHECK(gguf::read_bytes("").failure == Failure::not_gguf);
}

TEST_CASE("every truncation point is reported as truncated") {
  std::string bytes = gguf::write_bytes(small_spec());
  REQUIRE(gguf::read_bytes(bytes));
  for (bool keep_tokens : {false, true}) {
    gguf::ReadOptions opts;
    opts.tokens = keep_tokens;
    for (size_t n = 0; n < bytes.size(); ++n) {
      auto r = gguf::read_bytes(std::string_view(bytes).substr(0, n), opts, "cut.gguf");
      CAPTURE(n);
      if (n < 4) {
        CHECK(r.failure == Failure::not_gguf);
      } else {
        CHECK(r.failure == Failure::truncated);
        CHECK(r.error.find("cut.gguf is truncated (") == 0);
      }
    }
  }
}

TEST_CASE("a truncated file on disk is reported with its path") {
  std::string bytes = gguf::write_bytes(small_spec());
  auto path = temp_path("cut.gguf");
  {
    FILE* f = std::fopen(path.string().c_str(), "wb");
    REQUIRE(f != nullptr);
    std::fwrite(bytes.data(), 1, bytes.size() - 1, f);
    std::fclose(f);
  }
  auto r = gguf::read_file(path.string());
  std::filesystem::remove(path);
  CHECK(r.failure == Failure::truncated);
  CHECK(r.error.find(path.string() + " is truncated (") == 0);
}

TEST_CASE("missing files and directories") {
  auto r = gguf::read_file("/nonexistent-hivetest/tiny.gguf");
  CHECK(r.failure == Failure::missing);
  CHECK(r.error == "model file not found: /nonexistent-hivetest/tiny.gguf");
  CHECK_FALSE(r);

  r = gguf::read_file(std::filesystem::temp_directory_path().string());
  CHECK(r.failure == Failure::unreadable);
  CHECK(r.error.find("is a directory") != std::string::npos);
}

TEST_CASE("huge counts and lengths are refused before anything is allocated") {
  SUBCASE("tensor count") {
    auto r = gguf::read_bytes(Bytes().header(huge, 0).out);
    CHECK(r.failure == Failure::malformed);
    CHECK(r.error.find("over the limit") != std::string::npos);
  }
  SUBCASE("metadata entry count") {
    CHECK(gguf::read_bytes(Bytes().header(0, huge).out).failure == Failure::malformed);
  }
  SUBCASE("key length") {
    CHECK(gguf::read_bytes(Bytes().header(0, 1).u64(huge).out).failure == Failure::malformed);
  }
  SUBCASE("key length within the limit but past the end") {
    auto r = gguf::read_bytes(Bytes().header(0, 1).u64(1000).raw("abc").out);
    CHECK(r.failure == Failure::truncated);
  }
  SUBCASE("string value length") {
    auto b = Bytes().header(0, 1).str("general.name").u32(8).u64(huge);
    CHECK(gguf::read_bytes(b.out).failure == Failure::malformed);
  }
  SUBCASE("vocabulary size") {
    auto b = Bytes().header(0, 1).str("tokenizer.ggml.tokens").u32(9).u32(8).u64(huge);
    CHECK(gguf::read_bytes(b.out).failure == Failure::malformed);
  }
  SUBCASE("vocabulary within the limits but larger than the file") {
    auto b = Bytes().header(0, 1).str("tokenizer.ggml.tokens").u32(9).u32(8).u64(1000).str("a");
    gguf::ReadOptions opts;
    opts.tokens = true;
    CHECK(gguf::read_bytes(b.out, opts).failure == Failure::truncated);
  }
  SUBCASE("array of numbers") {
    auto b = Bytes().header(0, 1).str("x.scores").u32(9).u32(6).u64(huge);
    CHECK(gguf::read_bytes(b.out).failure == Failure::malformed);
    // With the limit lifted, the byte count would overflow: still refused, not wrapped.
    gguf::ReadOptions opts;
    opts.max_array = std::numeric_limits<uint64_t>::max();
    auto r = gguf::read_bytes(Bytes().header(0, 1).str("x.scores").u32(9).u32(10).u64(huge * 2).out, opts);
    CHECK(r.failure == Failure::truncated);
  }
  SUBCASE("array of strings") {
    gguf::ReadOptions opts;
    opts.max_array = std::numeric_limits<uint64_t>::max();
    auto b = Bytes().header(0, 1).str("x.merges").u32(9).u32(8).u64(huge);
    CHECK(gguf::read_bytes(b.out, opts).failure == Failure::truncated);
  }
  SUBCASE("tensor dimensions whose product overflows") {
    auto b = Bytes().header(1, 0).tensor("t", {huge, 8}, 0, 0);
    auto r = gguf::read_bytes(b.out);
    CHECK(r.failure == Failure::malformed);
    CHECK(r.error.find("overflows") != std::string::npos);
  }
  SUBCASE("tensor data larger than the file") {
    auto b = Bytes().header(1, 0).tensor("t", {1024, 1024}, 0, 0).pad().zeros(64);
    CHECK(gguf::read_bytes(b.out).failure == Failure::truncated);
  }
}

TEST_CASE("limits in ReadOptions apply to ordinary files too") {
  std::string bytes = gguf::write_bytes(small_spec());
  gguf::ReadOptions opts;
  opts.max_tokens = 7;
  auto r = gguf::read_bytes(bytes, opts);
  CHECK(r.failure == Failure::malformed);
  CHECK(r.error.find("vocabulary size of 8 is over the limit of 7") != std::string::npos);

  opts = {};
  opts.max_string = 8;  // shorter than "general.architecture"
  CHECK(gguf::read_bytes(bytes, opts).failure == Failure::malformed);

  opts = {};
  opts.max_tensors = 4;
  CHECK(gguf::read_bytes(bytes, opts).failure == Failure::malformed);

  opts = {};
  opts.max_kv = 11;
  CHECK(gguf::read_bytes(bytes, opts).failure == Failure::malformed);
}

TEST_CASE("malformed metadata and tensor infos") {
  SUBCASE("more than four dimensions") {
    auto r = gguf::read_bytes(Bytes().header(1, 0).tensor("t", {1, 1, 1, 1, 1}, 0, 0).out);
    CHECK(r.failure == Failure::malformed);
    CHECK(r.error.find("tensor info 0 \"t\"") != std::string::npos);
  }
  SUBCASE("unknown value type") {
    auto r = gguf::read_bytes(Bytes().header(0, 1).str("x").u32(13).u32(0).out);
    CHECK(r.failure == Failure::malformed);
    CHECK(r.error.find("unknown value type 13") != std::string::npos);
  }
  SUBCASE("nested array") {
    auto b = Bytes().header(0, 1).str("x").u32(9).u32(9).u64(1).u32(4).u64(1).u32(0);
    CHECK(gguf::read_bytes(b.out).failure == Failure::malformed);
  }
  SUBCASE("architecture that is not a string") {
    auto r = gguf::read_bytes(Bytes().header(0, 1).kv_u32("general.architecture", 7).out);
    CHECK(r.failure == Failure::malformed);
    CHECK(r.error.find("expected a string, found uint32") != std::string::npos);
  }
  SUBCASE("alignment that is not a power of two") {
    CHECK(gguf::read_bytes(Bytes().header(0, 1).kv_u32("general.alignment", 48).out).failure ==
          Failure::malformed);
  }
  SUBCASE("misaligned tensor offset") {
    auto b = Bytes().header(1, 0).tensor("t", {8}, 0, 4).pad().zeros(64);
    CHECK(gguf::read_bytes(b.out).failure == Failure::malformed);
  }
  SUBCASE("partial quantization block") {
    auto b = Bytes().header(1, 0).tensor("t", {100}, 12, 0).pad().zeros(1024);
    CHECK(gguf::read_bytes(b.out).failure == Failure::malformed);
  }
}

TEST_CASE("quantized tensor sizes are checked against the file") {
  // Q4_K: 256 elements in 144 bytes, so 2 rows of 256 need 288 bytes.
  auto b = Bytes().header(1, 1).kv_u32("general.file_type", 15).tensor("t", {256, 2}, 12, 0).pad();
  auto whole = b.out + std::string(288, '\0');
  auto r = gguf::read_bytes(whole);
  REQUIRE_MESSAGE(r, r.error);
  CHECK(r.model.file_type_name == "Q4_K_M");
  CHECK(r.model.parameter_count == 512);
  CHECK(gguf::read_bytes(std::string_view(whole).substr(0, whole.size() - 1)).failure == Failure::truncated);
}

TEST_CASE("file type name comes from the tensors when general.file_type is absent") {
  auto f16 = Bytes().header(2, 0).tensor("a", {16}, 1, 0).tensor("b", {16}, 1, 32).pad().zeros(64);
  auto r = gguf::read_bytes(f16.out);
  REQUIRE_MESSAGE(r, r.error);
  CHECK_FALSE(r.model.file_type.has_value());
  CHECK(r.model.file_type_name == "F16");

  auto mixed = Bytes().header(2, 0).tensor("a", {16}, 1, 0).tensor("b", {8}, 0, 32).pad().zeros(64);
  r = gguf::read_bytes(mixed.out);
  REQUIRE_MESSAGE(r, r.error);
  CHECK(r.model.file_type_name == "");
}

TEST_CASE("architecture keys are found whatever the key order") {
  auto b = Bytes().header(0, 4);
  b.kv_u32("llama.block_count", 22).kv_u32("other.block_count", 99);
  b.str("llama.context_length").u32(10).u64(4096);  // uint64, as some writers use
  b.kv_string("general.architecture", "llama");
  auto r = gguf::read_bytes(b.out);
  REQUIRE_MESSAGE(r, r.error);
  CHECK(r.model.block_count == 22);
  CHECK(r.model.context_length == 4096);
  CHECK(r.model.embedding_length == 0);
}

TEST_CASE("file type names follow llama.cpp") {
  CHECK(gguf::ftype_name(0) == "F32");
  CHECK(gguf::ftype_name(1) == "F16");
  CHECK(gguf::ftype_name(2) == "Q4_0");
  CHECK(gguf::ftype_name(7) == "Q8_0");
  CHECK(gguf::ftype_name(15) == "Q4_K_M");
  CHECK(gguf::ftype_name(18) == "Q6_K");
  CHECK(gguf::ftype_name(32) == "BF16");
  CHECK(gguf::ftype_name(5) == "");
  CHECK(gguf::ftype_name(1024) == "");
}

TEST_CASE("format_params") {
  CHECK(gguf::format_params(0) == "0 params");
  CHECK(gguf::format_params(960) == "960 params");
  CHECK(gguf::format_params(12'300) == "12.3 K params");
  CHECK(gguf::format_params(4'200'000) == "4.2 M params");
  CHECK(gguf::format_params(1'100'048'384) == "1.1 B params");
  CHECK(gguf::format_params(7'000'000'000) == "7 B params");
  CHECK(gguf::format_params(999'999) == "1 M params");
}

TEST_CASE("format_bytes") {
  CHECK(gguf::format_bytes(512) == "512 B");
  CHECK(gguf::format_bytes(1024) == "1 KiB");
  CHECK(gguf::format_bytes(17 * 1024 * 1024) == "17 MiB");
  CHECK(gguf::format_bytes(3 * 512ull * 1024 * 1024) == "1.5 GiB");
  CHECK(gguf::format_bytes(668'788'096) == "638 MiB");
  CHECK(gguf::format_bytes(1024 * 1024 - 1) == "1 MiB");
}

TEST_CASE("summary_line") {
  gguf::Model m;
  m.version = 3;
  m.architecture = "llama";
  m.parameter_count = 4'200'000;
  m.file_type_name = "F32";
  m.file_size = 17 * 1024 * 1024;
  CHECK(gguf::summary_line("tiny.gguf", m) == "tiny.gguf (GGUF v3, llama, 4.2 M params, F32, 17 MiB)");
  m.file_type_name = "";
  m.architecture = "";
  CHECK(gguf::summary_line("x.gguf", m) == "x.gguf (GGUF v3, unknown arch, 4.2 M params, 17 MiB)");
}
