#!/bin/bash
# gst-pgsm example: pgsmtlssrc receives a file from a TLS server on loopback
# after checking the server's certificate against a private CA.
#
#   server: a small TLS stream server (GIO's GnuTLS backend, through
#           /usr/bin/python3 and gi) that sends one file to the first client
#           and closes with close_notify. gnutls-serv cannot do this: it only
#           echoes or answers HTTP requests, and pgsmtlssrc sends nothing.
#   client: gst-launch-1.0 pgsmtlssrc host=127.0.0.1 port=N ca-file=ca.pem
#           use-system-ca=false ! filesink location=received.bin
#
# A throwaway test PKI (a CA and a server certificate for 127.0.0.1) is made
# with certtool (package gnutls-bin) in a temporary directory, removed at the
# end. The script checks that the received bytes equal the file sent.
#
# Usage: tlssrc.sh
# The plugins come from the environment (GST_PLUGIN_PATH_1_0 or
# GST_PLUGIN_PATH), e.g. from a build tree:
#   meson devenv -C build bash ../examples/launch/tlssrc.sh
set -euo pipefail

PYTHON=${PGSM_PYTHON:-/usr/bin/python3}

. "$(dirname "$0")/common.sh"

for tool in gst-launch-1.0 gst-inspect-1.0 certtool timeout cmp; do
  command -v "$tool" > /dev/null || { say "SKIP: $tool not found"; exit 77; }
done
if ! "$PYTHON" -c 'import gi; gi.require_version("Gio", "2.0")' 2> /dev/null; then
  say "SKIP: $PYTHON with gi (python3-gi) is needed for the TLS server"
  exit 77
fi
if ! gst-inspect-1.0 pgsmtlssrc > /dev/null 2>&1; then
  say "error: element pgsmtlssrc not found: set GST_PLUGIN_PATH_1_0 (or run" \
    "through 'meson devenv -C build')"
  exit 1
fi

launch_setup tlssrc

say "gst-pgsm pgsmtlssrc example"
say "1. test PKI in $tmp: ca.pem (a private CA), server.pem for 127.0.0.1"
make_cert ca 'cn = "gst-pgsm example CA"
ca
cert_signing_key'
make_cert server 'cn = "127.0.0.1"
ip_address = "127.0.0.1"
tls_www_server
signing_key
encryption_key' ca

head -c 300000 /dev/urandom > "$tmp/sent.bin"
cat > "$tmp/server.py" <<'PY'
# One-shot TLS stream server: argv = certificate, key, file to send
import sys

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio  # noqa: E402

cert = Gio.TlsCertificate.new_from_files(sys.argv[1], sys.argv[2])
with open(sys.argv[3], "rb") as f:
    data = f.read()
listener = Gio.SocketListener()
ok, bound = listener.add_address(
    Gio.InetSocketAddress.new_from_string("127.0.0.1", 0),
    Gio.SocketType.STREAM, Gio.SocketProtocol.TCP, None)
print("listening on port %d" % bound.get_port(), flush=True)
connection, _ = listener.accept(None)
tls = Gio.TlsServerConnection.new(connection, cert)
tls.handshake(None)
print("client connected: %s, %s" % (
    tls.get_protocol_version().value_nick, tls.get_ciphersuite_name()),
    flush=True)
tls.get_output_stream().write_all(data, None)
tls.close(None)  # close_notify, then the socket
print("sent %d bytes and close_notify" % len(data), flush=True)
PY

say "2. TLS server with server.pem, sending sent.bin (300000 random bytes)"
timeout 60 "$PYTHON" "$tmp/server.py" "$tmp/server.pem" "$tmp/server-key.pem" \
  "$tmp/sent.bin" > "$tmp/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
if ! line=$(wait_for_line "$tmp/server.log" '^listening on port [0-9]+' 20); then
  say "FAIL: the TLS server did not start"
  cat "$tmp/server.log"
  exit 1
fi
port=${line##* }
say "   $line (pid $server_pid)"

say "3. gst-launch-1.0 pgsmtlssrc host=127.0.0.1 port=$port ca-file=ca.pem" \
  "use-system-ca=false timeout=10 ! filesink location=received.bin"
status=0
timeout -s INT 30 gst-launch-1.0 \
  pgsmtlssrc host=127.0.0.1 port="$port" ca-file="$tmp/ca.pem" \
    use-system-ca=false timeout=10 \
  ! filesink location="$tmp/received.bin" > "$tmp/client.log" 2>&1 || status=$?
sed 's/^/   | /' "$tmp/client.log"
status_server=0
wait "$server_pid" || status_server=$?
server_pid=
sed 's/^/   server: /' "$tmp/server.log"
if [ "$status" -ne 0 ] || [ "$status_server" -ne 0 ]; then
  say "FAIL: gst-launch-1.0 exited with $status, the server with $status_server"
  exit 1
fi

say "4. comparing the bytes"
if ! cmp "$tmp/sent.bin" "$tmp/received.bin"; then
  say "FAIL: received.bin differs from sent.bin"
  exit 1
fi
say "OK: $(stat -c %s "$tmp/received.bin") bytes received over verified TLS," \
  "identical to the file sent"
