#!/usr/bin/python3
"""Reads a JUnit XML file with junitparser and prints its totals as word=count.

Usage: junit_check.py FILE. The totals are counted from the testcases themselves, and the
testsuites' own attributes must agree with them.
"""
import sys

from junitparser import Error, Failure, JUnitXml, Skipped
from junitparser.junitparser import SystemOut

xml = JUnitXml.fromfile(sys.argv[1])
suites = list(xml)
cases = failures = errors = skipped = 0
for suite in suites:
    s_cases = s_failures = s_errors = s_skipped = 0
    for case in suite:
        s_cases += 1
        for result in case.result:
            if isinstance(result, Failure):
                s_failures += 1
            elif isinstance(result, Error):
                s_errors += 1
            elif isinstance(result, Skipped):
                s_skipped += 1
    if (suite.tests, suite.failures, suite.errors, suite.skipped) != (s_cases, s_failures, s_errors, s_skipped):
        print(f'suite {suite.name}: attributes {suite.tests}/{suite.failures}/{suite.errors}/{suite.skipped} '
              f'but testcases {s_cases}/{s_failures}/{s_errors}/{s_skipped}')
        sys.exit(1)
    if suite.child(SystemOut) is None or not suite.child(SystemOut).text:
        print(f'suite {suite.name}: no system-out')
        sys.exit(1)
    cases += s_cases
    failures += s_failures
    errors += s_errors
    skipped += s_skipped
print(f'suites={len(suites)} tests={cases} failures={failures} errors={errors} skipped={skipped}')
