#!/usr/bin/python3
# gst-pgsm
# Copyright (C) 2026 gst-pgsm contributors
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""pgsmtlssrc driven from Python through gi, against gnutls-serv.

A self-signed server certificate is made with certtool (gnutls-bin) when the
test runs, gnutls-serv serves it on a free loopback port, and the pipeline
`pgsmtlssrc ... ! fakesink` must end with the certificate ERROR: the exact
warning text, the pgsm-tls-error-quark domain, the self-signed flag and the
details, with no buffer downstream. Exits 77 (skipped) without gnutls-bin.
"""

import base64
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

WARNING = ("You are attempting to open a secure connection, but the server's "
           "certificate is not trusted. Please contact your system "
           "administrator")
CERTIFICATE_NOT_TRUSTED = 1        # PGSM_TLS_ERROR_CERTIFICATE_NOT_TRUSTED
FLAG_SELF_SIGNED = 1 << 7          # PGSM_CERTIFICATE_SELF_SIGNED
SERVER_NAME = "server.test"


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


def make_certificates(tmp):
    """A self-signed server certificate, and an unrelated CA to trust."""
    files = {}
    for name, template in (
            ("server", "cn = \"%s\"\ndns_name = \"%s\"\n"
                       "ip_address = \"127.0.0.1\"\nexpiration_days = 30\n"
                       "tls_www_server\nsigning_key\n"
                       % (SERVER_NAME, SERVER_NAME)),
            ("ca", "cn = \"Python test CA\"\nca\ncert_signing_key\n"
                   "expiration_days = 30\n")):
        key = os.path.join(tmp, name + "-key.pem")
        crt = os.path.join(tmp, name + ".pem")
        tmpl = os.path.join(tmp, name + ".tmpl")
        with open(tmpl, "w") as f:
            f.write(template)
        certtool("--generate-privkey", "--key-type=ecdsa", "--outfile", key)
        certtool("--generate-self-signed", "--load-privkey", key,
                 "--template", tmpl, "--outfile", crt)
        files[name] = (crt, key)
    return files


def pem_sha256(path):
    with open(path) as f:
        text = f.read()
    body = text.split("-----BEGIN CERTIFICATE-----")[1]
    body = body.split("-----END CERTIFICATE-----")[0]
    return hashlib.sha256(base64.b64decode("".join(body.split()))).hexdigest()


def free_port():
    """A port free on the wildcard address, where gnutls-serv listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("0.0.0.0", 0))
        return s.getsockname()[1]


def start_server(crt, key):
    port = free_port()
    proc = subprocess.Popen(
        ["gnutls-serv", "--port=%d" % port, "--x509certfile=" + crt,
         "--x509keyfile=" + key, "--echo", "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    proc.kill()
    proc.wait(timeout=10)
    check(False, "gnutls-serv listens on port %d" % port)


def run(port, ca_file):
    pipeline = Gst.parse_launch(
        "pgsmtlssrc name=src host=127.0.0.1 port=%d server-name=%s "
        "use-system-ca=false ca-file=%s timeout=10 ! "
        "fakesink name=sink signal-handoffs=true sync=false"
        % (port, SERVER_NAME, ca_file))
    buffers = []
    pipeline.get_by_name("sink").connect(
        "handoff", lambda sink, buf, pad: buffers.append(buf.get_size()))
    pipeline.set_state(Gst.State.PLAYING)
    msg = pipeline.get_bus().timed_pop_filtered(
        30 * Gst.SECOND, Gst.MessageType.ERROR | Gst.MessageType.EOS)
    src = pipeline.get_by_name("src")
    flags = int(src.get_property("verification-flags"))
    sha = src.get_property("peer-certificate-sha256")
    pipeline.set_state(Gst.State.NULL)
    return msg, buffers, flags, sha


def main():
    if shutil.which("certtool") is None or shutil.which("gnutls-serv") is None:
        skip("certtool/gnutls-serv not found (package gnutls-bin)")
    Gst.init(None)
    check(Gst.ElementFactory.find("pgsmtlssrc") is not None,
          "pgsmtlssrc is registered")

    tmp = tempfile.mkdtemp(prefix="pgsm-pytls-")
    proc = None
    try:
        files = make_certificates(tmp)
        proc, port = start_server(*files["server"])
        msg, buffers, flags, sha = run(port, files["ca"][0])

        check(msg is not None, "the pipeline ended within 30 s")
        check(msg.type == Gst.MessageType.ERROR, "it ended with an ERROR")
        err, debug = msg.parse_error()
        print("   debug: " + (debug or "").replace("\n", " | "))
        check(err.message == WARNING, "the message is the warning, "
              "byte for byte")
        check(err.domain == "pgsm-tls-error-quark", "domain is "
              "pgsm-tls-error-quark (%s)" % err.domain)
        check(err.code == CERTIFICATE_NOT_TRUSTED,
              "code is CERTIFICATE_NOT_TRUSTED")

        details = msg.parse_error_details()
        check(details is not None and
              details.get_name() == "pgsm-certificate-verdict",
              "details structure pgsm-certificate-verdict")
        check(int(details.get_value("flags")) & FLAG_SELF_SIGNED,
              "details flags say self-signed")
        check(details.get_value("host") == "127.0.0.1", "details host")
        check(details.get_value("port") == port, "details port")
        expected_sha = pem_sha256(files["server"][0])
        check(details.get_value("certificate-sha256") == expected_sha,
              "details certificate-sha256 is the server certificate's")
        check("BEGIN CERTIFICATE" in details.get_value("certificate-pem"),
              "details certificate-pem")
        check(flags & FLAG_SELF_SIGNED, "verification-flags property")
        check(sha == expected_sha, "peer-certificate-sha256 property")
        check(len(buffers) == 0, "no buffer went downstream")
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
