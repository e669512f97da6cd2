#!/usr/bin/python3
# gst-pgsm: the answering side of tests/load/run-sipp-load.sh.
#
# audiotestsrc ! pgsmsipbin auto-answer=true ! fakesink, listening on
# sips:127.0.0.1:PORT with the given certificate. Prints "ready" when the
# bin is PLAYING, then counts the pgsm-call states; on SIGTERM/SIGINT (or
# after --calls ended+failed calls) it stops the pipeline and prints one
# line "result key=value ..." with the counts, the fd count of this
# process (/proc/self/fd) and its RSS (VmRSS) at start (after the first
# PLAYING, before any call), after the calls (still PLAYING, all calls
# over) and its CPU time (user+system). PGSM_LOAD_FDS=1 lists
# the descriptors that differ between start and end; PGSM_LOAD_PROGRESS=1
# prints fd and RSS every 5 s.
#
# usage: answerer.py PORT CERT KEY [MAX_CALLS]

import os
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def fd_count():
    return len(os.listdir("/proc/self/fd"))


def fd_targets():
    out = {}
    for n in os.listdir("/proc/self/fd"):
        try:
            out[n] = os.readlink("/proc/self/fd/" + n)
        except OSError:
            pass
    return out


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    port, cert, key = sys.argv[1], sys.argv[2], sys.argv[3]
    max_calls = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    Gst.init(None)
    pipe = Gst.parse_launch(
        "audiotestsrc is-live=true wave=sine freq=1000 ! pgsmsipbin name=sip "
        "auto-answer=true media-timeout=0 max-calls=%d "
        "listen-uri=sips:127.0.0.1:%s cert-file=%s key-file=%s "
        "! fakesink sync=false async=false" % (max_calls, port, cert, key))
    loop = GLib.MainLoop()
    counts = {}
    start = {}
    failed_status = {}
    active = set()
    peak = [0]

    def on_message(bus, msg):
        t = msg.type
        if t == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s is None or s.get_name() != "pgsm-call":
                return
            state = s.get_string("state")
            call = s.get_string("call-id")
            counts[state] = counts.get(state, 0) + 1
            if state == "incoming":
                active.add(call)
                peak[0] = max(peak[0], len(active))
            elif state in ("ended", "failed"):
                active.discard(call)
                if state == "failed":
                    ok, status = s.get_uint("status")
                    failed_status[status] = failed_status.get(status, 0) + 1
        elif t == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            print("ERROR %s (%s)" % (err.message, dbg), flush=True)
            counts["error"] = counts.get("error", 0) + 1
            loop.quit()
        elif t == Gst.MessageType.WARNING:
            counts["warning"] = counts.get("warning", 0) + 1
        elif t == Gst.MessageType.STATE_CHANGED and msg.src == pipe:
            old, new, pending = msg.parse_state_changed()
            if new == Gst.State.PLAYING and not start:
                start["fd"] = fd_count()
                start["rss"] = rss_kib()
                start["fds"] = fd_targets()
                print("ready fd=%d rss_kib=%d" % (start["fd"], start["rss"]),
                      flush=True)

    bus = pipe.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)

    def on_signal():
        loop.quit()
        return GLib.SOURCE_REMOVE

    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, on_signal)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, on_signal)

    def report(tag):
        print("%s fd=%d rss_kib=%d" % (tag, fd_count(), rss_kib()), flush=True)
        return GLib.SOURCE_CONTINUE

    if os.environ.get("PGSM_LOAD_PROGRESS"):
        GLib.timeout_add_seconds(5, report, "progress")

    pipe.set_state(Gst.State.PLAYING)
    loop.run()
    end_fd, end_rss = fd_count(), rss_kib()
    if os.environ.get("PGSM_LOAD_FDS"):
        end_t = fd_targets()
        for n, t in sorted(start["fds"].items()):
            if end_t.get(n) != t:
                print("fd %s at start: %s, at end: %s" % (n, t, end_t.get(n)))
        for n, t in sorted(end_t.items()):
            if n not in start["fds"]:
                print("fd %s new at end: %s" % (n, t))
    pipe.set_state(Gst.State.NULL)
    times = os.times()
    line = ["result"]
    for k in ("incoming", "secured", "established", "ended", "failed",
              "warning", "error"):
        line.append("%s=%d" % (k, counts.get(k, 0)))
    line.append("failed_by_status=%s" % (",".join(
        "%d:%d" % kv for kv in sorted(failed_status.items())) or "-"))
    line.append("still_active=%d" % len(active))
    line.append("peak_active=%d" % peak[0])
    line.append("fd_start=%d fd_end=%d" % (start.get("fd", -1), end_fd))
    line.append("rss_start_kib=%d rss_end_kib=%d" % (start.get("rss", -1),
                                                     end_rss))
    line.append("fd_after_null=%d" % fd_count())
    line.append("cpu_s=%.2f" % (times.user + times.system))
    print(" ".join(line), flush=True)
    return 0 if counts.get("error", 0) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
