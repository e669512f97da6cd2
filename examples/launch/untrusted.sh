#!/bin/bash
# gst-pgsm example: calling a server whose certificate is not trusted.
#
#   bob (listens) with a certificate alice cannot trust:
#     a) self-signed;  b) issued by a CA alice does not know
#   alice (calls, trusts only the test CA ca.pem):
#     gst-launch-1.0 -m audiotestsrc is-live=true ! pgsmsipbin
#       remote-uri=sips:bob@127.0.0.1:PORT ca-file=ca.pem ! fakesink
#
# pgsmsipbin checks bob's certificate before sending any SIP request and
# refuses it: gst-launch-1.0 prints the ERROR whose message is, byte for byte,
#   You are attempting to open a secure connection, but the server's
#   certificate is not trusted. Please contact your system administrator
# (one line), with the reasons in "Additional debug info", and exits with a
# non-zero status. The script checks that text, the exit status and that bob
# never saw the call.
#
# Usage: untrusted.sh
# The plugins come from the environment (GST_PLUGIN_PATH_1_0 or
# GST_PLUGIN_PATH), e.g. from a build tree:
#   meson devenv -C build bash ../examples/launch/untrusted.sh
set -euo pipefail

WARNING="You are attempting to open a secure connection, but the server's certificate is not trusted. Please contact your system administrator"

. "$(dirname "$0")/common.sh"

for tool in gst-launch-1.0 gst-inspect-1.0 certtool timeout; do
  command -v "$tool" > /dev/null || { say "SKIP: $tool not found"; exit 77; }
done
for element in pgsmsipbin pgsmsrtpenc pgsmsrtpdec; do
  if ! gst-inspect-1.0 "$element" > /dev/null 2>&1; then
    say "error: element $element not found: set GST_PLUGIN_PATH_1_0 (or run" \
      "through 'meson devenv -C build')"
    exit 1
  fi
done

launch_setup untrusted

SERVER_TEMPLATE='cn = "127.0.0.1"
ip_address = "127.0.0.1"
dns_name = "127.0.0.1"
tls_www_server
signing_key
encryption_key'

# try CASE CERT EXPECTED-REASON: bob listens with CERT, alice calls him
failed=0
try () {
  local case=$1 cert=$2 reason=$3 port status

  say "bob listens with $cert.pem ($case); alice calls, trusting ca.pem only"
  timeout -s INT 60 gst-launch-1.0 -m -v \
    audiotestsrc is-live=true ! pgsmsipbin listen-uri=sips:127.0.0.1:0 \
      cert-file="$tmp/$cert.pem" key-file="$tmp/$cert-key.pem" auto-answer=true \
    ! fakesink > "$tmp/bob-$cert.log" 2>&1 &
  bob_pid=$!
  pids+=("$bob_pid")
  if ! line=$(wait_for_line "$tmp/bob-$cert.log" ': bound-port = [0-9]+' 20); then
    say "FAIL: bob did not start"
    cat "$tmp/bob-$cert.log"
    exit 1
  fi
  port=${line##* = }

  say "  \$ gst-launch-1.0 -m audiotestsrc is-live=true ! pgsmsipbin" \
    "remote-uri=sips:bob@127.0.0.1:$port ca-file=ca.pem ! fakesink"
  status=0
  timeout -s INT 30 gst-launch-1.0 -m \
    audiotestsrc is-live=true \
    ! pgsmsipbin remote-uri="sips:bob@127.0.0.1:$port" ca-file="$tmp/ca.pem" \
    ! fakesink > "$tmp/alice-$cert.log" 2>&1 || status=$?
  # What gst-launch-1.0 printed about the call and the ERROR
  grep -E -A3 '^ERROR|pgsm-call' "$tmp/alice-$cert.log" \
    | sed -e 's/^Got message #[0-9]* from element "\([^"]*\)" (element): /\1: /' \
      -e 's/^/  | /' || true

  kill -INT "$bob_pid" 2> /dev/null || true
  wait "$bob_pid" || true
  bob_pid=

  if grep -q -F -x "ERROR: from element /GstPipeline:pipeline0/GstPgsmSipBin:pgsmsipbin0: $WARNING" \
      "$tmp/alice-$cert.log"; then
    say "ok: gst-launch-1.0 printed the ERROR with the warning, byte for byte"
  else
    say "FAIL: the ERROR with the warning was not printed"
    failed=1
  fi
  if [ "$status" -ne 0 ] && [ "$status" -ne 124 ]; then
    say "ok: gst-launch-1.0 exited with status $status"
  else
    say "FAIL: gst-launch-1.0 exited with status $status (expected an error)"
    failed=1
  fi
  if grep -q -E "refused \(.*$reason" "$tmp/alice-$cert.log"; then
    say "ok: the debug info names the reason: $reason"
  else
    say "FAIL: the debug info does not name $reason"
    failed=1
  fi
  if grep -q 'pgsm-call, state=(string)incoming' "$tmp/bob-$cert.log"; then
    say "FAIL: bob received the INVITE"
    failed=1
  else
    say "ok: no SIP request reached bob"
  fi
  say
}

say "gst-pgsm: an untrusted server, with gst-launch-1.0"
say "test PKI in $tmp: ca.pem (the CA alice trusts), other-ca.pem (unknown)"
make_cert ca 'cn = "gst-pgsm example CA"
ca
cert_signing_key'
make_cert other-ca 'cn = "Somebody else CA"
ca
cert_signing_key'
make_cert self-signed "$SERVER_TEMPLATE"
make_cert unknown-ca "$SERVER_TEMPLATE" other-ca
say

try "a) self-signed" self-signed self-signed
try "b) issued by an unknown CA" unknown-ca unknown-ca

if [ "$failed" -ne 0 ]; then
  exit 1
fi
say "OK: both calls were refused with the warning before any SIP request"
