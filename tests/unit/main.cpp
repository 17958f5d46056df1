// The doctest runner for every unit test file in this folder; it fails when the filters
// (meson's --source-file) select no test case, so that a misspelt filter cannot pass.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

namespace {

// Keeps how many test cases passed the filters; says nothing.
struct SelectedCases : doctest::IReporter {
  static inline unsigned count = 0;
  explicit SelectedCases(const doctest::ContextOptions&) {}
  void test_run_end(const doctest::TestRunStats& stats) override { count = stats.numTestCasesPassingFilters; }
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};
REGISTER_LISTENER("selected-cases", 1, SelectedCases);

}  // namespace

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int failed = context.run();
  if (context.shouldExit()) return failed;  // --help, --list-test-cases and the like
  if (SelectedCases::count == 0) {
    std::fprintf(stderr, "no test case matches the filters\n");
    return 1;
  }
  return failed;
}
