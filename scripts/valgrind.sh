#!/bin/sh
# Run the gst-check suites of a build under valgrind memcheck, one process
# per test case.
#
# Usage: scripts/valgrind.sh [OPTIONS] [BUILD_DIR] [SUITE[:CASE]...]
#   BUILD_DIR   a configured and built meson tree (default: build); a plain
#               build, not one with -Db_sanitize
#   SUITE       a meson test name (elements_pgsmsipbin, libs_pgsmcore...);
#               default: every test whose program lives in BUILD_DIR/tests/check
#   SUITE:CASE  one test case of a suite (elements_pgsmsipbin:test_send_dtmf)
# Options:
#   -j N        run N cases at a time (default 1; 2 on a 2-core machine)
#   -r N        afterwards, re-run each failed, crashed or timed-out case
#               alone, up to N times (default 2; 0: never)
#   -t SECONDS  wall-clock limit per case (default 900)
#   -o DIR      logs and report (default BUILD_DIR/meson-logs/valgrind)
#   -l          only list the cases that would run
# Extra valgrind options: VALGRIND_OPTS (valgrind reads it itself).
#
# Why one process per case: under memcheck a whole SIP suite does not finish
# in any useful time, and one hung case would cost the whole suite. Each
# case runs alone (GST_CHECKS=<case>, CK_FORK=no), so memcheck's leak check
# at exit covers exactly that case. check enforces no timeout with
# CK_FORK=no, so the limit is timeout(1): SIGTERM at the limit (memcheck
# still prints its leak summary; the case is marked TIMEOUT), SIGKILL 60 s
# later.
#
# Why re-runs: the SIP suites are real-time (live audio, RTP jitter buffers,
# SIP and media timers, 20 s bounds on every wait) and, two at a time on a
# busy machine, memcheck sometimes makes them miss a bound. A failed check
# also jumps out of the test body, so the leaks of a FAIL are mostly what
# the test did not get to free. So the cases that fail are run again, one
# at a time, once the parallel pass is over; earlier tries are kept as
# OUT/<suite>.<case>.tryN.{log,vg}.
#
# A case is clean (OK) when its test passed and memcheck found no error
# (invalid read/write, use of uninitialised values, bad free...) and no
# *definite* leak; "possibly lost" and "still reachable" blocks (GLib's type
# system, GStreamer's registry and the like) are not errors. Verdicts:
# OK, MEMCHECK (test passed, memcheck did not), FAIL, CRASH (no check
# summary), TIMEOUT, EXITHANG (passed, then did not exit within 300 s),
# NOCASE (no such case); +MEMCHECK when a failed case also has findings.
# Suppressions: tests/sanitizers/valgrind.supp (one-time allocations of
# GLib, GStreamer, glibc, Sofia-SIP and NSS only; never a frame of gst-pgsm).
#
# Environment of each case: meson's test definition for the suite (as
# `meson introspect --tests` gives it), plus GST_CHECKS=<case>, CK_FORK=no,
# G_SLICE=always-malloc, G_DEBUG=gc-friendly; run under `nice -n 10`. Each
# suite is first run natively with --list-tests, which lists its cases and
# brings its registry up to date, so that parallel cases only read it.
#
# Output: OUT/<suite>.<case>.log (the test's output), OUT/<suite>.<case>.vg
# (memcheck's log, with --gen-suppressions=all stanzas), OUT/report.txt
# (per-case and per-suite tables, also printed at the end).
# Exits 1 unless every case is OK.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
supp="$root/tests/sanitizers/valgrind.supp"
self="$here/$(basename "$0")"

# Per-case valgrind options. test_sipbin_cycles asserts that its resident
# memory grows by less than 2 MB over 200 cycles; memcheck's queue of freed
# blocks (--freelist-vol, 20 MB by default) is resident too and alone
# breaks that bound, so that case keeps a 1 MB queue.
case_options() {
  case "$1:$2" in
    elements_pgsmcycles:test_sipbin_cycles) echo "--freelist-vol=1000000" ;;
  esac
}

# --- worker: one try of one case (called through xargs) ----------------------
# run_once OUT LIMIT TRY SUITE CASE: sets $verdict, writes OUT/SUITE.CASE.result
run_once() {
  out=$1 limit=$2 try=$3 suite=$4 case=$5
  exe=''                        # set by the env file
  base="$out/$suite.$case"
  if [ "$try" -gt 1 ] && [ -f "$base.log" ]; then
    mv "$base.log" "$base.try$((try - 1)).log"
    mv "$base.vg" "$base.try$((try - 1)).vg" 2>/dev/null || true
  fi
  # shellcheck disable=SC2046
  set -- $(case_options "$suite" "$case")
  t0=$(date +%s)
  rc=0
  (
    # shellcheck disable=SC1090
    . "$out/env/$suite.sh"
    GST_CHECKS=$case CK_FORK=no G_SLICE=always-malloc G_DEBUG=gc-friendly \
      CK_DEFAULT_TIMEOUT=$limit \
      exec timeout -s TERM -k 60 "$limit" nice -n 10 \
      valgrind --tool=memcheck --leak-check=full \
      --errors-for-leak-kinds=definite --show-leak-kinds=definite \
      --error-exitcode=99 --num-callers=40 --track-origins=no \
      --child-silent-after-fork=yes --fair-sched=yes \
      --suppressions="$supp" --gen-suppressions=all "$@" \
      --log-file="$base.vg" "$exe"
  ) >"$base.log" 2>&1 &
  pid=$!
  # timeout(1) runs in a process group of its own, out of reach of the
  # terminal's ^C: pass an interrupt on (timeout forwards it to valgrind),
  # or the case would go on for up to LIMIT s after the driver is gone
  trap 'kill -TERM "$pid" 2>/dev/null; exit 130' INT TERM HUP
  # With CK_FORK=no a failed check jumps out of the test body and leaves its
  # pipelines running; gst-check's exit handler (gst_deinit) then waits for
  # their streaming threads forever. So once check has printed its verdict,
  # give the process 60 s (failed case) or 300 s (passed case: memcheck's
  # leak search) to exit, then SIGTERM it.
  seen='' hung='' grace=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    if [ -z "$seen" ] && grep -q '%: Checks: ' "$base.log" 2>/dev/null; then
      seen=$(date +%s)
      grace=60
      if grep -q '%: Checks: 1, Failures: 0, Errors: 0' "$base.log"; then
        grace=300
      fi
    fi
    if [ -n "$seen" ] && [ -z "$hung" ] \
      && [ $(($(date +%s) - seen)) -ge "$grace" ]; then
      hung=yes
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  wait "$pid" || rc=$?
  trap - INT TERM HUP
  t1=$(date +%s)

  # memcheck's totals: its error count includes one per definite-leak
  # record (--errors-for-leak-kinds=definite); report the two apart
  total=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$base.vg" \
    | tail -n 1 | tr -d ,)
  leakrec=$(grep -c 'are definitely lost in loss record' "$base.vg" || true)
  defbytes=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes in.*/\1/p' \
    "$base.vg" | tail -n 1 | tr -d ,)
  if [ -z "$defbytes" ] && grep -q 'All heap blocks were freed' "$base.vg"; then
    defbytes=0
  fi
  [ -n "$defbytes" ] || defbytes=-
  errors=-
  [ -z "$total" ] || errors=$((total - leakrec))

  # check's own verdict: "100%: Checks: 1, Failures: 0, Errors: 0"
  checks=$(sed -n 's/.*%: Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' \
    "$base.log" | tail -n 1)
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    verdict=TIMEOUT
  elif [ -n "$hung" ] && [ "$checks" = "1 0 0" ]; then
    verdict=EXITHANG            # passed, then a thread nobody joins
  elif [ -z "$checks" ]; then
    verdict=CRASH
  elif [ "${checks%% *}" = 0 ]; then
    verdict=NOCASE
  elif [ "$checks" != "1 0 0" ]; then
    verdict=FAIL
  elif [ "$errors" != 0 ] || [ "$leakrec" != 0 ]; then
    verdict=MEMCHECK
  else
    verdict=OK
  fi
  case $verdict in
    OK | MEMCHECK | TIMEOUT) ;;
    *)
      if [ "$errors" != 0 ] && [ "$errors" != - ] || [ "$leakrec" != 0 ]; then
        verdict="$verdict+MEMCHECK"
      fi
      ;;
  esac
  printf '%s %s %s %s %s %s %s %s\n' "$suite" "$case" "$verdict" \
    $((t1 - t0)) "$errors" "$leakrec" "$defbytes" "$try" >"$base.result"
  printf '%-26s %-42s %-14s %5ss  errors %s  definite %s (%s bytes)  try %s\n' \
    "$suite" "$case" "$verdict" $((t1 - t0)) "$errors" "$leakrec" \
    "$defbytes" "$try"
}

# $0 --run-case OUT LIMIT FIRST_TRY LAST_TRY SUITE CASE: tries until the
# test passes (clean or not) or LAST_TRY is done
if [ "${1:-}" = "--run-case" ]; then
  try=$4
  while :; do
    run_once "$2" "$3" "$try" "$6" "$7"
    case $verdict in
      OK | MEMCHECK | EXITHANG | NOCASE) break ;;
    esac
    [ "$try" -lt "$5" ] || break
    try=$((try + 1))
  done
  exit 0
fi

# --- driver ------------------------------------------------------------------
jobs=1
retries=2
limit=900
out=''
list_only=no
while getopts j:r:t:o:l opt; do
  case $opt in
    j) jobs=$OPTARG ;;
    r) retries=$OPTARG ;;
    t) limit=$OPTARG ;;
    o) out=$OPTARG ;;
    l) list_only=yes ;;
    *) sed -n '2,18p' "$self" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
for n in "$jobs" "$retries" "$limit"; do
  case $n in
    '' | *[!0-9]*) echo "-j, -r and -t take a number, not '$n'" >&2; exit 2 ;;
  esac
done
if [ "$jobs" -eq 0 ] || [ "$limit" -eq 0 ]; then
  echo "-j and -t must be at least 1" >&2
  exit 2
fi

# BUILD_DIR is optional: a first operand that is no directory is a suite
build=build
if [ $# -gt 0 ] && [ -d "$1" ]; then
  build=$1
  shift
fi
[ -d "$build" ] || { echo "no build directory $build" >&2; exit 2; }
build=$(cd "$build" && pwd)
[ -n "$out" ] || out="$build/meson-logs/valgrind"
mkdir -p "$out/env"
out=$(cd "$out" && pwd)

command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }

# One environment file per selected suite (exe, cwd, meson's test env), and
# the selection: "suite case" lines, case "-" for a whole suite
selection=$(meson introspect "$build" --tests | /usr/bin/env python3 -c '
import json, shlex, sys
out, want = sys.argv[1], sys.argv[2:]
tests = {t["name"]: t for t in json.load(sys.stdin)}
if not want:
    want = [n for n, t in tests.items() if "/tests/check/" in t["cmd"][0]]
for w in want:
    name, _, case = w.partition(":")
    t = tests.get(name)
    if t is None:
        sys.exit("no test named %s" % name)
    with open("%s/env/%s.sh" % (out, name), "w") as f:
        for k, v in sorted(t["env"].items()):
            f.write("export %s=%s\n" % (k, shlex.quote(v)))
        if t.get("workdir"):
            f.write("cd %s\n" % shlex.quote(t["workdir"]))
        f.write("exe=%s\n" % shlex.quote(t["cmd"][0]))
    print(name, case or "-")
' "$out" "$@")
[ -n "$selection" ] || { echo "no gst-check suite in $build" >&2; exit 2; }

# Expand suites into cases with the suite's own --list-tests (gst-check),
# run natively: that also brings the suite's registry up to date
cases="$out/cases.txt"
: >"$cases"
echo "$selection" | while read -r suite case; do
  (
    cd "$build"
    # shellcheck disable=SC1090
    . "$out/env/$suite.sh"
    "$exe" --list-tests
  ) 2>/dev/null | sed -n "s/^Test: \(.*\)/$suite \1/p" >"$out/list.tmp"
  if [ "$case" = "-" ]; then
    [ -s "$out/list.tmp" ] \
      || echo "valgrind: $suite --list-tests listed no case, skipped" >&2
    cat "$out/list.tmp" >>"$cases"
  else
    echo "$suite $case" >>"$cases"
  fi
done
rm -f "$out/list.tmp"
ncases=$(wc -l <"$cases")
[ "$ncases" -gt 0 ] || { echo "no test case found" >&2; exit 2; }
if [ "$list_only" = yes ]; then
  cat "$cases"
  exit 0
fi

echo "valgrind: $ncases case(s), $jobs at a time, limit $limit s per case," \
  "logs in $out"
rm -f "$out"/*.result "$out"/*.try[0-9]*.log "$out"/*.try[0-9]*.vg
start=$(date +%s)
cd "$build"
xargs -P "$jobs" -L 1 sh "$self" --run-case "$out" "$limit" 1 1 \
  <"$cases" || true
# the re-runs, alone
if [ "$retries" -gt 0 ]; then
  while read -r suite case; do
    r="$out/$suite.$case.result"
    [ -f "$r" ] || continue
    case $(cut -d' ' -f3 "$r") in
      OK | MEMCHECK | EXITHANG | NOCASE) ;;
      *) echo "$suite $case" ;;
    esac
  done <"$cases" >"$out/rerun.txt"
  if [ -s "$out/rerun.txt" ]; then
    echo "valgrind: re-running $(wc -l <"$out/rerun.txt") case(s) alone"
    xargs -P 1 -L 1 sh "$self" --run-case "$out" "$limit" 2 \
      $((1 + retries)) <"$out/rerun.txt" || true
  fi
fi
end=$(date +%s)

# --- report ------------------------------------------------------------------
report="$out/report.txt"
{
  echo "valgrind memcheck of $build: $ncases case(s), $jobs at a time," \
    "$((end - start)) s wall clock"
  echo
  printf '%-26s %-42s %-14s %5s %6s %6s %9s %4s\n' suite case verdict \
    secs errors leaks "lost(B)" try
  while read -r suite case; do
    r="$out/$suite.$case.result"
    if [ -f "$r" ]; then
      # shellcheck disable=SC2046
      set -- $(cat "$r")
      printf '%-26s %-42s %-14s %5s %6s %6s %9s %4s\n' "$1" "$2" "$3" "$4" \
        "$5" "$6" "$7" "$8"
    else
      printf '%-26s %-42s %-14s\n' "$suite" "$case" NORESULT
    fi
  done <"$cases"
  echo
  printf '%-26s %5s %4s %6s %6s %6s %9s  %s\n' suite cases OK secs errors \
    leaks "lost(B)" "not OK"
  cut -d' ' -f1 "$cases" | uniq | while read -r suite; do
    cat "$out/$suite".*.result 2>/dev/null | awk -v s="$suite" '
      { n++; secs += $4; if ($3 == "OK") ok++; else bad = bad " " $2 "=" $3
        if ($5 ~ /^[0-9]+$/) err += $5; leaks += $6
        if ($7 ~ /^[0-9]+$/) lost += $7 }
      END { printf "%-26s %5d %4d %6d %6d %6d %9d %s\n", s, n, ok, secs, err,
              leaks, lost, bad }'
  done
} >"$report"
echo
cat "$report"

if [ "$(cat "$out"/*.result | grep -c ' OK ')" -ne "$ncases" ]; then
  echo
  echo "valgrind: FAILED (details in $out/<suite>.<case>.vg and .log)"
  exit 1
fi
echo
echo "valgrind: all $ncases cases clean"
