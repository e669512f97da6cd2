#!/usr/bin/python3
# gst-pgsm demo: a live secure media stream on loopback.
#
#   audiotestsrc (440 Hz) -> PCMU -> RTP -> pgsmsrtpenc -> UDP 127.0.0.1
#   UDP -> pgsmsrtpdec -> RTP -> PCMU -> WAV file
#
# Then the same stream again, but the receiver has the wrong key: every
# packet fails authentication, is dropped and counted, and nothing (no noise)
# reaches the WAV file.
#
# Run from a build tree:  meson devenv -C build /usr/bin/python3 \
#                            ../examples/python/srtp_loopback.py [OUTDIR]
import base64
import math
import os
import socket
import struct
import sys
import wave

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

SUITE = "AES_CM_128_HMAC_SHA1_80"
SECONDS = 3
TONE_HZ = 440


def say(text=""):
    print(text, flush=True)


def crypto_line(key_salt):
    # An RFC 4568 crypto attribute, as SDES puts it in SDP
    return "1 %s inline:%s" % (SUITE, base64.b64encode(key_salt).decode())


def run_pipelines(receiver, sender, seconds):
    """Plays the receiver then the sender, for at most @seconds of audio,
    then stops both. Returns the first ERROR message text, or None."""
    loop = GLib.MainLoop()
    errors = []

    def on_message(bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            errors.append("%s (%s)" % (err.message, dbg))
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            loop.quit()
        elif msg.type == Gst.MessageType.WARNING:
            err, _ = msg.parse_warning()
            details = msg.parse_warning_details()
            say("  bus WARNING from %s: %s%s" % (
                msg.src.get_name(), err.message,
                " [%s]" % details.to_string() if details else ""))

    for p in (receiver, sender):
        bus = p.get_bus()
        bus.add_signal_watch()
        bus.connect("message", on_message)

    receiver.set_state(Gst.State.PLAYING)
    sender.set_state(Gst.State.PLAYING)
    # The sender stops itself (num-buffers); give the last packets a moment.
    GLib.timeout_add(int(seconds * 1000) + 700, loop.quit)
    loop.run()
    sender.set_state(Gst.State.NULL)
    # Let the WAV writer finish its header
    receiver.send_event(Gst.Event.new_eos())
    receiver.get_bus().timed_pop_filtered(
        2 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    receiver.set_state(Gst.State.NULL)
    for p in (receiver, sender):
        p.get_bus().remove_signal_watch()
    return errors[0] if errors else None


def build_receiver(key_salt, wav_path):
    receiver = Gst.parse_launch(
        "udpsrc name=net address=127.0.0.1 port=0 "
        "caps=\"application/x-srtp,media=audio,clock-rate=8000,"
        "encoding-name=PCMU,payload=0\" "
        "! pgsmsrtpdec name=dec ! rtppcmudepay ! mulawdec "
        "! wavenc ! filesink location=%s" % wav_path)
    receiver.get_by_name("dec").set_property("crypto", crypto_line(key_salt))
    receiver.set_state(Gst.State.PAUSED)
    port = receiver.get_by_name("net").get_property("port")
    return receiver, port


def build_sender(key_salt, port, tap_port):
    sender = Gst.parse_launch(
        "audiotestsrc is-live=true freq=%d volume=0.5 num-buffers=%d "
        "samplesperbuffer=160 ! audio/x-raw,rate=8000,channels=1 "
        "! mulawenc ! rtppcmupay ! pgsmsrtpenc name=enc "
        "! multiudpsink clients=127.0.0.1:%d,127.0.0.1:%d"
        % (TONE_HZ, SECONDS * 50, port, tap_port))
    sender.get_by_name("enc").set_property("crypto", crypto_line(key_salt))
    return sender


def wav_summary(path):
    """Returns (seconds, estimated frequency in Hz, RMS) of a mono S16 WAV."""
    try:
        with wave.open(path, "rb") as w:
            n = w.getnframes()
            rate = w.getframerate()
            data = w.readframes(n)
    except (wave.Error, EOFError, FileNotFoundError):
        return 0.0, 0.0, 0.0
    if n == 0:
        return 0.0, 0.0, 0.0
    samples = struct.unpack("<%dh" % n, data[: 2 * n])
    crossings = sum(1 for a, b in zip(samples, samples[1:]) if (a < 0) != (b < 0))
    rms = math.sqrt(sum(s * s for s in samples) / n)
    return n / rate, crossings / 2 / (n / rate), rms


def entropy(data):
    if not data:
        return 0.0
    counts = [0] * 256
    for b in data:
        counts[b] += 1
    return -sum(c / len(data) * math.log2(c / len(data)) for c in counts if c)


def drain_tap(sock):
    packets = []
    while True:
        try:
            packets.append(sock.recv(2048))
        except BlockingIOError:
            return packets


def stats_text(element):
    """The decoder's totals, as name=value pairs (see docs/pgsmsrtpdec.md)."""
    stats = element.get_property("stats")
    if not stats:
        return "(no stats)"
    fields = []
    for name in ("recv-count", "recv-drop-count", "auth-failures", "replays",
                 "malformed"):
        ok, value = stats.get_uint64(name)
        if ok:
            fields.append("%s=%d" % (name, value))
    return " ".join(fields)


def stats_total(element, field):
    stats = element.get_property("stats")
    ok, value = stats.get_uint64(field) if stats else (False, 0)
    if not ok and stats:
        ok, value = stats.get_uint(field)
    return value if ok else 0


def run_once(title, sender_key, receiver_key, wav_path, tap):
    say(title)
    receiver, port = build_receiver(receiver_key, wav_path)
    sender = build_sender(sender_key, port, tap.getsockname()[1])
    error = run_pipelines(receiver, sender, SECONDS)
    dec = receiver.get_by_name("dec")
    return error, dec, drain_tap(tap)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "demo-out"
    os.makedirs(outdir, exist_ok=True)
    Gst.init(None)
    for name in ("pgsmsrtpenc", "pgsmsrtpdec"):
        if not Gst.ElementFactory.find(name):
            say("error: element %s not found (is GST_PLUGIN_PATH set? "
                "run through 'meson devenv -C build')" % name)
            return 2

    tap = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tap.bind(("127.0.0.1", 0))
    tap.setblocking(False)

    key = os.urandom(30)
    say("gst-pgsm SRTP loopback demo")
    say("  suite %s, a fresh random master key (never printed)" % SUITE)
    say("  sender:   audiotestsrc %d Hz -> mulawenc -> rtppcmupay -> "
        "pgsmsrtpenc -> udp 127.0.0.1" % TONE_HZ)
    say("  receiver: udpsrc -> pgsmsrtpdec -> rtppcmudepay -> mulawdec -> "
        "wavenc")
    say("  a wire tap receives a copy of every UDP packet sent")
    say()

    good_wav = os.path.join(outdir, "received.wav")
    error, dec, packets = run_once(
        "1. %d s of audio with the right key..." % SECONDS, key, key, good_wav, tap)
    if error:
        say("  ERROR: " + error)
        return 1
    secs, freq, rms = wav_summary(good_wav)
    clear = sum(1 for p in packets if len(p) > 12 and p[12:172].count(0xff) > 100)
    wire = b"".join(p[12:] for p in packets)
    say("  wire: %d packets captured, %d look like clear PCMU, payload entropy "
        "%.2f bits/byte (ciphertext is close to 8)" % (len(packets), clear, entropy(wire)))
    say("  received %.2f s of audio at ~%.0f Hz (RMS %.0f) -> %s"
        % (secs, freq, rms, good_wav))
    say("  pgsmsrtpdec stats: %s" % stats_text(dec))
    ok_first = secs > SECONDS * 0.5 and abs(freq - TONE_HZ) < 20
    say()

    bad_wav = os.path.join(outdir, "wrong-key.wav")
    wrong = bytes(b ^ 0x5a for b in key)
    error, dec, packets = run_once(
        "2. the same stream, but the receiver has the wrong key...", key, wrong,
        bad_wav, tap)
    if error:
        say("  ERROR: " + error)
        return 1
    secs, freq, rms = wav_summary(bad_wav)
    dropped = stats_total(dec, "auth-failures")
    say("  sent %d packets; pgsmsrtpdec dropped %d that failed authentication"
        % (len(packets), dropped))
    say("  received %.2f s of audio (no noise reaches the speaker) -> %s"
        % (secs, bad_wav))
    say("  pgsmsrtpdec stats: %s" % stats_text(dec))
    ok_second = secs == 0.0 and dropped > 0
    say()

    if ok_first and ok_second:
        say("demo OK: the tone arrived encrypted and intact; with the wrong key "
            "every packet was dropped and counted")
        return 0
    say("demo FAILED")
    return 1


if __name__ == "__main__":
    sys.exit(main())
