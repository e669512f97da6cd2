#!/bin/bash
# gst-pgsm example: a secure call between two gst-launch-1.0 processes on
# loopback, SIP over TLS and SRTP media, with pgsmsipbin.
#
#   bob (listens, answers):
#     gst-launch-1.0 -m -v audiotestsrc is-live=true freq=1000 ! pgsmsipbin
#       listen-uri=sips:127.0.0.1:0 cert-file=server.pem key-file=server-key.pem
#       auto-answer=true ! level ! fakesink
#   alice (calls, trusts only the test CA):
#     gst-launch-1.0 -m audiotestsrc is-live=true freq=440 ! pgsmsipbin
#       remote-uri=sips:bob@127.0.0.1:PORT ca-file=ca.pem ! level ! fakesink
#
# The script makes a throwaway test PKI with certtool (gnutls-bin), reads
# bob's SIP port (port 0 picks a free one; -v prints bound-port), lets the
# call run for a few seconds, hangs up by stopping alice, then stops bob. It
# shows the pgsm-call messages that gst-launch-1.0 -m prints and checks that
# both sides reached `secured` and `established`, that bob saw `ended`, and
# that each side's `level` element measured the other side's tone.
#
# Usage: call.sh [SECONDS]   (length of the call, default 4)
# The plugins come from the environment (GST_PLUGIN_PATH_1_0 or
# GST_PLUGIN_PATH), e.g. from a build tree:
#   meson devenv -C build bash ../examples/launch/call.sh
set -euo pipefail

CALL_SECONDS=${1:-4}

. "$(dirname "$0")/common.sh"

for tool in gst-launch-1.0 gst-inspect-1.0 certtool timeout; do
  command -v "$tool" > /dev/null || { say "SKIP: $tool not found"; exit 77; }
done
for element in pgsmsipbin pgsmsrtpenc pgsmsrtpdec level; do
  if ! gst-inspect-1.0 "$element" > /dev/null 2>&1; then
    say "error: element $element not found: set GST_PLUGIN_PATH_1_0 (or run" \
      "through 'meson devenv -C build')"
    exit 1
  fi
done

launch_setup call

# stop PID NAME: SIGINT (gst-launch-1.0 stops the pipeline: pgsmsipbin hangs
# up), then waits at most 10 s for it
stop () {
  local pid=$1 name=$2 i
  kill -INT "$pid" 2> /dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2> /dev/null; then
    say "FAIL: $name did not stop within 10 s"
    exit 1
  fi
  wait "$pid" || say "   ($name exited with status $?)"
}

# The pgsm-call lines of a gst-launch-1.0 -m log, shortened
show_calls () {
  grep -E 'pgsm-call|^ERROR|^WARNING' "$1" | sed -e 's/^Got message #[0-9]* from element "\([^"]*\)" (element): /\1: /' \
    -e "s/^/   $2| /" || true
}

# The largest RMS (dB) that a level element reported in a log
loudest () {
  grep -E -o 'rms=\(GValueArray\)< -?[0-9.]+' "$1" | sed 's/.*< //' \
    | sort -g | tail -n 1 | awk '{ printf "%.1f", $1 }'
}

say "gst-pgsm secure call with two gst-launch-1.0 processes"
say "1. test PKI in $tmp: ca.pem (a private CA), server.pem for 127.0.0.1"
# Sofia-SIP's own check matches the host against DNS names (and the CN),
# ours against IP addresses: a certificate for an address carries both.
make_cert ca 'cn = "gst-pgsm example CA"
ca
cert_signing_key'
make_cert server 'cn = "127.0.0.1"
ip_address = "127.0.0.1"
dns_name = "127.0.0.1"
tls_www_server
signing_key
encryption_key' ca

say "2. bob listens on sips:127.0.0.1 (a free port) and answers every call"
timeout -s INT 90 gst-launch-1.0 -m -v \
  audiotestsrc is-live=true freq=1000 \
  ! pgsmsipbin listen-uri=sips:127.0.0.1:0 cert-file="$tmp/server.pem" \
      key-file="$tmp/server-key.pem" auto-answer=true \
  ! level interval=1000000000 ! fakesink > "$tmp/bob.log" 2>&1 &
bob_pid=$!
pids+=("$bob_pid")
if ! line=$(wait_for_line "$tmp/bob.log" ': bound-port = [0-9]+' 20); then
  say "FAIL: bob did not start"
  cat "$tmp/bob.log"
  exit 1
fi
port=${line##* = }
say "   bob (pid $bob_pid) listens on port $port"

say "3. alice calls sips:bob@127.0.0.1:$port, trusting ca.pem only;" \
  "$CALL_SECONDS s of audio both ways"
timeout -s INT 90 gst-launch-1.0 -m \
  audiotestsrc is-live=true freq=440 \
  ! pgsmsipbin remote-uri="sips:bob@127.0.0.1:$port" ca-file="$tmp/ca.pem" \
  ! level interval=1000000000 ! fakesink > "$tmp/alice.log" 2>&1 &
alice_pid=$!
pids+=("$alice_pid")
if ! wait_for_line "$tmp/alice.log" 'state=\(string\)secured' 20 > /dev/null; then
  say "FAIL: the call was not secured within 20 s"
  show_calls "$tmp/alice.log" alice
  show_calls "$tmp/bob.log" "bob  "
  exit 1
fi
sleep "$CALL_SECONDS"

say "4. alice hangs up (SIGINT: gst-launch-1.0 stops, pgsmsipbin sends BYE)"
stop "$alice_pid" alice
if ! wait_for_line "$tmp/bob.log" 'state=\(string\)ended' 10 > /dev/null; then
  say "   bob saw no end of call"
fi
say "5. bob stops"
stop "$bob_pid" bob

say "pgsm-call messages (gst-launch-1.0 -m):"
show_calls "$tmp/alice.log" alice
show_calls "$tmp/bob.log" "bob  "
alice_rms=$(loudest "$tmp/alice.log")
bob_rms=$(loudest "$tmp/bob.log")
say "audio: alice heard bob at ${alice_rms:-no} dB RMS, bob heard alice at" \
  "${bob_rms:-no} dB RMS (the tone is sent at about -5 dB)"

failed=0
check () {
  if grep -q -E "$2" "$1"; then
    say "ok: $3"
  else
    say "FAIL: $3"
    failed=1
  fi
}
for side in alice bob; do
  check "$tmp/$side.log" 'pgsm-call, state=\(string\)secured' "$side: secured"
  check "$tmp/$side.log" 'pgsm-call, state=\(string\)established' \
    "$side: established"
  check "$tmp/$side.log" 'suite=\(string\)AES_CM_128_HMAC_SHA1_80' \
    "$side: SRTP suite AES_CM_128_HMAC_SHA1_80"
done
check "$tmp/alice.log" 'tls-description=\(string\)"\\\(TLS1\.[23]' \
  "alice: TLS 1.2 or 1.3 to bob"
check "$tmp/bob.log" 'pgsm-call, state=\(string\)incoming' "bob: incoming"
check "$tmp/bob.log" 'pgsm-call, state=\(string\)ended' \
  "bob: ended after alice hung up"
for side in alice bob; do
  rms=$(loudest "$tmp/$side.log")
  if [ -n "$rms" ] && awk -v r="$rms" 'BEGIN { exit !(r > -20) }'; then
    say "ok: $side received audio"
  else
    say "FAIL: $side received no audio"
    failed=1
  fi
done
if grep -q -E '^ERROR' "$tmp/alice.log" "$tmp/bob.log"; then
  say "FAIL: an ERROR was posted"
  failed=1
fi
if [ "$failed" -ne 0 ]; then
  exit 1
fi
say "OK: a secure call both ways, SIP over verified TLS and SRTP media"
