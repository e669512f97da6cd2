#!/bin/sh
# Build a fuzz target with clang (libFuzzer + ASan + UBSan) and run it.
#
# Usage: tests/fuzz/run.sh [TARGET] [SECONDS]
#   TARGET   crypto_attribute (default), srtp_packet, cert_chain or
#            sdp_offer
#   SECONDS  run time (default 60); `tests/fuzz/run.sh 120` still means
#            crypto_attribute for 120 s
#
# The code under test is compiled into the fuzzer (not linked from a meson
# build tree) so that libFuzzer sees its coverage. srtp_packet, cert_chain
# and sdp_offer need config.h and the generated pgsm-enumtypes.h: the script
# configures a small meson tree in $FUZZ_OUT/meson for them (plugins off,
# only those two files are generated). Environment:
#   FUZZ_OUT   where the binaries, the growing corpora and crash files go
#              (default: ${TMPDIR:-/tmp}/pgsm-fuzz); per target:
#              $FUZZ_OUT/<target>_fuzzer, $FUZZ_OUT/corpus-<target>/,
#              $FUZZ_OUT/<target>-crash-* (crypto_attribute keeps its old
#              names: $FUZZ_OUT/corpus/ and $FUZZ_OUT/crash-*)
#   CC         a clang (default: clang)
#   JOBS       parallel fuzzing jobs (default: 1)
#   FUZZ_EXTRA more libFuzzer flags (tests/fuzz/ci.sh sets -timeout)
set -eu

target=crypto_attribute
case "${1:-}" in
  ''|*[!0-9]*) target=${1:-crypto_attribute}; seconds=${2:-60} ;;
  *) seconds=$1 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${FUZZ_OUT:-${TMPDIR:-/tmp}/pgsm-fuzz}
cc=${CC:-clang}
jobs=${JOBS:-1}
cflags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"

mkdir -p "$out"

# config.h and the generated enum header of libgstpgsm, for the targets that
# include the plugins' sources
prepare_meson () {
  if [ ! -f "$out/meson/build.ninja" ]; then
    meson setup "$out/meson" "$root" -Dsip=disabled -Dtests=disabled \
      -Dexamples=disabled -Dbenchmarks=disabled -Dintrospection=disabled \
      -Ddoc=disabled >"$out/meson-setup.log" 2>&1 ||
      { cat "$out/meson-setup.log"; exit 1; }
  fi
  ninja -C "$out/meson" gst/pgsm/pgsm-enumtypes.h gst/pgsm/pgsm-enumtypes.c \
    >/dev/null
  core="$root/gst/pgsm/pgsmerror.c $root/gst/pgsm/pgsmsuite.c \
    $root/gst/pgsm/pgsmcrypto.c $out/meson/gst/pgsm/pgsm-enumtypes.c"
  incs="-DHAVE_CONFIG_H -DBUILDING_PGSM -I$out/meson -I$out/meson/gst/pgsm \
    -I$root/gst/pgsm -I$root"
}

extra=""
case "$target" in
  crypto_attribute)
    # shellcheck disable=SC2046,SC2086
    "$cc" $cflags -I"$root" \
      "$root/gst/pgsm/pgsmcrypto.c" "$root/gst/pgsm/pgsmsuite.c" \
      "$here/crypto_attribute_fuzzer.c" \
      $(pkg-config --cflags --libs gobject-2.0) \
      -o "$out/crypto_attribute_fuzzer"
    corpus_out="$out/corpus"
    prefix="$out/"
    extra="-max_len=4096 -dict=$here/crypto_attribute.dict"
    ;;
  srtp_packet)
    prepare_meson
    # shellcheck disable=SC2046,SC2086
    "$cc" $cflags $incs -DG_LOG_DOMAIN='"GstPgsmSrtp"' \
      $core \
      "$root/ext/srtp/gstpgsmsrtpelement.c" "$root/ext/srtp/gstpgsmsrtp.c" \
      "$root/ext/srtp/gstpgsmsrtpenc.c" "$root/ext/srtp/gstpgsmsrtpdec.c" \
      "$here/srtp_packet_fuzzer.c" \
      $(pkg-config --cflags --libs gstreamer-1.0 gstreamer-base-1.0 \
        gstreamer-rtp-1.0 gstreamer-check-1.0 gio-2.0 libsrtp2) \
      -o "$out/srtp_packet_fuzzer"
    corpus_out="$out/corpus-srtp_packet"
    prefix="$out/srtp_packet-"
    extra="-max_len=1500"
    ;;
  cert_chain)
    prepare_meson
    # shellcheck disable=SC2046,SC2086
    "$cc" $cflags $incs -DG_LOG_DOMAIN='"GstPgsmTlsVerify"' \
      $core \
      "$root/ext/gnutls/pgsmtlsverify.c" "$root/tests/check/pki.c" \
      "$here/cert_chain_fuzzer.c" \
      $(pkg-config --cflags --libs gstreamer-1.0 gio-2.0 gnutls) \
      -o "$out/cert_chain_fuzzer"
    corpus_out="$out/corpus-cert_chain"
    prefix="$out/cert_chain-"
    extra="-max_len=16384"
    ;;
  sdp_offer)
    prepare_meson
    # shellcheck disable=SC2046,SC2086
    "$cc" $cflags $incs -I"$root/sip" -DG_LOG_DOMAIN='"GstPgsmSip"' \
      $core \
      "$root/sip/gstpgsmsdp.c" \
      "$here/sdp_offer_fuzzer.c" \
      $(pkg-config --cflags --libs gstreamer-1.0 gio-2.0 gnutls sofia-sip-ua) \
      -o "$out/sdp_offer_fuzzer"
    corpus_out="$out/corpus-sdp_offer"
    prefix="$out/sdp_offer-"
    extra="-max_len=4096 -dict=$here/sdp_offer.dict"
    ;;
  *)
    echo "unknown target '$target' (crypto_attribute, srtp_packet, cert_chain, sdp_offer)" >&2
    exit 2
    ;;
esac

mkdir -p "$corpus_out"
# -jobs makes libFuzzer write fuzz-N.log into the current directory: only
# with more than one job, and then in $out, never in the source tree
par=""
if [ "$jobs" -gt 1 ]; then
  par="-jobs=$jobs -workers=$jobs"
  cd "$out"
  echo "job logs: $out/fuzz-*.log"
fi
echo "fuzzing $target for ${seconds}s; new inputs in $corpus_out, crashes in ${prefix}*"
# The first directory receives new inputs; the seed corpus stays untouched
# shellcheck disable=SC2086
ASAN_OPTIONS=detect_leaks=1 \
  "$out/${target}_fuzzer" \
  -max_total_time="$seconds" $par \
  $extra ${FUZZ_EXTRA:-} -artifact_prefix="$prefix" \
  "$corpus_out" "$here/corpus/$target"
