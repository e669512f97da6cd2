#!/bin/sh
# gst-pgsm: SIP load on pgsmsipbin (project issue 6 §4).
#
#   tests/load/run-sipp-load.sh [BUILD_DIR] [CALLS] [RATE] [LIMIT]
#
# sipp (UAC, TCP) -> stunnel4 (client mode) -> TLS -> pgsmsipbin
# (auto-answer, listen-uri=sips:127.0.0.1:PORT) in tests/load/answerer.py.
# Defaults: build-load, 500 calls, 20 calls/s, LIMIT 1 (sipp -l 1: at most
# one call at a time, the bin's default max-calls); LIMIT 0 runs without
# -l (calls overlap and the bin answers 486 to the second one).
# Makes a throw-away PKI with certtool, starts everything on free loopback
# ports, stops each process by its PID, prints the figures and exits 0
# only when every call succeeded (LIMIT 1) and the answerer's fd count came
# back to its start. Needs sipp, stunnel4, certtool, /usr/bin/python3 (gi).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-build-load}
case $build in /*) ;; *) build="$top/$build" ;; esac
calls=${2:-500}
rate=${3:-20}
limit=${4:-1}
pause_ms=${PAUSE_MS:-20}

for p in sipp stunnel4 certtool; do
  command -v $p >/dev/null 2>&1 || { echo "SKIP: $p not installed"; exit 77; }
done
[ -d "$build/sip" ] || { echo "no build in $build"; exit 1; }

dir=$(mktemp -d /tmp/pgsm-load-XXXXXX)
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  for p in $pids; do wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
trap "exit 130" INT TERM

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- PKI: a CA and a server certificate for 127.0.0.1 (IP and DNS SAN) ---
cat > "$dir/ca.tmpl" <<T
cn = "pgsm load CA"
ca
cert_signing_key
expiration_days = 2
T
cat > "$dir/srv.tmpl" <<T
cn = "127.0.0.1"
ip_address = "127.0.0.1"
dns_name = "127.0.0.1"
tls_www_server
signing_key
encryption_key
expiration_days = 2
T
certtool --generate-privkey --key-type ecdsa --outfile "$dir/ca.key" 2>/dev/null
certtool --generate-self-signed --load-privkey "$dir/ca.key" \
  --template "$dir/ca.tmpl" --outfile "$dir/ca.pem" 2>/dev/null
certtool --generate-privkey --key-type ecdsa --outfile "$dir/srv.key" 2>/dev/null
certtool --generate-certificate --load-privkey "$dir/srv.key" \
  --load-ca-certificate "$dir/ca.pem" --load-ca-privkey "$dir/ca.key" \
  --template "$dir/srv.tmpl" --outfile "$dir/srv.pem" 2>/dev/null
cat "$dir/srv.pem" "$dir/ca.pem" > "$dir/chain.pem"

# --- the answering process ---
sip_port=$(free_port)
export GST_PLUGIN_SYSTEM_PATH_1_0=
export GST_PLUGIN_PATH_1_0="$build:$(pkg-config --variable=pluginsdir gstreamer-1.0 2>/dev/null || echo /usr/lib/$(uname -m)-linux-gnu/gstreamer-1.0)"
export GST_REGISTRY="$dir/registry.bin"
export LD_LIBRARY_PATH="$build/gst/pgsm${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
max_calls=1
/usr/bin/python3 "$here/answerer.py" "$sip_port" "$dir/chain.pem" \
  "$dir/srv.key" $max_calls > "$dir/answerer.log" 2>&1 &
ans=$!
pids="$ans"
i=0
until grep -q '^ready' "$dir/answerer.log"; do
  i=$((i + 1))
  if [ $i -gt 200 ] || ! kill -0 $ans 2>/dev/null; then
    echo "answerer did not start:"; cat "$dir/answerer.log"; exit 1
  fi
  sleep 0.1
done

# --- stunnel in client mode: TCP 127.0.0.1:tcp_port -> TLS to the bin ---
tcp_port=$(free_port)
cat > "$dir/stunnel.conf" <<T
foreground = yes
pid =
debug = 3
[sip]
client = yes
accept = 127.0.0.1:$tcp_port
connect = 127.0.0.1:$sip_port
T
stunnel4 "$dir/stunnel.conf" > "$dir/stunnel.log" 2>&1 &
pids="$pids $!"
i=0
until /usr/bin/python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$tcp_port),1).close()" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 100 ] && { echo "stunnel did not start"; exit 1; }
  sleep 0.1
done

# --- sipp ---
lopt="-l $limit"
[ "$limit" = 0 ] && lopt=""
# sipp takes no keyword in <pause>: the scenario is copied with the value
sed "s/\\[pause_ms\\]/$pause_ms/" "$here/uac-load.xml" > "$dir/uac-load.xml"
cpu0=$(awk '{print $14 + $15}' /proc/$ans/stat)
t0=$(date +%s.%N)
set +e
(cd "$dir" && sipp 127.0.0.1:$tcp_port -sf uac-load.xml -t t1 \
  -i 127.0.0.1 -r "$rate" -m "$calls" $lopt -timeout 300s -nostdin \
  -key target_port "$sip_port" \
  -trace_stat -fd 3600 -trace_rtt -rtt_freq 1 -trace_err \
  -trace_counts -stf stat.csv > sipp.out 2>&1)
sipp_rc=$?
set -e
t1=$(date +%s.%N)
sleep 1   # the last BYE's "ended" reaches the answerer's bus
cpu1=$(awk '{print $14 + $15}' /proc/$ans/stat)
clk=$(getconf CLK_TCK)

kill $ans
wait $ans || true
pids=$(echo "$pids" | sed "s/^$ans //")

# --- figures ---
if [ ! -s "$dir/stat.csv" ]; then
  echo "sipp wrote no statistics (exit $sipp_rc):"; tail -n 20 "$dir/sipp.out"
  cat "$dir"/*_errors.log 2>/dev/null | tail -n 20
  exit 1
fi
last=$(tail -n 1 "$dir/stat.csv")
hdr=$(head -n 1 "$dir/stat.csv")
col() { # column NAME of sipp's stat file
  echo "$hdr" | tr ';' '\n' | grep -n "^$1\$" | cut -d: -f1 | {
    read n; echo "$last" | cut -d';' -f"$n"; }
}
ok=$(col SuccessfulCall\(C\))
bad=$(col FailedCall\(C\))
made=$(col OutgoingCall\(C\))
elapsed=$(echo "$t1 $t0" | awk '{printf "%.2f", $1 - $2}')
achieved=$(echo "$made $elapsed" | awk '{printf "%.2f", $1 / $2}')
echo "sipp: -r $rate -m $calls $lopt pause ${pause_ms} ms, exit $sipp_rc"
echo "calls attempted=$made successful=$ok failed=$bad"
echo "elapsed ${elapsed} s, achieved ${achieved} calls/s"
echo "setup time (INVITE -> 200, sipp rtd 'setup'):"
/usr/bin/python3 - "$dir" <<'P'
import glob, sys
vals = []
for f in glob.glob(sys.argv[1] + "/*_rtt.csv"):
    for line in open(f):
        p = line.strip().split(";")
        if len(p) >= 3 and p[2] == "setup":
            vals.append(float(p[1]))
vals.sort()
if vals:
    q = lambda x: vals[min(len(vals) - 1, int(x * len(vals)))]
    print("  n=%d min=%.2f p50=%.2f p90=%.2f p99=%.2f max=%.2f ms mean=%.2f"
          % (len(vals), vals[0], q(.5), q(.9), q(.99), vals[-1],
             sum(vals) / len(vals)))
else:
    print("  no rtt samples")
P

echo "sipp response time repartition (setup, ms):"
echo "$hdr" | tr ';' '\n' > "$dir/h"; echo "$last" | tr ';' '\n' > "$dir/v"
paste -d= "$dir/h" "$dir/v" | grep -E '^ResponseTimeRepartitionsetup_|^ResponseTime1\(C\)' \
  | sed 's/^/  /'
echo "sipp errors: $(cat "$dir"/*_errors.log 2>/dev/null | grep -c . || true) lines"
echo "sipp message counts (non-zero):"
/usr/bin/python3 - "$dir" <<'P'
import glob, sys
for f in glob.glob(sys.argv[1] + "/*_counts.csv"):
    rows = [l.rstrip("\n").split(";") for l in open(f) if l.strip()]
    for k, v in zip(rows[0], rows[-1]):
        if k[:1].isdigit() and v not in ("", "0"):
            print("  %s=%s" % (k, v))
P
ans_cpu=$(echo "$cpu0 $cpu1 $clk" | awk '{printf "%.2f", ($2 - $1) / $3}')
echo "answerer CPU during the run: ${ans_cpu} s (of ${elapsed} s)"
echo "answerer:"; sed 's/^/  /' "$dir/answerer.log"

res=$(grep '^result' "$dir/answerer.log" || true)
fd_start=$(echo "$res" | sed -n 's/.*fd_start=\([0-9]*\).*/\1/p')
fd_end=$(echo "$res" | sed -n 's/.*fd_end=\([0-9]*\).*/\1/p')
status=0
if [ "$limit" != 0 ]; then
  [ "$ok" = "$calls" ] && [ "$bad" = 0 ] || { echo "FAIL: not every call succeeded"; status=1; }
fi
# a socket pair open at PLAYING is closed during the first call, so the
# end is 2 below the start: it must not be above it
if [ -z "$fd_end" ] || [ "$fd_end" -gt "$fd_start" ]; then
  echo "FAIL: fd count start $fd_start, end $fd_end"; status=1
fi
if [ $status != 0 ] && [ -n "${PGSM_LOAD_KEEP:-}" ]; then
  cp -r "$dir" "$PGSM_LOAD_KEEP"; echo "logs kept in $PGSM_LOAD_KEEP"
fi
exit $status
