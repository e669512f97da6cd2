#!/bin/sh
# Run every gst-check suite of a build under valgrind memcheck.
#
# Usage: scripts/valgrind.sh [BUILD_DIR] [TEST_NAME...]
#   BUILD_DIR   a configured and built meson tree (default: build)
#   TEST_NAME   only these tests (default: every test whose program lives in
#               BUILD_DIR/tests/check, i.e. the gst-check suites)
#
# A suite fails on any memcheck error (invalid read/write, use of
# uninitialised values, bad free...) and on any *definite* leak; "possibly
# lost" and "still reachable" blocks (GLib's type system, GStreamer's
# registry and the like) are not errors. Suppressions:
# tests/sanitizers/valgrind.supp (one-time allocations of GLib, GStreamer,
# GnuTLS and libsrtp2 only; never a frame of gst-pgsm).
#
# Environment given to the suites: CK_FORK=no (one process per suite, so
# memcheck sees each test), G_SLICE=always-malloc, G_DEBUG=gc-friendly,
# GST_DEBUG unset apart from what meson's test definition sets (level 1).
# Every suite's valgrind log is in BUILD_DIR/meson-logs/testlog-valgrind.txt
# (and BUILD_DIR/meson-logs/valgrind-<pid>.log per process).
#
# Exits non-zero when any suite failed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-build}
[ $# -gt 0 ] && shift
build=$(cd "$build" && pwd)
supp="$root/tests/sanitizers/valgrind.supp"

command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }

if [ $# -gt 0 ]; then
  tests="$*"
else
  # the gst-check suites: programs built under tests/check
  tests=$(meson introspect "$build" --tests | /usr/bin/env python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if "/tests/check/" in t["cmd"][0]:
        print(t["name"])
')
fi
[ -n "$tests" ] || { echo "no gst-check suite in $build" >&2; exit 2; }

mkdir -p "$build/meson-logs"
start=$(date +%s)
status=0
# shellcheck disable=SC2086
CK_FORK=no G_SLICE=always-malloc G_DEBUG=gc-friendly \
  meson test -C "$build" --no-rebuild --logbase testlog-valgrind \
  --timeout-multiplier 10 --print-errorlogs \
  --wrap "valgrind --tool=memcheck --leak-check=full \
--errors-for-leak-kinds=definite --show-leak-kinds=definite \
--error-exitcode=99 --num-callers=40 --track-origins=no \
--suppressions=$supp --gen-suppressions=all \
--log-file=$build/meson-logs/valgrind-%p.log" \
  $tests || status=$?
end=$(date +%s)

echo
echo "valgrind: $(echo "$tests" | wc -w) suite(s) in $((end - start)) s"
if [ "$status" -ne 0 ]; then
  echo "valgrind: FAILED (see the suites above; exit code 99 = memcheck" \
    "errors or definite leaks, details in $build/meson-logs/valgrind-*.log)"
  exit 1
fi
echo "valgrind: all suites clean"
