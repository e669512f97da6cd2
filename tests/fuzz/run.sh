#!/bin/sh
# Build the crypto-attribute fuzzer with clang (libFuzzer + ASan + UBSan)
# and run it.  Usage: tests/fuzz/run.sh [seconds]   (default 60)
#
# The parser sources are compiled into the fuzzer (not linked from a meson
# build tree) so that libFuzzer sees their coverage. Environment:
#   FUZZ_OUT   where the binary, the growing corpus and crash files go
#              (default: ${TMPDIR:-/tmp}/pgsm-fuzz)
#   CC         a clang (default: clang)
#   JOBS       parallel fuzzing jobs (default: 1)
set -eu

seconds=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${FUZZ_OUT:-${TMPDIR:-/tmp}/pgsm-fuzz}
cc=${CC:-clang}
jobs=${JOBS:-1}

mkdir -p "$out/corpus"
# shellcheck disable=SC2046
"$cc" -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root" \
  "$root/gst/pgsm/pgsmcrypto.c" "$root/gst/pgsm/pgsmsuite.c" \
  "$here/crypto_attribute_fuzzer.c" \
  $(pkg-config --cflags --libs gobject-2.0) \
  -o "$out/crypto_attribute_fuzzer"

echo "fuzzing for ${seconds}s; new inputs in $out/corpus, crashes in $out/"
# The first directory receives new inputs; the seed corpus stays untouched
ASAN_OPTIONS=detect_leaks=1 \
  "$out/crypto_attribute_fuzzer" \
  -max_total_time="$seconds" -jobs="$jobs" -workers="$jobs" \
  -max_len=4096 -dict="$here/crypto_attribute.dict" \
  -artifact_prefix="$out/" \
  "$out/corpus" "$here/corpus/crypto_attribute"
