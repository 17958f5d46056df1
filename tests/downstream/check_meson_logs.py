#!/usr/bin/python3
"""Checks what the downstream project's `meson test` made of hivetest's TAP.

Usage: check_meson_logs.py MESON_LOGS_DIR VERBOSE_OUTPUT. Reads meson's testlog.json (a
result per test) and testlog.junit.xml (a testcase per TAP subtest), and the --verbose
output; prints what is wrong and exits 1, or prints a summary.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET

logs, verbose_file = sys.argv[1], sys.argv[2]
problems = []

results = {}
with open(f'{logs}/testlog.json') as f:
    for line in f:
        test = json.loads(line)
        results[test['name']] = test['result']
expected = {'worker isolation': 'OK', 'no model': 'SKIP', 'failing worker': 'FAIL', 'worker with a fault': 'FAIL'}
if results != expected:
    problems.append(f'test results {results}, expected {expected}')

# meson's JUnit log has a testsuite per test and a testcase per TAP test point.
suites = {s.get('name'): s for s in ET.parse(f'{logs}/testlog.junit.xml').getroot().iter('testsuite')}


def cases(test):
    suite = suites.get(f'downstream.{test}')
    if suite is None:
        problems.append(f'no JUnit testsuite for {test!r}: {sorted(suites)}')
        return []
    return [(c.get('name'), [r.tag for r in c if r.tag in ('failure', 'error', 'skipped')]) for c in suite.iter('testcase')]


# The default rbee profile's checks; the ones it has no endpoint for (and the cadence of a
# single heartbeat) are skipped.
checks = ['model', 'hive', 'spawn', 'ready', 'ready-means-ready', 'heartbeats', 'heartbeat-cadence', 'health',
          'ready-endpoint', 'loading-progress', 'models', 'inference', 'stream-accounting', 'concurrent-streams',
          'disconnect-cancels', 'client-errors-are-4xx', 'graceful-shutdown']
skipped_checks = {'heartbeat-cadence', 'ready-endpoint', 'loading-progress', 'models'}
passing = cases('worker isolation')
names = [re.sub(r'^\d+ - ', '', name) for name, _ in passing]
wrong = [(name, outcome) for name, outcome in passing
         if outcome != (['skipped'] if re.sub(r'^\d+ - ', '', name) in skipped_checks else [])]
if names != checks or wrong:
    problems.append(f'worker isolation: subtests {passing}, expected one subtest per check {checks}, '
                    f'skipped only {sorted(skipped_checks)}')

skipped = cases('no model')
if len(skipped) != 1 or skipped[0][1] != ['skipped'] or not skipped[0][0].endswith('- model'):
    problems.append(f'no model: subtests {skipped}, expected the model check skipped')

failing = cases('failing worker')
failed = [name for name, outcome in failing if outcome == ['failure']]
if len(failing) != 4 or failed != ['4 - ready']:
    problems.append(f'failing worker: subtests {failing}, expected 4 with the ready check failed')

faulty = cases('worker with a fault')
failed = [name for name, outcome in faulty if outcome == ['failure']]
if len(faulty) != len(checks) or failed != ['16 - client-errors-are-4xx']:
    problems.append(f'worker with a fault: subtests {faulty}, expected {len(checks)} with only client-errors-are-4xx failed')

verbose = open(verbose_file, encoding='utf-8', errors='replace').read()
for pattern in [r'- ready +FAIL',
                r'failing worker +FAIL .* 3/4 subtests passed',
                r'worker with a fault +FAIL .* 12/13 subtests passed',  # meson counts no skipped point
                r'worker isolation +OK .* 13 subtests passed',
                r'no model +SKIP']:
    if not re.search(pattern, verbose):
        problems.append(f'meson test --verbose shows no line like {pattern!r}')

for p in problems:
    print(p)
if not problems:
    print(f'meson: {results}; {len(passing)} + {len(skipped)} + {len(failing)} + {len(faulty)} subtests')
sys.exit(1 if problems else 0)
