#!/bin/sh
# gst-pgsm: instructions per packet of the SRTP elements, inside and outside
# libsrtp2, counted with valgrind's callgrind (repeatable, unlike wall time).
#
# Usage: tests/benchmarks/srtp-callgrind.sh BUILD_DIR
# Environment (defaults in brackets):
#   ELEMENTS  elements to measure [pgsmsrtpenc pgsmsrtpdec srtpenc srtpdec];
#             "pgsm" and "gst" measure the whole enc+dec configuration of
#             srtp-throughput instead (see below)
#   SUITES    aes-cm and/or gcm [aes-cm gcm]
#   SIZES     RTP packet sizes in bytes [172 1200]
#   MODES     single and/or lists (lists of 32) [single lists]
#   PACKETS   packets per run [2048]
#   TAILROOM  spare bytes after each input packet [0, as payloaders make them]
#   MEMORIES  memories per input RTP packet: 1, or 2 (header, payload) as
#             the audio payloaders make them [1]
#   TOP       functions listed outside libsrtp2 per run, 0 for none [0]
#   KEEP      directory to keep the callgrind.out files in [a temporary one]
#
# For each run, srtp-throughput --callgrind pushes PACKETS packets through the
# one element, [src pad] ! ELEMENT ! [sink pad], inside bench_measured_run(),
# and callgrind collects only inside that function. Columns, per packet:
#   element/pkt  instructions outside libsrtp2 from the element's chain
#                function down: its own code, the GStreamer/GLib/libc work it
#                calls and its push to the next pad; the next element's work
#                (our sink pad's chain function) is not counted. This is the
#                figure the targets in docs/performance.md apply to.
#   push-in      the pad push that brought the packet to the element (the
#                upstream side of gst_pad_push / gst_pad_push_list).
#   release      what our sink pad's chain function costs per packet: it
#                drops the element's output (gst_buffer_unref), which frees
#                the buffer, or gives it back to the element that recycles
#                it. element/pkt + release is what a packet costs from the
#                element's chain function to the release of its output.
#   libsrtp2/pkt every call from outside libsrtp2 into it, with its crypto
#                backend (NSS on Debian) and what they call (memcpy, malloc).
#   all/pkt      everything counted, per packet.
# For "pgsm" and "gst" the run is the whole configuration that
# srtp-throughput times, [src pad] ! ENC ! DEC ! fakesink, and only all/pkt
# and libsrtp2/pkt apply (the other columns are "-"): all/pkt is
# what a packet costs from the push into the encoder to its release in
# fakesink, so the gst/pgsm ratio of all/pkt is a repeatable estimate of
# the packets/s ratio.
# With TOP > 0 the outside cost is also split by object and by function: the
# self cost of each function, less the share of its incoming calls made from
# libsrtp2 or our sink (so memcpy, malloc and free called by the crypto
# backend stay inside; an estimate for functions called from both sides),
# then the inclusive cost of each function the element calls. The columns
# are exact.
set -eu

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd)
PROG="$BUILD/tests/benchmarks/srtp-throughput"
[ -x "$PROG" ] || { echo "$PROG not built (ninja -C $BUILD)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind not installed" >&2; exit 2; }
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

ELEMENTS=${ELEMENTS:-"pgsmsrtpenc pgsmsrtpdec srtpenc srtpdec"}
SUITES=${SUITES:-"aes-cm gcm"}
SIZES=${SIZES:-"172 1200"}
MODES=${MODES:-"single lists"}
PACKETS=${PACKETS:-2048}
TAILROOM=${TAILROOM:-0}
MEMORIES=${MEMORIES:-1}
TOP=${TOP:-0}

if [ -n "${KEEP:-}" ]; then
  OUT=$KEEP
  mkdir -p "$OUT"
else
  OUT=$(mktemp -d)
  trap 'rm -rf "$OUT"' EXIT
fi

# Our plugins from the build tree, GStreamer's from the system, a private
# registry made once outside valgrind.
GST_PLUGIN_SYSTEM_PATH_1_0=
GST_PLUGIN_PATH_1_0="$BUILD:$(pkg-config --variable=pluginsdir gstreamer-1.0)"
GST_REGISTRY="$OUT/registry.bin"
export GST_PLUGIN_SYSTEM_PATH_1_0 GST_PLUGIN_PATH_1_0 GST_REGISTRY
"$PROG" --callgrind srtpenc -n 32 >/dev/null

ANALYSE="$OUT/analyse.py"
cat > "$ANALYSE" <<'EOF'
# Reads a callgrind.out file; prints figures as key=value.
import re
import sys

SRTP_OBJS = ('libsrtp2', 'libfreebl', 'libsoftokn3', 'libnss3', 'libnssutil3',
             'libnspr4', 'libplc4', 'libplds4', 'libcrypto')
SINK_FNS = ('bench_sink_chain', 'bench_sink_chain_list')
ELEMENT_OBJS = ('libgstpgsmsrtp', 'libgstsrtp.so')


def in_srtp(ob):
    return any(s in ob for s in SRTP_OBJS)


def parse(path):
    names = {'ob': {}, 'fl': {}, 'fn': {}}
    kinds = {'ob': 'ob', 'cob': 'ob', 'fl': 'fl', 'fi': 'fl', 'fe': 'fl',
             'cfi': 'fl', 'cfl': 'fl', 'fn': 'fn', 'cfn': 'fn'}
    selfc = {}
    calls = []          # (caller ob, caller fn, callee ob, callee fn, cost)
    ob = fn = '?'
    cob = cfn = None
    in_call = False
    total = None
    for line in open(path, errors='replace'):
        line = line.rstrip('\n')
        if not line:
            continue
        c = line[0]
        if c.isdigit() or c in '+-*':
            parts = line.split()
            cost = int(parts[1]) if len(parts) > 1 else 0
            if in_call:
                calls.append((ob, fn, cob if cob else ob, cfn, cost))
                in_call = False
                cob = None
            else:
                selfc[(ob, fn)] = selfc.get((ob, fn), 0) + cost
            continue
        key, _, val = line.partition('=')
        if key in kinds:
            m = re.match(r'\((\d+)\)(?:\s(.*))?$', val)
            if m:
                table = names[kinds[key]]
                if m.group(2) is not None:
                    table[m.group(1)] = m.group(2)
                val = table.get(m.group(1), '?')
            if key == 'ob':
                ob = val
            elif key == 'fn':
                fn = val
            elif key == 'cob':
                cob = val
            elif key == 'cfn':
                cfn = val
        elif key == 'calls':
            in_call = True
        elif line.startswith('summary:') or line.startswith('totals:'):
            total = int(line.split()[1])
    if total is None:
        total = sum(selfc.values())
    return total, selfc, calls


def context_share(calls, inside):
    # For each function, the share of its cost spent on behalf of callers
    # for which inside() is true, directly or through other functions:
    # propagated along the call graph, split by inclusive call cost.
    incoming = {}
    for cob, cfn, ob, fn, cost in calls:
        incoming.setdefault((ob, fn), []).append(((cob, cfn), cost))
    frac = {}
    for _ in range(30):
        for f, ins in incoming.items():
            if inside(f):
                frac[f] = 1.0
                continue
            tot = sum(c for _, c in ins)
            if tot:
                frac[f] = sum(c * (1.0 if inside(g) else frac.get(g, 0.0))
                              for g, c in ins) / tot
    return frac


def is_elem(ob):
    return any(s in ob for s in ELEMENT_OBJS)


def short(ob):
    return ob.rsplit('/', 1)[-1]


def main():
    path, packets, top = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    total, selfc, calls = parse(path)
    srtp = sum(x[4] for x in calls if in_srtp(x[2]) and not in_srtp(x[0]))
    sink = sum(x[4] for x in calls if x[3] in SINK_FNS)
    # From the element's chain function down: calls into the element's
    # object, less libsrtp2 and our sink below them. The rest of the outside
    # cost is the pad push that brought the packet to the element.
    # only the outermost entries: not the element's callbacks called back
    # from GStreamer inside its own chain function (gst_buffer_list_foreach)
    ctx = context_share(calls, lambda f: is_elem(f[0]))
    into = sum(x[4] * (1.0 - ctx.get((x[0], x[1]), 0.0)) for x in calls
               if is_elem(x[2]) and not is_elem(x[0]))
    srtp_in_elem = sum(x[4] for x in calls if is_elem(x[0]) and in_srtp(x[2]))
    elem = into - srtp_in_elem - sink
    print('total=%d' % total)
    print('srtp_per_packet=%.0f' % (srtp / packets))
    print('outside_per_packet=%.0f' % ((total - srtp - sink) / packets))
    print('element_per_packet=%.0f' % (elem / packets))
    print('push_in_per_packet=%.0f' % ((total - srtp - sink - elem) / packets))
    print('sink_per_packet=%.0f' % (sink / packets))
    if not top:
        return
    # Self cost of each function outside libsrtp2, without the share it
    # spends for libsrtp2 or our sink (memcpy, malloc, free called from
    # there), split by the inclusive cost of its incoming calls.
    def excluded(f):
        return in_srtp(f[0]) or f[1] in SINK_FNS
    frac = context_share(calls, excluded)
    own = {f: c * (1.0 - frac.get(f, 1.0 if excluded(f) else 0.0))
           for f, c in selfc.items()
           if not excluded(f)}
    print('attributed_per_packet=%.0f' % (sum(own.values()) / packets))
    objs = {}
    for (ob, fn), c in own.items():
        objs[short(ob)] = objs.get(short(ob), 0) + c
    for ob, c in sorted(objs.items(), key=lambda kv: -kv[1]):
        if c / packets >= 1:
            print('obj=%8.0f  %s' % (c / packets, ob))
    for (ob, fn), c in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        print('top=%8.0f  %s  %s' % (c / packets, short(ob), fn))
    # The element's own view: its self cost, and the inclusive cost of each
    # function it calls outside libsrtp2 (our sink's cost taken out of its
    # pad push); the rest is the pad push that brought the packet in.
    elem_self = sum(c for (ob, fn), c in selfc.items() if is_elem(ob))
    callees = {}
    for cob, cfn, ob, fn, cost in calls:
        if is_elem(cob) and not is_elem(ob) and not in_srtp(ob):
            callees[fn] = callees.get(fn, 0) + cost
    for fn in callees:
        if fn.startswith('gst_pad_push'):
            callees[fn] -= sink
    print('element_self_per_packet=%.0f' % (elem_self / packets))
    callbacks = {x[1] for x in calls if is_elem(x[2]) and not is_elem(x[0])}
    for fn, c in sorted(callees.items(), key=lambda kv: -kv[1])[:top]:
        if c / packets >= 1:
            print('callee=%8.0f  %s%s' % (c / packets, fn,
                  ' (calls the element back: libsrtp2 included)'
                  if fn in callbacks else ''))


main()
EOF

printf '%-12s %-7s %5s %-7s %12s %10s %8s %12s %10s\n' element suite bytes \
  mode "element/pkt" "push-in" "release" "libsrtp2/pkt" "all/pkt"
for e in $ELEMENTS; do
  for suite in $SUITES; do
    for size in $SIZES; do
      for mode in $MODES; do
        listarg=
        pair=no
        case $e in pgsm|gst) pair=yes ;; esac
        if [ "$mode" = lists ]; then
          listarg=--lists
          if [ "$e" = srtpdec ]; then
            continue            # crashes on shared buffers in 1.22
          fi
        fi
        base="$OUT/$e-$suite-$size-$mode"
        if ! valgrind --tool=callgrind --collect-atstart=no \
            --toggle-collect=bench_measured_run \
            --callgrind-out-file="$base.out" \
            "$PROG" --callgrind "$e" --suites "$suite" --sizes "$size" \
            -n "$PACKETS" --tailroom "$TAILROOM" --memories "$MEMORIES" $listarg >"$base.log" 2>&1; then
          printf '%-12s %-7s %5s %-7s  failed, see %s\n' "$e" "$suite" \
            "$size" "$mode" "$base.log"
          continue
        fi
        "$PY" "$ANALYSE" "$base.out" "$PACKETS" 0 >"$base.txt"
        elem=$(sed -n 's/^element_per_packet=//p' "$base.txt")
        pushin=$(sed -n 's/^push_in_per_packet=//p' "$base.txt")
        srtp=$(sed -n 's/^srtp_per_packet=//p' "$base.txt")
        release=$(sed -n 's/^sink_per_packet=//p' "$base.txt")
        all=$(( $(sed -n 's/^total=//p' "$base.txt") / PACKETS ))
        if [ $pair = yes ]; then
          elem=-
          pushin=-
          release=-
        fi
        printf '%-12s %-7s %5s %-7s %12s %10s %8s %12s %10s\n' "$e" "$suite" \
          "$size" "$mode" "$elem" "$pushin" "$release" "$srtp" "$all"

        if [ "$TOP" -gt 0 ] && [ $pair = no ]; then
          "$PY" "$ANALYSE" "$base.out" "$PACKETS" "$TOP" >"$base.top.txt"
          echo "    outside libsrtp2 by object (instructions/packet):"
          sed -n 's/^obj=/    /p' "$base.top.txt"
          echo "    top functions outside libsrtp2 (self instructions/packet):"
          sed -n 's/^top=/    /p' "$base.top.txt"
          echo "    the element's own code (self):" \
            "$(sed -n 's/^element_self_per_packet=//p' "$base.top.txt")/packet"
          echo "    functions the element calls (inclusive instructions/packet):"
          sed -n 's/^callee=/    /p' "$base.top.txt"
        fi
      done
    done
  done
done
