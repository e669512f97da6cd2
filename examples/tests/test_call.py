#!/usr/bin/python3
# gst-pgsm
# Copyright (C) 2026 gst-pgsm contributors
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""Tests of examples/python/call.py: two call.py processes on loopback.

    test_call.py CALL_PY calls       an answering call.py and a calling one:
                                     both print `secured` then `ended`, hear
                                     audio and exit 0. First the answerer
                                     hangs up (--duration), then the caller
                                     is interrupted (SIGINT) and hangs up.
    test_call.py CALL_PY untrusted   call.py calls a listening call.py whose
                                     certificate is self-signed, then one
                                     issued by an unknown CA: the exact
                                     warning, the verdict flags and reasons,
                                     exit status 2, and no call at the server.

The test PKI is made with certtool (gnutls-bin) in a temporary directory;
without certtool the test exits 77 (skipped).
"""

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

WARNING = ("You are attempting to open a secure connection, but the server's "
           "certificate is not trusted. Please contact your system "
           "administrator")
SERVER_TEMPLATE = ('cn = "127.0.0.1"\nip_address = "127.0.0.1"\n'
                   'dns_name = "127.0.0.1"\ntls_www_server\nsigning_key\n')
CA_TEMPLATE = 'cn = "%s"\nca\ncert_signing_key\n'
FLAG_UNKNOWN_CA = 1 << 0
FLAG_SELF_SIGNED = 1 << 7

failures = 0


def check(cond, what):
    global failures
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures += 1
    return cond


class Pki:
    def __init__(self, tmp):
        self.tmp = tmp

    def make(self, name, template, ca=None):
        """NAME.pem and NAME-key.pem, signed by the CA named @ca or
        self-signed"""
        key = os.path.join(self.tmp, name + "-key.pem")
        crt = os.path.join(self.tmp, name + ".pem")
        tmpl = os.path.join(self.tmp, name + ".tmpl")
        with open(tmpl, "w") as f:
            f.write(template + "expiration_days = 2\n")
        self.certtool("--generate-privkey", "--key-type=ecdsa",
                      "--outfile", key)
        if ca is None:
            self.certtool("--generate-self-signed", "--load-privkey", key,
                          "--template", tmpl, "--outfile", crt)
        else:
            self.certtool("--generate-certificate", "--load-privkey", key,
                          "--load-ca-certificate", self.cert(ca),
                          "--load-ca-privkey", self.key(ca),
                          "--template", tmpl, "--outfile", crt)

    def cert(self, name):
        return os.path.join(self.tmp, name + ".pem")

    def key(self, name):
        return os.path.join(self.tmp, name + "-key.pem")

    @staticmethod
    def certtool(*args):
        subprocess.run(["certtool", *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60)


class CallPy:
    """One call.py process; its output lines are collected by a thread."""

    def __init__(self, call_py, name, *args):
        self.name = name
        self.lines = []
        self.queue = queue.Queue()
        self.proc = subprocess.Popen(
            [sys.executable, call_py, *args], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            print("  %s| %s" % (self.name, line), flush=True)
            self.queue.put(line)
        self.queue.put(None)

    def wait_for(self, regexp, seconds):
        """The first new line matching @regexp within @seconds, or None"""
        deadline = time.monotonic() + seconds
        while True:
            try:
                line = self.queue.get(
                    timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if line is None:
                return None
            self.lines.append(line)
            match = re.search(regexp, line)
            if match:
                return match

    def finish(self, seconds=20):
        """Waits for the process to exit; returns its status (None if it had
        to be killed)"""
        try:
            status = self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.stop()
            status = None
        self.reader.join(timeout=5)
        while True:
            try:
                line = self.queue.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.lines.append(line)
        return status

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def states(self):
        return [line.split()[1] for line in self.lines
                if line.startswith("call: ")]


def listen(call_py, pki, cert, name, *extra):
    server = CallPy(call_py, name, "--listen", "sips:127.0.0.1:0",
                    "--cert-file", pki.cert(cert),
                    "--key-file", pki.key(cert), *extra)
    match = server.wait_for(r"^listening on sips:127\.0\.0\.1:(\d+) ", 20)
    if not check(match is not None, "%s listens" % name):
        server.stop()
        return None, None
    return server, int(match.group(1))


def check_call(side, status, name):
    states = side.states()
    check(status == 0, "%s exited with status 0 (%s)" % (name, status))
    check("secured" in states and "ended" in states and
          states.index("secured") < states.index("ended"),
          "%s printed secured then ended (%s)" % (name, " ".join(states)))
    secured = [line for line in side.lines if line.startswith("call: secured")]
    check(bool(secured) and "suite=AES_CM_128_HMAC_SHA1_80" in secured[0] and
          "codec=PCMU" in secured[0],
          "%s: the secured line names the suite and codec" % name)
    audio = [re.match(r"audio: received ([\d.]+) s, "
                      r"loudest RMS (-?[\d.]+|-inf)", line)
             for line in side.lines]
    audio = [m for m in audio if m]
    check(bool(audio) and float(audio[0].group(1)) >= 1.0 and
          float(audio[0].group(2)) > -20,
          "%s heard the other side" % name)


def one_call(call_py, pki, interrupt):
    server, port = listen(call_py, pki, "server", "answerer", "--freq", "1000",
                          *([] if interrupt else ["--duration", "3"]))
    if server is None:
        return
    caller = CallPy(call_py, "caller", "--call",
                    "sips:bob@127.0.0.1:%d" % port, "--ca-file",
                    pki.cert("ca"), "--sink", "fakesink sync=true")
    try:
        secured = caller.wait_for(r"^call: secured ", 20)
        check(secured is not None, "the call is secured")
        if secured is not None and interrupt:
            time.sleep(3)
            caller.proc.send_signal(signal.SIGINT)
            check(caller.wait_for(r"^interrupted: hanging up", 5) is not None,
                  "SIGINT makes the caller hang up")
        if secured is not None and not interrupt:
            check(server.wait_for(r"^hanging up", 10) is not None,
                  "the answerer hangs up after --duration")
        check_call(caller, caller.finish(), "the caller")
        check_call(server, server.finish(), "the answerer")
        tls = [line for line in caller.lines
               if line.startswith("call: secured")]
        check(bool(tls) and re.search(r"tls-version=TLS1\.[23]", tls[0]),
              "the caller's secured line has the TLS version")
    finally:
        caller.stop()
        server.stop()


def calls(call_py, pki):
    print("1. the answerer hangs up after --duration 3", flush=True)
    one_call(call_py, pki, interrupt=False)
    print("2. the caller is interrupted (SIGINT) and hangs up", flush=True)
    one_call(call_py, pki, interrupt=True)


def untrusted(call_py, pki):
    cases = (("self-signed", FLAG_SELF_SIGNED, "self-signed"),
             ("unknown-ca", FLAG_UNKNOWN_CA, "unknown-ca"))
    for cert, flag, reason in cases:
        print("server certificate: %s" % cert, flush=True)
        server, port = listen(call_py, pki, cert, "server")
        if server is None:
            continue
        caller = CallPy(call_py, "caller", "--call",
                        "sips:bob@127.0.0.1:%d" % port,
                        "--ca-file", pki.cert("ca"))
        try:
            status = caller.finish(30)
            check(status == 2, "call.py exited with status 2 (%s)" % status)
            check(WARNING in caller.lines,
                  "call.py printed the warning, byte for byte, on a line")
            verdict = [re.match(r"verdict: flags=0x([0-9a-f]+) reasons=(\S+) "
                                r"host=127\.0\.0\.1 port=(\d+)$", line)
                       for line in caller.lines]
            verdict = [m for m in verdict if m]
            check(bool(verdict) and int(verdict[0].group(1), 16) & flag and
                  reason in verdict[0].group(2).split(",") and
                  int(verdict[0].group(3)) == port,
                  "the verdict line has the %s flag and reason" % reason)
            check("secured" not in caller.states(), "the call was not secured")
            server.proc.send_signal(signal.SIGINT)
            check(server.finish(10) == 0, "SIGINT stops the idle listener "
                  "with status 0")
            check("incoming" not in server.states(),
                  "the untrusted server received no call")
        finally:
            caller.stop()
            server.stop()


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("calls", "untrusted"):
        print("usage: test_call.py CALL_PY calls|untrusted")
        return 1
    if shutil.which("certtool") is None:
        print("SKIP: certtool not found (package gnutls-bin)")
        return 77
    call_py = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="pgsm-test-call-")
    try:
        pki = Pki(tmp)
        pki.make("ca", CA_TEMPLATE % "gst-pgsm example CA")
        pki.make("other-ca", CA_TEMPLATE % "Somebody else CA")
        pki.make("server", SERVER_TEMPLATE, ca="ca")
        pki.make("self-signed", SERVER_TEMPLATE)
        pki.make("unknown-ca", SERVER_TEMPLATE, ca="other-ca")
        if sys.argv[2] == "calls":
            calls(call_py, pki)
        else:
            untrusted(call_py, pki)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failure(s)" % failures, flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
