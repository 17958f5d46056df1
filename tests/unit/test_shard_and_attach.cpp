// Tests of --shard K/N (every matrix entry in exactly one share) and of --attach URLs.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "hivetest/cli/shard.hpp"
#include "hivetest/flow/isolation.hpp"

using namespace hivetest;

TEST_CASE("shards of a matrix cover every entry exactly once") {
  std::vector<flow::Config> workers(7);
  for (std::size_t i = 0; i < workers.size(); ++i) workers[i].label = std::to_string(i);
  for (std::size_t n : {1, 2, 3, 7, 9}) {
    std::multiset<std::string> seen;
    for (std::size_t k = 1; k <= n; ++k)
      for (const auto& w : cli::take_shard(workers, {k, n})) seen.insert(w.label);
    INFO("N = ", n);
    CHECK(seen.size() == workers.size());
    for (const auto& w : workers) CHECK(seen.count(w.label) == 1);
  }
  auto second = cli::take_shard(workers, {2, 3});
  REQUIRE(second.size() == 2);
  CHECK(second[0].label == "1");
  CHECK(second[1].label == "4");
}

TEST_CASE("--shard takes K/N with 1 <= K <= N") {
  std::string error;
  auto s = cli::parse_shard("2/4", error);
  REQUIRE(s);
  CHECK(s->k == 2);
  CHECK(s->n == 4);
  for (const char* bad : {"0/2", "3/2", "2", "a/b", "1/0", "1/2x", "/2", "1/"}) {
    INFO(bad);
    CHECK_FALSE(cli::parse_shard(bad, error));
    CHECK(error.find("is not K/N") != std::string::npos);
  }
}

TEST_CASE("--attach takes http://HOST:PORT") {
  std::string error;
  auto a = flow::parse_attach_url("http://127.0.0.1:8080/", error);
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 8080);
  a = flow::parse_attach_url("http://[::1]:9", error);
  REQUIRE(a);
  CHECK(a->host == "::1");
  for (const char* bad : {"https://h:1", "http://h", "http://h:0", "http://h:70000", "http://:80", "http://h:80/v1", "h:80"}) {
    INFO(bad);
    CHECK_FALSE(flow::parse_attach_url(bad, error));
  }
}
