#!/bin/bash
# The gst-pgsm demo on a fresh Debian 12 machine: installs the packages,
# builds in build/, then runs with the build tree's plugins only (private
# registry, as the examples' meson tests do):
#   1. examples/python/secure_call_demo.py: a secure SIP call on loopback
#      with a test PKI it makes itself (pgsmsipbin, SIP over verified TLS,
#      SRTP media), then a call to an untrusted server;
#   2. examples/python/srtp_loopback.py: an SRTP stream, then a receiver
#      with the wrong key.
# Output files (WAV) go to demo-out/. Exits non-zero when a check failed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
bash scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
export GST_PLUGIN_SYSTEM_PATH_1_0=
GST_PLUGIN_PATH_1_0="$ROOT/build:$(pkg-config --variable=pluginsdir gstreamer-1.0)"
export GST_PLUGIN_PATH_1_0
export GST_REGISTRY="$ROOT/build/demo.registry"
/usr/bin/python3 "$ROOT/examples/python/secure_call_demo.py" "$ROOT/demo-out"
echo
/usr/bin/python3 "$ROOT/examples/python/srtp_loopback.py" "$ROOT/demo-out"
