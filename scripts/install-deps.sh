#!/bin/bash
# Installs every Debian 12 package gst-pgsm needs to build, test and run its
# demo. Safe to run again: packages already present are not reinstalled.
set -euo pipefail

PACKAGES=(
  # build
  meson ninja-build pkg-config gcc
  libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  libgnutls28-dev libsrtp2-dev libsofia-sip-ua-glib-dev
  gobject-introspection libgirepository1.0-dev
  # run: GStreamer elements used inside the bins, the demo and the tests
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad
  # tests
  gnutls-bin python3-gi python3-gst-1.0 gir1.2-gstreamer-1.0 gettext
  valgrind libclang-rt-14-dev clang
  # a SIP registrar we did not write, behind TLS (tests/sipp)
  sip-tester stunnel4
  # tests/interop: Kamailio as a TLS registrar/proxy, baresip as a peer
  kamailio kamailio-tls-modules baresip
  # examples/gtk: pgsm-phone (GTK 3) and its test under Xvfb (xvfb-run needs
  # xauth); the lock icon comes from adwaita-icon-theme
  libgtk-3-dev xvfb xauth adwaita-icon-theme
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
