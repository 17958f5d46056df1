// The TAP version 14 report: a test point per check, a subtest per worker when there are several.
#pragma once

#include <string>

#include "hivetest/flow/result.hpp"

namespace hivetest::report {

// `version` 13 writes the same document under a version line that harnesses from
// before TAP 14 accept (prove 3.44 in Debian 12): they pass over the indented subtests.
std::string tap_document(const flow::SuiteResult& result, int version = 14);

// hivetest's exit code under --format tap. A TAP harness (meson's among them) reads any
// non-zero exit as a broken test program, not as a failed or skipped test; so when the
// document itself carries the verdict (pass, fail or skip) the exit code is 0. A set-up
// error (the document bails out) and an interruption keep their codes.
int tap_exit_code(const flow::SuiteResult& result);

}  // namespace hivetest::report
