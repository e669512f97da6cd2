#!/bin/bash
# The gst-pgsm demo on a fresh Debian 12 machine: installs the packages,
# builds, and runs a live secure media stream on loopback
# (examples/python/srtp_loopback.py). Output files go to demo-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
exec meson devenv -C build /usr/bin/python3 \
  "$(pwd)/examples/python/srtp_loopback.py" "$(pwd)/demo-out"
