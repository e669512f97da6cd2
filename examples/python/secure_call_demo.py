#!/usr/bin/python3
# gst-pgsm
# Copyright (C) 2026 gst-pgsm contributors
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""The gst-pgsm demo: a secure SIP call on loopback, in one process.

1. A throwaway test PKI is made with certtool (gnutls-bin) in a temporary
   directory: a root CA, a server certificate for 127.0.0.1 issued by it,
   and a self-signed one (for part 5).
2. "bob" listens on sips:127.0.0.1:<free port> with the server certificate
   and answers every call; "alice" calls him, trusting only the demo CA:

     audiotestsrc 440 Hz  ! pgsmsipbin remote-uri=sips:bob@...  ! fakesink
     audiotestsrc 1000 Hz ! pgsmsipbin listen-uri=sips:127.0.0.1:0 ...

   Every `pgsm-call` bus message is printed (suite, TLS description, the
   SHA-256 of the certificate alice checked).
3. What each side hears is written to OUTDIR/alice-hears.wav and
   OUTDIR/bob-hears.wav; its frequency is measured by zero crossings.
4. The audio on the wire is SRTP: pad probes inside alice's bin compare
   what her RTP udpsink sends with the clear payloads of the same sequence
   numbers, and the stats of her pgsmsrtpenc count the packets protected.
5. alice calls a second bob whose certificate is self-signed: the pipeline
   posts the certificate ERROR with the warning and its reasons, and that
   bob never gets the call.
6. Everything is stopped; exit status 0 only when every check passed.

Usage:  secure_call_demo.py [OUTDIR]      (default ./demo-out)

The plugins come from the environment (GST_PLUGIN_PATH_1_0), e.g. from a
build tree:  meson devenv -C build /usr/bin/python3 \\
                 ../examples/python/secure_call_demo.py
"""

import faulthandler
import hashlib
import math
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import wave

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

WARNING_TEXT = ("You are attempting to open a secure connection, but the "
                "server's certificate is not trusted. Please contact your "
                "system administrator")
TLS_ERROR_DOMAIN = "pgsm-tls-error-quark"
CERTIFICATE_NOT_TRUSTED = 1        # PGSM_TLS_ERROR_CERTIFICATE_NOT_TRUSTED
ALICE_HZ, BOB_HZ = 440, 1000
RATE = 8000
AUDIO_SECONDS = 3.0
SRTP_TAG_80 = 10                   # bytes of the HMAC-SHA1-80 tag
# Hard bound of the whole run: a hang prints the Python stacks and exits
WATCHDOG_SECONDS = 90

CA_TEMPLATE = """cn = "gst-pgsm demo CA"
ca
cert_signing_key
expiration_days = 1
"""
# Sofia-SIP's own check matches an address against DNS names, ours against
# IP addresses (RFC 5922): a certificate for 127.0.0.1 carries both.
SERVER_TEMPLATE = """cn = "127.0.0.1"
ip_address = "127.0.0.1"
dns_name = "127.0.0.1"
tls_www_server
signing_key
expiration_days = 1
"""


def say(text=""):
    print(text, flush=True)


# --- 1. the test PKI ------------------------------------------------------

def certtool(*args):
    subprocess.run(["certtool"] + list(args), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_cert(directory, name, template, issuer=None):
    """Writes NAME-key.pem (ECDSA P-256) and NAME.pem, self-signed or
    issued by ISSUER; returns (certificate path, key path)."""
    key = os.path.join(directory, name + "-key.pem")
    cert = os.path.join(directory, name + ".pem")
    tmpl = os.path.join(directory, name + ".tmpl")
    with open(tmpl, "w") as f:
        f.write(template)
    certtool("--generate-privkey", "--key-type=ecdsa", "--outfile", key)
    if issuer is None:
        certtool("--generate-self-signed", "--load-privkey", key,
                 "--template", tmpl, "--outfile", cert)
    else:
        certtool("--generate-certificate", "--load-privkey", key,
                 "--load-ca-certificate", issuer[0],
                 "--load-ca-privkey", issuer[1],
                 "--template", tmpl, "--outfile", cert)
    return cert, key


def cert_sha256(path):
    """SHA-256 of the DER of the first certificate of a PEM file, in hex"""
    with open(path) as f:
        pem = f.read()
    end = "-----END CERTIFICATE-----"
    first = pem[:pem.index(end) + len(end)] + "\n"
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(first)).hexdigest()


# --- audio ----------------------------------------------------------------

def write_wav(path, pcm):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm)


def measure(pcm):
    """(seconds of sound, frequency by zero crossings, RMS) of S16LE mono
    audio, leading and trailing silence (jitter buffer start) left out"""
    n = len(pcm) // 2
    samples = memoryview(pcm[:2 * n]).cast("h")
    loud = [i for i in range(n) if abs(samples[i]) > 1000]
    if len(loud) < RATE // 10:
        return 0.0, 0.0, 0.0
    part = samples[loud[0]:loud[-1] + 1]
    crossings = sum(1 for a, b in zip(part, part[1:]) if (a < 0) != (b < 0))
    seconds = len(part) / RATE
    rms = math.sqrt(sum(s * s for s in part) / len(part))
    return seconds, crossings / 2 / seconds, rms


def entropy(data):
    """Shannon entropy in bits per byte (8 for random bytes)"""
    if not data:
        return 0.0
    counts = [0] * 256
    for b in data:
        counts[b] += 1
    total = len(data)
    return -sum(c / total * math.log2(c / total) for c in counts if c)


def rtp_payload_offset(pkt):
    """Header length of an RTP packet: fixed part, CSRCs, extension"""
    offset = 12 + 4 * (pkt[0] & 0x0f)
    if pkt[0] & 0x10 and len(pkt) >= offset + 4:
        offset += 4 + 4 * int.from_bytes(pkt[offset + 2:offset + 4], "big")
    return offset


def buffers_of(info):
    if info.type & Gst.PadProbeType.BUFFER_LIST:
        blist = info.get_buffer_list()
        return [blist.get(i) for i in range(blist.length())]
    return [info.get_buffer()]


def find_element(binobj, factory, port=None):
    """The first element made by FACTORY anywhere inside BINOBJ (and whose
    `port` is PORT, when given)"""
    for element in binobj.iterate_recurse():
        f = element.get_factory()
        if f is None or f.get_name() != factory:
            continue
        if port is None or element.get_property("port") == port:
            return element
    return None


# --- one side of a call ---------------------------------------------------

class Side:
    """audiotestsrc ! pgsmsipbin ! S16LE 8 kHz mono ! fakesink, with a probe
    that keeps every sample heard and a bus watch that records (and prints)
    the pgsm-call states and the ERRORs"""

    def __init__(self, name, freq, **props):
        self.name = name
        self.pipeline = Gst.parse_launch(
            "audiotestsrc is-live=true volume=0.5 samplesperbuffer=160 "
            "freq=%d ! pgsmsipbin name=sip "
            "! audio/x-raw,format=S16LE,rate=%d,channels=1 "
            "! fakesink name=ear sync=false" % (freq, RATE))
        self.sip = self.pipeline.get_by_name("sip")
        for key, value in props.items():
            self.sip.set_property(key.replace("_", "-"), value)
        self.lock = threading.Lock()
        self.pcm = bytearray()
        self.calls = []                # (state, structure) in order
        self.errors = []               # (GError, debug, details)
        self.warnings = []
        pad = self.pipeline.get_by_name("ear").get_static_pad("sink")
        pad.add_probe(Gst.PadProbeType.BUFFER, self.on_audio)
        self.bus = self.pipeline.get_bus()
        self.bus.add_watch(GLib.PRIORITY_DEFAULT, self.on_message)

    def on_audio(self, pad, info):
        data = info.get_buffer().extract_dup(0, info.get_buffer().get_size())
        with self.lock:
            self.pcm.extend(data)
        return Gst.PadProbeReturn.OK

    def heard(self):
        with self.lock:
            return bytes(self.pcm)

    def samples(self):
        with self.lock:
            return len(self.pcm) // 2

    def on_message(self, bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s.has_name("pgsm-call"):
                self.calls.append((s.get_string("state"), s.copy()))
                self.print_call(s)
        elif msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            self.errors.append((err, debug, msg.parse_error_details()))
            say("  %-5s| bus ERROR: %s" % (self.name, err.message))
        elif msg.type == Gst.MessageType.WARNING:
            err, debug = msg.parse_warning()
            self.warnings.append(err.message)
            say("  %-5s| bus WARNING: %s" % (self.name, err.message))
        return True

    def print_call(self, s):
        state = s.get_string("state")
        fields = []
        for key in ("status", "reason", "remote-uri", "suite", "codec",
                    "remote-port", "tls-description",
                    "peer-certificate-sha256"):
            if s.has_field(key) and s.get_value(key) != "":
                fields.append("%s=%s" % (key, s.get_value(key)))
        say("  %-5s| pgsm-call %-11s %s" % (self.name, state, " ".join(fields)))

    def state(self, state):
        """The structure of the first pgsm-call message in STATE, or None"""
        for name, s in self.calls:
            if name == state:
                return s
        return None

    def start(self):
        """READY (Sofia up, port bound), then PLAYING; False on failure"""
        for state in (Gst.State.READY, Gst.State.PLAYING):
            if self.pipeline.set_state(state) == \
                    Gst.StateChangeReturn.FAILURE:
                return False
        return True

    def stop(self):
        ret = self.pipeline.set_state(Gst.State.NULL)
        self.bus.remove_watch()
        return ret == Gst.StateChangeReturn.SUCCESS


# --- 4. the wire tap ------------------------------------------------------

class WireTap:
    """Probes inside alice's bin: the clear RTP packets as they enter
    rtpbin (out of the DTMF muxer, which numbers them, or out of the
    payloader) and the packets her RTP udpsink sends to bob"""

    def __init__(self, sip, remote_port):
        self.lock = threading.Lock()
        self.clear = {}                # sequence number -> clear payload
        self.sent = []
        self.enc = find_element(sip, "pgsmsrtpenc")
        clear = find_element(sip, "rtpdtmfmux") or \
            find_element(sip, "rtppcmupay") or find_element(sip, "rtppcmapay")
        self.udpsink = find_element(sip, "udpsink", remote_port)
        self.ok = None not in (self.enc, clear, self.udpsink)
        if not self.ok:
            return
        kinds = Gst.PadProbeType.BUFFER | Gst.PadProbeType.BUFFER_LIST
        clear.get_static_pad("src").add_probe(kinds, self.on_clear)
        self.udpsink.get_static_pad("sink").add_probe(kinds, self.on_sent)

    def on_clear(self, pad, info):
        for buf in buffers_of(info):
            pkt = buf.extract_dup(0, buf.get_size())
            if len(pkt) > 12:
                seq = int.from_bytes(pkt[2:4], "big")
                with self.lock:
                    self.clear[seq] = pkt[rtp_payload_offset(pkt):]
        return Gst.PadProbeReturn.OK

    def on_sent(self, pad, info):
        for buf in buffers_of(info):
            pkt = buf.extract_dup(0, buf.get_size())
            with self.lock:
                self.sent.append(pkt)
        return Gst.PadProbeReturn.OK

    def compare(self):
        """(packets sent, packets compared, clear payloads seen on the wire,
        wrong sizes, ciphertext entropy, clear entropy)"""
        with self.lock:
            sent = list(self.sent)
            clear = dict(self.clear)
        compared = in_clear = bad_size = 0
        cipher_bytes, clear_bytes = bytearray(), bytearray()
        for pkt in sent:
            seq = int.from_bytes(pkt[2:4], "big")
            payload = clear.get(seq)
            if payload is None:
                continue
            offset = rtp_payload_offset(pkt)
            body = pkt[offset:len(pkt) - SRTP_TAG_80]
            if len(pkt) != offset + len(payload) + SRTP_TAG_80:
                bad_size += 1
            if payload in pkt:
                in_clear += 1
            cipher_bytes += body
            clear_bytes += payload
            compared += 1
        return (len(sent), compared, in_clear, bad_size,
                entropy(cipher_bytes), entropy(clear_bytes))

    def protected(self):
        stats = self.enc.get_property("stats")
        ok, packets = stats.get_uint64("packets") if stats else (False, 0)
        return packets if ok else 0


# --- the demo -------------------------------------------------------------

class Demo:
    def __init__(self, outdir, tmp):
        self.outdir = outdir
        self.tmp = tmp
        self.failures = []
        self.sides = []
        # wakes the main context up at least every 50 ms while we wait
        GLib.timeout_add(50, lambda: True)

    def check(self, ok, text):
        say("  %s %s" % ("ok:  " if ok else "FAIL:", text))
        if not ok:
            self.failures.append(text)
        return ok

    def wait(self, condition, seconds):
        """Runs the main context (bus watches) until CONDITION() or SECONDS"""
        deadline = time.monotonic() + seconds
        ctx = GLib.MainContext.default()
        while not condition():
            if time.monotonic() > deadline:
                return False
            ctx.iteration(True)
        return True

    def pump(self, seconds):
        self.wait(lambda: False, seconds)

    def side(self, name, freq, **props):
        side = Side(name, freq, **props)
        self.sides.append(side)
        return side

    def make_pki(self):
        say("1. A throwaway test PKI (certtool, ECDSA P-256, valid 1 day) in %s"
            % self.tmp)
        self.ca = make_cert(self.tmp, "ca", CA_TEMPLATE)
        say("   ca.pem         root CA 'gst-pgsm demo CA' (alice trusts only this)")
        self.server = make_cert(self.tmp, "server", SERVER_TEMPLATE, self.ca)
        say("   server.pem     bob's certificate for 127.0.0.1 (IP and DNS "
            "subjectAltName), issued by the demo CA")
        self.rogue = make_cert(self.tmp, "rogue", SERVER_TEMPLATE)
        say("   rogue.pem      a self-signed certificate for 127.0.0.1 "
            "(the untrusted server)")
        say("   server.pem SHA-256 %s" % cert_sha256(self.server[0]))
        say()

    def call(self):
        say("2. bob listens and answers every call (1000 Hz); alice calls "
            "him (440 Hz)")
        bob = self.side("bob", BOB_HZ, listen_uri="sips:127.0.0.1:0",
                        local_uri="sips:bob@127.0.0.1",
                        cert_file=self.server[0], key_file=self.server[1],
                        auto_answer=True)
        if not self.check(bob.start(), "bob started"):
            return None, None
        port = bob.sip.get_property("bound-port")
        say("   bob listens on sips:127.0.0.1:%d" % port)
        alice = self.side("alice", ALICE_HZ, listen_uri="sips:127.0.0.1:0",
                          local_uri="sips:alice@127.0.0.1",
                          remote_uri="sips:bob@127.0.0.1:%d" % port,
                          ca_file=self.ca[0], use_system_ca=False)
        say("   alice calls sips:bob@127.0.0.1:%d with ca-file=ca.pem "
            "use-system-ca=false" % port)
        t0 = time.monotonic()
        if not self.check(alice.start(), "alice started"):
            return alice, bob
        self.wait(lambda: alice.state("secured") or alice.state("failed")
                  or alice.errors, 10)
        secured = alice.state("secured")
        if not self.check(secured is not None,
                          "alice: call secured in %.0f ms"
                          % ((time.monotonic() - t0) * 1000)):
            return alice, bob
        self.wait(lambda: alice.state("established") and
                  bob.state("established"), 5)
        for side in (alice, bob):
            s = side.state("secured")
            self.check(s is not None and side.state("established") is not None
                       and s.get_string("suite") == "AES_CM_128_HMAC_SHA1_80",
                       "%s: secured and established, SRTP "
                       "AES_CM_128_HMAC_SHA1_80" % side.name)
        self.check(bob.state("incoming") is not None, "bob: incoming call")
        tls = secured.get_string("tls-description") or ""
        self.check(tls.startswith("(TLS1.3)") or tls.startswith("(TLS1.2)"),
                   "alice: SIP over TLS 1.2/1.3 (%s)" % tls)
        self.check(secured.get_string("peer-certificate-sha256") ==
                   cert_sha256(self.server[0]),
                   "alice: the certificate she checked is bob's server.pem")
        return alice, bob

    def listen(self, alice, bob):
        say()
        say("3. %.0f s of audio both ways, recorded to %s"
            % (AUDIO_SECONDS, self.outdir))
        secured = alice.state("secured")
        tap = WireTap(alice.sip, secured.get_value("remote-port"))
        self.check(tap.ok, "found pgsmsrtpenc, the payloader and the RTP "
                   "udpsink inside alice's bin")
        # the probes start now: keep what was heard from here on too
        target = int(AUDIO_SECONDS * RATE) + alice.samples()
        self.wait(lambda: alice.samples() >= target and
                  bob.samples() >= target, AUDIO_SECONDS + 5)
        results = {}
        for side, hz in ((alice, BOB_HZ), (bob, ALICE_HZ)):
            pcm = side.heard()
            path = os.path.join(self.outdir, "%s-hears.wav" % side.name)
            write_wav(path, pcm)
            seconds, freq, rms = measure(pcm)
            results[side.name] = freq
            say("   %-5s heard %.1f s of sound at %.1f Hz, RMS %.0f -> %s"
                % (side.name, seconds, freq, rms, path))
            self.check(seconds >= AUDIO_SECONDS * 0.9 and
                       abs(freq - hz) < hz * 0.02,
                       "%s hears the other side's %d Hz tone" % (side.name, hz))
        say("   alice hears %.0f Hz, bob hears %.0f Hz"
            % (results["alice"], results["bob"]))
        if tap.ok:
            self.wire(tap)

    def wire(self, tap):
        say()
        say("4. The audio on the wire is SRTP (probes on alice's RTP udpsink "
            "and on the clear RTP entering rtpbin)")
        sent, compared, in_clear, bad_size, h_cipher, h_clear = tap.compare()
        protected = tap.protected()
        say("   pgsmsrtpenc stats: %d packets protected (RTP + RTCP)"
            % protected)
        say("   udpsink sent %d RTP packets; %d matched to their clear "
            "payload by sequence number" % (sent, compared))
        say("   payload entropy: on the wire %.2f bits/byte, clear PCMU "
            "%.2f bits/byte" % (h_cipher, h_clear))
        self.check(protected >= sent > 0,
                   "every packet alice sent went through pgsmsrtpenc")
        self.check(compared >= sent * 0.9 and compared >= 100,
                   "%d packets compared" % compared)
        self.check(in_clear == 0, "no clear payload on the wire")
        self.check(bad_size == 0, "each packet is its clear size + the "
                   "10-byte HMAC-SHA1-80 tag")
        self.check(h_cipher > 7.9 and h_clear < 7.5,
                   "the wire looks random, the clear audio does not")

    def hang_up(self, alice, bob):
        say()
        say("   alice hangs up")
        call_id = alice.state("secured").get_string("call-id")
        self.check(alice.sip.emit("hangup", call_id), "hangup accepted")
        self.wait(lambda: alice.state("ended") and bob.state("ended"), 5)
        for side in (alice, bob):
            self.check(side.state("ended") is not None,
                       "%s: call ended" % side.name)

    def untrusted(self):
        say()
        say("5. alice calls a second bob whose certificate is self-signed")
        rogue = self.side("bob2", BOB_HZ, listen_uri="sips:127.0.0.1:0",
                          cert_file=self.rogue[0], key_file=self.rogue[1],
                          auto_answer=True)
        if not self.check(rogue.start(), "bob2 started"):
            return
        port = rogue.sip.get_property("bound-port")
        alice = self.side("alice", ALICE_HZ, listen_uri="sips:127.0.0.1:0",
                          remote_uri="sips:bob@127.0.0.1:%d" % port,
                          ca_file=self.ca[0], use_system_ca=False)
        say("   bob2 listens on sips:127.0.0.1:%d; alice trusts ca.pem only"
            % port)
        alice.start()
        self.wait(lambda: alice.errors and alice.state("failed"), 10)
        # give bob2 time to show a call if one had reached it
        self.pump(1.0)
        if not self.check(len(alice.errors) == 1, "alice: one ERROR"):
            return
        err, debug, details = alice.errors[0]
        say("   the ERROR's message:")
        say("     " + err.message)
        self.check(err.message == WARNING_TEXT, "the message is the warning, "
                   "byte for byte")
        self.check(err.domain == TLS_ERROR_DOMAIN and
                   err.code == CERTIFICATE_NOT_TRUSTED,
                   "domain %s, code CERTIFICATE_NOT_TRUSTED" % err.domain)
        reasons = details.get_string("reasons") if details else None
        say("   its details: flags=0x%x reasons=%s host=%s port=%d"
            % (int(details.get_value("flags")) if details else 0, reasons,
               details.get_string("host") if details else None,
               details.get_value("port") if details else 0))
        say("   its debug text (the reasons):")
        for line in (debug or "").splitlines()[1:]:
            say("     " + line)
        self.check(reasons is not None and "self-signed" in reasons,
                   "reason: self-signed")
        self.check(details is not None and
                   details.get_string("certificate-sha256") ==
                   cert_sha256(self.rogue[0]),
                   "the refused certificate is rogue.pem")
        self.check(alice.state("failed") is not None, "alice: call failed")
        self.check(not rogue.calls and not rogue.errors,
                   "bob2 never got the call (no pgsm-call message at all)")

    def stop_all(self):
        say()
        say("6. Stopping every pipeline (state NULL)")
        for side in self.sides:
            self.check(side.stop(), "%s stopped" % side.name)
        self.sides = []


def main(argv):
    outdir = os.path.abspath(argv[1] if len(argv) > 1 else "demo-out")
    faulthandler.dump_traceback_later(WATCHDOG_SECONDS, exit=True)
    if shutil.which("certtool") is None:
        say("SKIP: certtool not found (Debian package gnutls-bin)")
        return 77
    Gst.init(None)
    for name in ("pgsmsipbin", "pgsmsrtpenc", "pgsmsrtpdec", "audiotestsrc"):
        if Gst.ElementFactory.find(name) is None:
            say("error: element %s not found (is GST_PLUGIN_PATH_1_0 set? "
                "run through 'meson devenv -C build')" % name)
            return 1
    os.makedirs(outdir, exist_ok=True)
    t0 = time.monotonic()
    say("gst-pgsm demo: a secure call on loopback (SIP over TLS, SRTP media)")
    say()
    with tempfile.TemporaryDirectory(prefix="pgsm-demo-") as tmp:
        demo = Demo(outdir, tmp)
        try:
            demo.make_pki()
            alice, bob = demo.call()
            if alice is not None and alice.state("secured") is not None:
                demo.listen(alice, bob)
                demo.hang_up(alice, bob)
            for side in (alice, bob):
                if side is not None:
                    demo.check(not side.errors, "%s: no ERROR" % side.name)
            demo.untrusted()
        finally:
            demo.stop_all()
    say()
    if demo.failures:
        say("demo FAILED (%d checks): %s" % (len(demo.failures),
                                              "; ".join(demo.failures)))
        return 1
    say("demo OK in %.1f s: a call secured by a verified certificate, SRTP "
        "on the wire, the tones heard both ways; the untrusted server got "
        "nothing" % (time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
