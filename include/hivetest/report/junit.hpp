// The JUnit XML report, as GitLab and Jenkins read it: a testsuite per worker, a testcase per check.
#pragma once

#include <cstdio>
#include <string>

#include "hivetest/flow/result.hpp"

namespace hivetest::report {

std::string junit_document(const flow::SuiteResult& result);

}  // namespace hivetest::report
