#!/usr/bin/python3
# gst-pgsm
# Copyright (C) 2026 gst-pgsm contributors
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""pgsm-phone (GTK 3) under Xvfb against a pgsmsipbin server on loopback.

usage: test_pgsm_phone.py PGSM-PHONE SCREENSHOT-DIR

A CA and two server certificates are made with certtool when the test runs:
one signed by the CA (trusted: the phone gets --ca-file CA) and one
self-signed. For each, a listening pgsmsipbin (auto-answer) runs in this
process and `pgsm-phone --self-test --auto-call` runs under `xvfb-run -a`;
the phone prints its widget tree after the first event and again once idle.

(a) untrusted server: the modal GtkMessageDialog shows the exact warning,
    the reasons name the self-signed certificate, the status line says
    failed, no lock, Call is usable again, and the server saw no call.
(b) trusted server: the status line reaches `secured` with the suite, the
    TLS version and the codec, the lock icon is shown; after the phone's
    hang-up it says `ended`, the lock is gone, and the server saw the call
    secured and ended.
(c) nobody listening: the generic "Call failed" dialog, not the warning.
(d) a sip: URI, and no CA at all: refused in the window, no call.

Both runs save a screenshot (checked as a PNG with real content). Exits 77
(skipped) without gi, pgsmsipbin or pgsmsrtpenc.
"""

import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

WARNING = ("You are attempting to open a secure connection, but the server's "
           "certificate is not trusted. Please contact your system "
           "administrator")
LOCK_ICON = "channel-secure-symbolic"
PHONE_TIMEOUT_S = 40            # the phone's own --timeout
RUN_TIMEOUT_S = 90              # then we stop it by its process group


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def check(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)
    print("ok: " + what)


def certtool(*args):
    subprocess.run(["certtool", *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def make_pki(tmp):
    """ca.pem, good.pem (signed by the CA), self.pem (self-signed)."""
    server = ("cn = \"127.0.0.1\"\ndns_name = \"127.0.0.1\"\n"
              "ip_address = \"127.0.0.1\"\nexpiration_days = 30\n"
              "tls_www_server\nsigning_key\nencryption_key\n")
    p = {name: os.path.join(tmp, name) for name in (
        "ca.pem", "ca-key.pem", "ca.tmpl", "server.tmpl", "good.pem",
        "good-key.pem", "self.pem", "self-key.pem")}
    write(p["ca.tmpl"], "cn = \"pgsm-phone test CA\"\nca\ncert_signing_key\n"
          "expiration_days = 30\n")
    write(p["server.tmpl"], server)
    for key in ("ca-key.pem", "good-key.pem", "self-key.pem"):
        certtool("--generate-privkey", "--key-type=ecdsa", "--outfile",
                 p[key])
    certtool("--generate-self-signed", "--load-privkey", p["ca-key.pem"],
             "--template", p["ca.tmpl"], "--outfile", p["ca.pem"])
    certtool("--generate-certificate", "--load-privkey", p["good-key.pem"],
             "--load-ca-certificate", p["ca.pem"], "--load-ca-privkey",
             p["ca-key.pem"], "--template", p["server.tmpl"], "--outfile",
             p["good.pem"])
    certtool("--generate-self-signed", "--load-privkey", p["self-key.pem"],
             "--template", p["server.tmpl"], "--outfile", p["self.pem"])
    return p


class Server:
    """A listening pgsmsipbin that answers every acceptable call."""

    def __init__(self, cert, key, ca):
        self.pipeline = Gst.parse_launch(
            "audiotestsrc is-live=true freq=1000 volume=0.3 ! "
            "pgsmsipbin name=bin listen-uri=sips:127.0.0.1:0 "
            "local-uri=sips:bob@127.0.0.1 auto-answer=true ! "
            "fakesink sync=false")
        self.bin = self.pipeline.get_by_name("bin")
        self.bin.set_property("cert-file", cert)
        self.bin.set_property("key-file", key)
        self.bin.set_property("ca-file", ca)
        self.bus = self.pipeline.get_bus()
        check(self.pipeline.set_state(Gst.State.PLAYING)
              != Gst.StateChangeReturn.FAILURE, "server starts")
        self.port = self.bin.get_property("bound-port")
        check(self.port != 0, "server listens on port %d" % self.port)
        self.states = []

    def collect(self, until=None, wait_s=0):
        """Call states seen so far; waits up to wait_s for @until."""
        deadline = time.monotonic() + wait_s
        while True:
            msg = self.bus.timed_pop(100 * Gst.MSECOND)
            if msg is not None:
                s = msg.get_structure()
                if msg.type == Gst.MessageType.ERROR:
                    err, dbg = msg.parse_error()
                    self.states.append("ERROR: %s" % err.message)
                elif (msg.type == Gst.MessageType.ELEMENT and s is not None
                      and s.get_name() == "pgsm-call"):
                    self.states.append(s.get_string("state"))
                continue
            if until is None or until in self.states or \
                    time.monotonic() >= deadline:
                return self.states

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)


def run_phone(phone, *args):
    """pgsm-phone under xvfb-run; returns (exit status, stdout)."""
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1024x768x24 -nolisten tcp",
           phone, "--test-source", "--auto-call", "--self-test",
           "--timeout", str(PHONE_TIMEOUT_S), *args]
    # its own process group, so that xvfb-run, Xvfb and the phone can be
    # stopped together by the group id (= the pid we started)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        sys.stderr.write(err)
        check(False, "pgsm-phone finished within %d s" % RUN_TIMEOUT_S)
    sys.stderr.write(err)
    print(out)
    return proc.returncode, out


def parse_dumps(out):
    """[(event, [lines])] from the phone's self-test output."""
    dumps = []
    current = None
    for line in out.splitlines():
        if line.startswith("=== pgsm-phone self-test: "):
            current = (line[len("=== pgsm-phone self-test: "):-4], [])
        elif line == "=== end ===" and current is not None:
            dumps.append(current)
            current = None
        elif current is not None:
            current[1].append(line)
    return dumps


def widget(lines, type_and_name):
    """The dump line of the widget `Type#name` (or None)."""
    for line in lines:
        if line.strip().split(" ")[0] == type_and_name:
            return line
    return None


def has(line, *fields):
    return line is not None and all(f in line for f in fields)


def check_png(path):
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "%s is a PNG" % path)
    width, height = struct.unpack(">II", data[16:24])
    check(width >= 300 and height >= 150,
          "screenshot is %dx%d (at least 300x150)" % (width, height))
    idat = b""
    pos = 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    pixels = zlib.decompress(idat)
    check(len(set(pixels)) > 20,
          "screenshot has content (%d distinct byte values)"
          % len(set(pixels)))


def check_untrusted(phone, pki, shots):
    server = Server(pki["self.pem"], pki["self-key.pem"], pki["ca.pem"])
    shot = os.path.join(shots, "certificate-warning.png")
    try:
        rc, out = run_phone(phone, "--ca-file", pki["ca.pem"], "--dial",
                            "sips:bob@127.0.0.1:%d" % server.port,
                            "--screenshot", shot)
        states = server.collect(wait_s=1)
    finally:
        server.stop()
    check(rc == 0, "phone exits 0 (got %d)" % rc)
    dumps = parse_dumps(out)
    check([d[0] for d in dumps] == ["certificate-warning", "idle"],
          "events: certificate-warning then idle (%s)"
          % [d[0] for d in dumps])
    lines = dumps[0][1]
    dialog = widget(lines, "GtkMessageDialog")
    check(has(dialog, "visible=1", "modal=1"),
          "a modal GtkMessageDialog is shown")
    check(has(dialog, 'title="Certificate not trusted"'),
          "the dialog's title says so")
    check(has(dialog, ' text="%s" ' % WARNING),
          "the dialog's text is exactly the warning")
    check(any(line.strip().startswith("GtkLabel") and
              'label="%s"' % WARNING in line for line in lines),
          "a label of the dialog shows the warning")
    check(has(dialog, "It is self-signed.", "Verdict: ", "self-signed",
              "Certificate SHA-256: ", "127.0.0.1:%d" % server.port),
          "the secondary text gives the reasons, server and fingerprint")
    check(has(dialog, "refused (self-signed)") and
          "pgsmerror.c(" not in dialog,
          "it quotes the bin's debug string without its source location")
    check(has(widget(lines, "GtkLabel#status-label"),
              'label="failed | certificate not trusted"'),
          "status line: failed | certificate not trusted")
    check(has(widget(lines, "GtkImage#lock"), "visible=0"), "no lock icon")
    check(has(widget(lines, "GtkButton#call"), "sensitive=1"),
          "Call is usable again")
    idle = dumps[1][1]
    check(widget(idle, "GtkMessageDialog") is None,
          "the dialog is gone after Close")
    check(states == [], "the server saw no call (%s)" % states)
    check_png(shot)


def check_trusted(phone, pki, shots):
    server = Server(pki["good.pem"], pki["good-key.pem"], pki["ca.pem"])
    shot = os.path.join(shots, "secured-call.png")
    try:
        rc, out = run_phone(phone, "--ca-file", pki["ca.pem"], "--dial",
                            "sips:bob@127.0.0.1:%d" % server.port,
                            "--listen-uri", "sips:127.0.0.1:0",
                            "--screenshot", shot)
        states = server.collect(until="ended", wait_s=10)
    finally:
        server.stop()
    check(rc == 0, "phone exits 0 (got %d)" % rc)
    dumps = parse_dumps(out)
    check([d[0] for d in dumps] == ["secured", "idle"],
          "events: secured then idle (%s)" % [d[0] for d in dumps])
    lines = dumps[0][1]
    status = widget(lines, "GtkLabel#status-label")
    check(has(status, 'label="secured | AES_CM_128_HMAC_SHA1_80 | TLS1.',
              ' | PCMU"'),
          "status line: secured, suite, TLS version, codec")
    check(has(widget(lines, "GtkImage#lock"), "visible=1",
              'icon-name="%s"' % LOCK_ICON), "the lock icon is shown")
    check(has(widget(lines, "GtkButton#call"), "sensitive=0") and
          has(widget(lines, "GtkButton#hangup"), "sensitive=1"),
          "during the call: Hang up usable, Call not")
    check(widget(lines, "GtkMessageDialog") is None, "no dialog")
    idle = dumps[1][1]
    check(has(widget(idle, "GtkLabel#status-label"), 'label="ended | '),
          "after Hang up the status line says ended")
    check(has(widget(idle, "GtkImage#lock"), "visible=0"),
          "the lock icon is gone")
    check(has(widget(idle, "GtkButton#call"), "sensitive=1") and
          has(widget(idle, "GtkButton#hangup"), "sensitive=0"),
          "idle: Call usable, Hang up not")
    check("secured" in states and "ended" in states,
          "the server saw the call secured and ended (%s)" % states)
    check_png(shot)


def free_port():
    """A loopback TCP port with nobody listening (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_unreachable(phone, pki):
    """Nobody listens: the other ERROR, in the generic dialog."""
    rc, out = run_phone(phone, "--ca-file", pki["ca.pem"], "--system-ca",
                        "--dial", "sips:bob@127.0.0.1:%d" % free_port())
    check(rc == 0, "phone exits 0 (got %d)" % rc)
    dumps = parse_dumps(out)
    check([d[0] for d in dumps] == ["error", "idle"],
          "events: error then idle (%s)" % [d[0] for d in dumps])
    lines = dumps[0][1]
    check(has(widget(lines, "GtkCheckButton#system-ca"), "active=1"),
          "--system-ca ticks 'Also trust the system CAs'")
    dialog = widget(lines, "GtkMessageDialog")
    check(has(dialog, "visible=1", "modal=1", 'title="Call failed"'),
          "a modal 'Call failed' dialog is shown")
    check(dialog is not None and WARNING not in dialog,
          "it is not the certificate warning")
    check(has(widget(lines, "GtkLabel#status-label"), 'label="failed | '),
          "status line: failed")
    check(has(widget(dumps[1][1], "GtkButton#call"), "sensitive=1"),
          "Call is usable again")


def check_input_refused(phone, pki):
    """A sip: URI (no TLS) and a missing trust store never start a call."""
    rc, out = run_phone(phone, "--ca-file", pki["ca.pem"], "--dial",
                        "sip:bob@127.0.0.1:5060")
    dumps = parse_dumps(out)
    check(rc == 0 and [d[0] for d in dumps] == ["input-refused", "idle"],
          "sip: URI: events input-refused then idle")
    check(has(widget(dumps[0][1], "GtkLabel#status-label"),
              'label="enter a sips: URI (SIP over TLS)"'),
          "status line asks for a sips: URI")
    rc, out = run_phone(phone, "--dial", "sips:bob@127.0.0.1:5061")
    dumps = parse_dumps(out)
    check(rc == 0 and [d[0] for d in dumps] == ["input-refused", "idle"],
          "no CA: events input-refused then idle")
    lines = dumps[0][1]
    check(has(widget(lines, "GtkLabel#status-label"),
              'label="choose a CA file or trust the system CAs"'),
          "status line asks for a CA")
    check(has(widget(lines, "GtkButton#call"), "sensitive=1") and
          has(widget(lines, "GtkButton#hangup"), "sensitive=0"),
          "still idle")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    phone, shots = sys.argv[1], sys.argv[2]
    for tool in ("xvfb-run", "certtool"):
        if shutil.which(tool) is None:
            skip(tool + " not found")
    Gst.init(None)
    for factory in ("pgsmsipbin", "pgsmsrtpenc"):
        if Gst.ElementFactory.find(factory) is None:
            skip(factory + " not built")
    os.makedirs(shots, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="pgsm-phone-")
    try:
        pki = make_pki(tmp)
        check_untrusted(phone, pki, shots)
        check_trusted(phone, pki, shots)
        check_unreachable(phone, pki)
        check_input_refused(phone, pki)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("all checks passed")


if __name__ == "__main__":
    main()
