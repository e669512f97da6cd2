#!/bin/bash
# gst-pgsm example: an SRTP stream on loopback with two gst-launch-1.0
# processes.
#
#   sender:   audiotestsrc -> mulawenc -> rtppcmupay -> pgsmsrtpenc -> udpsink
#   receiver: udpsrc -> pgsmsrtpdec -> rtppcmudepay -> mulawdec -> wavenc
#
# Both sides get the same RFC 4568 crypto attribute (a fresh random key).
# The receiver binds a free UDP port on 127.0.0.1 (port=0, read back with
# gst-launch-1.0 -v); the sender sends 3 s of a 440 Hz tone; the receiver is
# then stopped with EOS (-e and SIGINT) so wavenc completes the file, and the
# script checks that the WAV file holds at least 2 s of audio.
#
# Usage: srtp-loopback.sh [OUT.wav]
#   (default: a file in a temporary directory, removed at the end)
# The plugins come from the environment (GST_PLUGIN_PATH_1_0 or
# GST_PLUGIN_PATH), e.g. from a build tree:
#   meson devenv -C build bash ../examples/launch/srtp-loopback.sh
set -euo pipefail

SECONDS_OF_AUDIO=3
SUITE=AES_CM_128_HMAC_SHA1_80

. "$(dirname "$0")/common.sh"

for tool in gst-launch-1.0 gst-inspect-1.0 base64 timeout; do
  command -v "$tool" > /dev/null || { say "SKIP: $tool not found"; exit 77; }
done
for element in pgsmsrtpenc pgsmsrtpdec; do
  if ! gst-inspect-1.0 "$element" > /dev/null 2>&1; then
    say "error: element $element not found: set GST_PLUGIN_PATH_1_0 (or run" \
      "through 'meson devenv -C build')"
    exit 1
  fi
done

launch_setup srtp-loopback

wav=${1:-$tmp/received.wav}
rm -f "$wav"

# 30 bytes of master key and salt, as SDES would carry them in SDP. A launch
# line is visible to other local users (ps) and to GST_DEBUG logs: fine for a
# demo key, not for a real one (set the property from code instead).
crypto="1 $SUITE inline:$(head -c 30 /dev/urandom | base64)"

say "gst-pgsm SRTP loopback with gst-launch-1.0"
say "  suite $SUITE, a fresh random master key (not printed)"
say "1. receiver: udpsrc port=0 ! pgsmsrtpdec crypto=... ! rtppcmudepay !" \
  "mulawdec ! wavenc ! filesink location=$wav"
timeout -s INT 60 gst-launch-1.0 -e -v \
  udpsrc address=127.0.0.1 port=0 \
    caps="application/x-srtp,media=audio,clock-rate=8000,encoding-name=PCMU,payload=0" \
  ! pgsmsrtpdec crypto="$crypto" ! rtppcmudepay ! mulawdec \
  ! wavenc ! filesink location="$wav" > "$tmp/receiver.log" 2>&1 &
receiver_pid=$!
pids+=("$receiver_pid")

if ! line=$(wait_for_line "$tmp/receiver.log" 'udpsrc0: port = [0-9]+' 20); then
  say "FAIL: the receiver did not start"
  cat "$tmp/receiver.log"
  exit 1
fi
port=${line##* = }
say "   listening on 127.0.0.1:$port (pid $receiver_pid)"

say "2. sender: ${SECONDS_OF_AUDIO} s of audiotestsrc 440 Hz ! mulawenc !" \
  "rtppcmupay ! pgsmsrtpenc crypto=... ! udpsink port=$port"
if ! timeout -s INT 30 gst-launch-1.0 \
    audiotestsrc is-live=true freq=440 samplesperbuffer=160 \
      num-buffers=$((SECONDS_OF_AUDIO * 50)) \
    ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay \
    ! pgsmsrtpenc crypto="$crypto" \
    ! udpsink host=127.0.0.1 port="$port" > "$tmp/sender.log" 2>&1; then
  say "FAIL: the sender failed"
  cat "$tmp/sender.log"
  exit 1
fi
say "   sent"

say "3. stopping the receiver (EOS, so wavenc writes its header)"
sleep 0.5
kill -INT "$receiver_pid"
status=0
wait "$receiver_pid" || status=$?
receiver_pid=
if [ "$status" -ne 0 ]; then
  say "FAIL: the receiver exited with status $status"
  cat "$tmp/receiver.log"
  exit 1
fi

# A WAV header is 44 bytes; S16 mono 8 kHz is 16000 bytes a second.
size=$(stat -c %s "$wav" 2> /dev/null || echo 0)
say "4. $wav: $size bytes ($(( (size - 44) / 16000 )) s of decrypted audio)"
if [ "$size" -lt $((44 + 2 * 16000)) ]; then
  say "FAIL: expected at least 2 s of audio"
  exit 1
fi
say "OK: the tone went through pgsmsrtpenc and pgsmsrtpdec"
