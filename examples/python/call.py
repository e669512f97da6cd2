#!/usr/bin/python3
# gst-pgsm
# Copyright (C) 2026 gst-pgsm contributors
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""Place or answer one secure call with pgsmsipbin.

    audiotestsrc (a tone) -> pgsmsipbin -> level -> SINK (fakesink)

Call (trust only a company CA):
    call.py --call sips:bob@pbx.example.com:5061 --ca-file company-ca.pem

Answer one call (our certificate and key; port 0 picks a free port):
    call.py --listen sips:127.0.0.1:0 --cert-file chain.pem --key-file key.pem

Each `pgsm-call` bus message is printed as one line:
    call: secured call-id=... suite=AES_CM_128_HMAC_SHA1_80 codec=PCMU
          tls-version=TLS1.3 tls-description=... (one line)
When the call ends the audio received is summed up from `level`.

--duration S hangs up S seconds after the call is secured; without it the
call lasts until the other side hangs up or Ctrl-C (SIGINT) hangs up. A
second Ctrl-C quits at once. The program handles one call and then exits.

Exit status: 0 the call was secured and ended; 1 any other failure (call
refused, unreachable server, bad options...); 2 the server's certificate
is not trusted: the warning text is printed with the verdict flags and
reasons from the ERROR's details.

Run it from a build tree with:
    meson devenv -C build /usr/bin/python3 ../examples/python/call.py ...
"""

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

TLS_ERROR_DOMAIN = "pgsm-tls-error-quark"
CERTIFICATE_NOT_TRUSTED = 1        # PGSM_TLS_ERROR_CERTIFICATE_NOT_TRUSTED
EXIT_OK, EXIT_FAILED, EXIT_UNTRUSTED = 0, 1, 2
LEVEL_INTERVAL = Gst.SECOND // 2


def say(text=""):
    print(text, flush=True)


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        # argparse exits 2 on bad usage; 2 means "untrusted" here
        self.print_usage(sys.stderr)
        self.exit(EXIT_FAILED, "%s: error: %s\n" % (self.prog, message))


def parse_args(argv):
    parser = ArgumentParser(
        description="Place (--call) or answer (--listen without --call) one "
        "secure call with pgsmsipbin: SIP over TLS, SRTP media.")
    parser.add_argument("--call", metavar="URI",
                        help="sips: URI to call, e.g. sips:bob@host:5061")
    parser.add_argument("--listen", metavar="URI",
                        help="SIP bind URI (pgsmsipbin listen-uri), default "
                        "sips:127.0.0.1:0; without --call, wait for one call "
                        "and answer it")
    parser.add_argument("--ca-file", help="PEM CA certificates to trust")
    parser.add_argument("--use-system-ca", action="store_true",
                        help="also trust the system CA store")
    parser.add_argument("--cert-file",
                        help="our certificate chain (PEM) when listening")
    parser.add_argument("--key-file", help="its private key (PEM)")
    parser.add_argument("--duration", type=float, metavar="SECONDS",
                        help="hang up this long after the call is secured")
    parser.add_argument("--freq", type=float, default=440.0,
                        help="frequency of the tone we send (default 440)")
    parser.add_argument("--sink", default="fakesink",
                        help="where the received audio goes, a pipeline "
                        "description (default fakesink; try autoaudiosink)")
    args = parser.parse_args(argv)
    if not args.call and not args.listen:
        parser.error("give --call URI or --listen URI")
    if not args.call and not (args.cert_file and args.key_file):
        parser.error("answering (--listen without --call) needs --cert-file "
                     "and --key-file")
    if args.call and not (args.ca_file or args.use_system_ca):
        parser.error("calling needs --ca-file or --use-system-ca")
    if args.duration is not None and args.duration <= 0:
        parser.error("--duration must be positive")
    return args


def value_text(value):
    if isinstance(value, str):
        return value if value else '""'
    return str(value)


def call_line(structure):
    """One printable line from a pgsm-call structure: its state, then every
    field in order, plus the TLS version read from tls-description."""
    fields = []
    for i in range(structure.n_fields()):
        name = structure.nth_field_name(i)
        if name == "state":
            continue
        value = structure.get_value(name)
        fields.append("%s=%s" % (name, value_text(value)))
        if name == "tls-description" and value.startswith("("):
            # GnuTLS: "(TLS1.3)-(ECDHE-SECP256R1)-(...)-(AES-256-GCM)"
            fields.append("tls-version=%s" % value[1:value.find(")")])
    return "call: %s %s" % (structure.get_string("state"), " ".join(fields))


class Call:
    def __init__(self, args):
        self.args = args
        self.loop = GLib.MainLoop()
        self.pipeline = Gst.parse_launch(
            "audiotestsrc is-live=true volume=0.5 freq=%f "
            "! pgsmsipbin name=sip ! level name=level interval=%d "
            "! %s" % (args.freq, LEVEL_INTERVAL, args.sink))
        self.sip = self.pipeline.get_by_name("sip")
        self.call_id = None
        self.secured = False
        self.finished = False
        self.exit_code = EXIT_FAILED
        self.interrupted = 0
        self.levels = []
        self.configure()

    def configure(self):
        args = self.args
        settings = (("listen-uri", args.listen), ("ca-file", args.ca_file),
                    ("cert-file", args.cert_file),
                    ("key-file", args.key_file))
        for name, value in settings:
            if value is not None:
                self.sip.set_property(name, value)
        self.sip.set_property("use-system-ca", args.use_system_ca)
        if args.call:
            self.sip.set_property("remote-uri", args.call)
        else:
            self.sip.set_property("auto-answer", True)

    def run(self):
        bus = self.pipeline.get_bus()
        bus.add_watch(GLib.PRIORITY_DEFAULT, self.on_message)
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT,
                             self.on_sigint)
        if self.pipeline.set_state(Gst.State.READY) == \
                Gst.StateChangeReturn.FAILURE:
            self.drain_errors(bus)
            self.pipeline.set_state(Gst.State.NULL)
            return EXIT_FAILED
        if not self.args.call:
            port = self.sip.get_property("bound-port")
            uri = self.sip.get_property("listen-uri")
            if uri.endswith(":0"):
                uri = uri[:-1] + str(port)
            say("listening on %s (port %d)" % (uri, port))
        if self.pipeline.set_state(Gst.State.PLAYING) == \
                Gst.StateChangeReturn.FAILURE:
            self.drain_errors(bus)
            self.pipeline.set_state(Gst.State.NULL)
            return EXIT_FAILED
        self.loop.run()
        self.pipeline.set_state(Gst.State.NULL)
        bus.remove_watch()
        self.print_audio()
        return self.exit_code

    def drain_errors(self, bus):
        while True:
            msg = bus.pop_filtered(Gst.MessageType.ERROR)
            if msg is None:
                return
            self.on_error(msg)

    def on_message(self, bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            structure = msg.get_structure()
            if structure.has_name("pgsm-call"):
                self.on_call(structure)
            elif structure.has_name("level"):
                self.levels.append(structure.get_value("rms")[0])
        elif msg.type == Gst.MessageType.ERROR:
            self.on_error(msg)
        elif msg.type == Gst.MessageType.WARNING:
            err, debug = msg.parse_warning()
            say("warning: %s" % err.message)
        return True

    def on_call(self, structure):
        say(call_line(structure))
        state = structure.get_string("state")
        call_id = structure.get_string("call-id")
        if state in ("calling", "incoming"):
            self.call_id = call_id
        elif state == "secured":
            self.secured = True
            if self.args.duration is not None:
                GLib.timeout_add(int(self.args.duration * 1000), self.hang_up)
        elif state in ("ended", "failed"):
            if self.exit_code != EXIT_UNTRUSTED:
                ok = state == "ended" and self.secured
                self.exit_code = EXIT_OK if ok else EXIT_FAILED
            self.finished = True
            self.finish()

    def on_error(self, msg):
        err, debug = msg.parse_error()
        if err.domain == TLS_ERROR_DOMAIN and \
                err.code == CERTIFICATE_NOT_TRUSTED:
            self.exit_code = EXIT_UNTRUSTED
            say(err.message)
            details = msg.parse_error_details()
            if details is not None:
                say("verdict: flags=0x%x reasons=%s host=%s port=%d" % (
                    int(details.get_value("flags")),
                    details.get_string("reasons"),
                    details.get_string("host"), details.get_value("port")))
                sha = details.get_string("certificate-sha256")
                if sha:
                    say("server certificate sha256=%s" % sha)
            # The debug string: where the ERROR was posted, then the reasons
            for line in (debug or "").splitlines()[1:]:
                say("  " + line)
        else:
            if self.exit_code != EXIT_UNTRUSTED:
                self.exit_code = EXIT_FAILED
            say("error: %s (%s)" % (err.message, debug))
        # Let the bin's `failed` message follow, then stop.
        GLib.timeout_add(300, self.finish)

    def hang_up(self):
        if self.call_id is not None and not self.finished:
            say("hanging up")
            if not self.sip.emit("hangup", self.call_id):
                self.finish()
        return GLib.SOURCE_REMOVE

    def on_sigint(self):
        self.interrupted += 1
        if self.interrupted == 1 and self.call_id is not None and \
                not self.finished:
            say("interrupted: hanging up (Ctrl-C again to quit at once)")
            self.hang_up()
            # Do not wait for the peer's answer to our BYE forever
            GLib.timeout_add_seconds(5, self.finish)
        else:
            say("interrupted")
            if self.call_id is None:
                self.exit_code = EXIT_OK
            self.finish()
        return GLib.SOURCE_CONTINUE

    def finish(self):
        self.finished = True
        self.loop.quit()
        return GLib.SOURCE_REMOVE

    def print_audio(self):
        if not self.secured:
            return
        # level's RMS in dB over each interval; -inf when silent
        heard = [rms for rms in self.levels if rms > -60]
        loudest = max(self.levels) if self.levels else float("-inf")
        say("audio: received %.1f s, loudest RMS %.1f dB" % (
            len(heard) * LEVEL_INTERVAL / Gst.SECOND, loudest))


def main(argv):
    args = parse_args(argv)
    Gst.init(None)
    for name in ("pgsmsipbin", "pgsmsrtpenc", "pgsmsrtpdec"):
        if Gst.ElementFactory.find(name) is None:
            say("error: element %s not found (is GST_PLUGIN_PATH set? run "
                "through 'meson devenv -C build')" % name)
            return EXIT_FAILED
    try:
        call = Call(args)
    except GLib.Error as e:
        say("error: %s" % e.message)
        return EXIT_FAILED
    return call.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
