#!/usr/bin/env bash
# Builds tests/downstream/project with this hivetest as its subproject, runs its `meson test`,
# and checks what meson made of hivetest's TAP: a subtest per check, SKIP without a model,
# FAIL naming the failing check.
# Usage: SOURCE_ROOT=… run.sh
# Nothing here sleeps: meson's own runs are awaited, each under the test's timeout.
set -u
: "${SOURCE_ROOT:?}"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() {
  echo "FAIL: $*"
  [[ -f $WORK/test.out ]] && { echo "--- meson test output (last 60 lines):"; tail -n 60 "$WORK/test.out"; }
  exit 1
}

# The downstream project, with this source tree as its subprojects/hivetest; meson finds
# hivetest's own subproject (llhttp) through it.
cp -r "$SOURCE_ROOT/tests/downstream/project" "$WORK/downstream"
mkdir "$WORK/downstream/subprojects"
ln -s "$SOURCE_ROOT" "$WORK/downstream/subprojects/hivetest"

# buildtype plain: no optimisation, the quickest build of hivetest as a subproject.
meson setup "$WORK/build" "$WORK/downstream" --buildtype plain >"$WORK/setup.out" 2>&1 \
  || fail "meson setup: $(tail -n 30 "$WORK/setup.out")"
grep -q "Program hivetest found: YES (overridden)" "$WORK/setup.out" || fail "find_program('hivetest') did not find the subproject's"
grep -q "Program reference-worker found: YES (overridden)" "$WORK/setup.out" \
  || fail "find_program('reference-worker') did not find the subproject's"

# Two of the four tests fail on purpose; meson test exits with the number of failures.
meson test -C "$WORK/build" --verbose --num-processes 1 >"$WORK/test.out" 2>&1
rc=$?
[[ $rc == 2 ]] || fail "meson test exited $rc, expected 2 (two failing tests)"
[[ ! -e $WORK/build/subprojects/hivetest/tests ]] || fail "tests=false did not keep hivetest's own tests out of the build"

/usr/bin/python3 "$SOURCE_ROOT/tests/downstream/check_meson_logs.py" "$WORK/build/meson-logs" "$WORK/test.out" \
  || fail "meson's logs are not as expected"
echo "ok: downstream meson test"
