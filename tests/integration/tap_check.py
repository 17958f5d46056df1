#!/usr/bin/python3
"""Reads a TAP file with meson's own TAP parser and prints what it saw, one word=count each.

Usage: tap_check.py FILE. Exits 1 when a line is not valid UTF-8 or holds a control character
(one line must stay one line), when meson's parser reports an error, or when a document
that does not bail out has no plan.
"""
import sys

from mesonbuild.mtest import TAPParser, TestResult

raw = open(sys.argv[1], 'rb').read()
try:
    text = raw.decode('utf-8')
except UnicodeDecodeError as e:
    print(f'not UTF-8: {e}')
    sys.exit(1)
lines = text.split('\n')
for n, line in enumerate(lines, 1):
    bad = [c for c in line if ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f]
    if bad:
        print(f'line {n} holds control characters: {line[:120]!r}')
        sys.exit(1)

counts = {'ok': 0, 'fail': 0, 'skip': 0, 'bailout': 0, 'errors': 0, 'unknown': 0, 'plan': -1}
names = []
for event in TAPParser().parse(iter(lines[:-1] if lines[-1] == '' else lines)):
    if isinstance(event, TAPParser.Test):
        names.append(f'{event.result.name} {event.name}')
        if event.result is TestResult.OK:
            counts['ok'] += 1
        elif event.result is TestResult.SKIP:
            counts['skip'] += 1
        else:
            counts['fail'] += 1
    elif isinstance(event, TAPParser.Plan):
        counts['plan'] = event.num_tests
    elif isinstance(event, TAPParser.Bailout):
        counts['bailout'] += 1
    elif isinstance(event, TAPParser.Error):
        print(f'TAP error: {event.message}')
        counts['errors'] += 1
    elif isinstance(event, TAPParser.UnknownLine):
        counts['unknown'] += 1
if counts['plan'] < 0 and not counts['bailout']:
    print('TAP error: no plan')  # which meson's parser lets pass
    counts['errors'] += 1
for name in names:
    print(name)
print(' '.join(f'{k}={v}' for k, v in counts.items()))
sys.exit(1 if counts['errors'] else 0)
