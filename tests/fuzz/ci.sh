#!/bin/sh
# CI fuzzing: build every libFuzzer target with clang (via tests/fuzz/run.sh)
# and run each for a bounded time. Exits non-zero if any target crashes,
# leaks, times out or fails to build. One summary line per target:
#   fuzz <target>: <result> execs=<N> seconds=<S>
#
# Usage: tests/fuzz/ci.sh [TARGET...]   (default: all four)
# Environment:
#   FUZZ_SECONDS  run time per target (default 45)
#   FUZZ_CI_DIR   work dir (default: build-fuzz-ci/ in the source root;
#                 never build/)
#   CC            a clang (default: clang)
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${FUZZ_SECONDS:-45}
dir=${FUZZ_CI_DIR:-$root/build-fuzz-ci}
targets=${*:-crypto_attribute srtp_packet cert_chain sdp_offer}

mkdir -p "$dir"
status=0
summary=""
for t in $targets; do
  log="$dir/$t.log"
  start=$(date +%s)
  # -timeout: one input running over 25 s is a failure
  FUZZ_OUT="$dir" JOBS=1 FUZZ_EXTRA="-timeout=25" \
    sh "$here/run.sh" "$t" "$seconds" >"$log" 2>&1
  rc=$?
  end=$(date +%s)
  execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
  if [ "$rc" -eq 0 ] && [ -n "$execs" ]; then
    result=ok
  else
    result=FAIL
    status=1
    grep -E "SUMMARY|ERROR|error:" "$log" | head -n 5 >&2
    echo "  full log: $log" >&2
  fi
  line="fuzz $t: $result execs=${execs:-0} seconds=$((end - start))"
  echo "$line"
  summary="$summary$line
"
done
printf '%s' "$summary" >"$dir/summary.txt"
exit $status
