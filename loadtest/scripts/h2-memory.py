#!/usr/bin/python3
"""Memory per HTTP/2 connection: mpool, stock Undertow and nginx side by side (h2c).

usage:
  loadtest/scripts/h2-memory.py [--servers mp,reference,nginx] [--streams 1,10,100] [--held 20]
                                [--idle 1000] [--heap 1g] [--port BASE] [--out FILE]

Needs Debian's python3-h2 (run with /usr/bin/python3) and the jars of this checkout
(mvn -B -q -pl server,loadtest -am package -DskipTests). It starts each server in turn, as
idle-memory.py does (whose parts it uses: the same JVM flags -Xms = -Xmx with -XX:+AlwaysPreTouch,
one IO thread, idle timeouts of an hour, the same readings), with HTTP/2 on: mpool as it comes
(h2c by prior knowledge), stock Undertow with -Dreference.http2=true (UndertowOptions.ENABLE_HTTP2)
and nginx with `listen ... http2`. Every connection speaks h2c with prior knowledge.

Two measurements per server, each after an unmeasured warm-up of the same shape:
  streams   --held connections (default 20), each with S streams held open (S from --streams):
            a POST /echo?mode=full announcing 64 KB (content-length) that has sent 512 bytes of it and
            waits: each server reads the whole body before it answers (mpool: RequestBody, its copy
            in the stream's region; stock Undertow: receiveFullBytes, a byte[] of the announced
            length; nginx: the stream's body buffer, before a proxy_pass that is never reached).
            The figures are what the connections and their streams added, per connection.
  idle      --idle connections (default 1000), each after one GET /hello, then 3.5 s idle (past
            mpool's once-a-second idle sweep).
With --histogram, for each measurement the class histogram diff of the Java servers per connection
(as idle-memory.py --histogram: mpool's classes beside stock Undertow's).
Figures per connection: heap (retained, after a full GC), outside (RSS growth outside the pre-touched
heap; nginx: master and worker) and, for mpool, pool (arena bytes in use: pages and large blocks).
"""
import argparse
import importlib.util
import json
import os
import socket
import statistics
import sys
import tempfile
import time
import urllib.request

try:
    import h2.config
    import h2.connection
    import h2.events
except ImportError:
    raise SystemExit("h2-memory.py needs python3-h2 (Debian: apt-get install -y python3-h2; run /usr/bin/python3)")

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("idle_memory", os.path.join(HERE, "idle-memory.py"))
im = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(im)

# nginx: HTTP/2 on the plain listener (h2c by prior knowledge; nginx 1.22 has no `http2 on` directive) and
# an /echo whose body is read whole before a proxy that is never reached: the stream holds its body buffer.
im.NGINX_CONF = im.NGINX_CONF.replace("listen 127.0.0.1:%(port)d backlog=4096;",
                                      "listen 127.0.0.1:%(port)d http2 backlog=4096;")
im.NGINX_CONF = im.NGINX_CONF.replace("""        location = /hello {""", """        location = /echo {
            proxy_pass http://127.0.0.1:9;
        }
        location = /hello {""", 1)
ANNOUNCED = 65536  # the content-length of a held stream's body
SENT = 512  # what of it is sent: 100 streams of it stay within the connection window (64 KB)


class Client:
    """One h2c connection (prior knowledge) from python3-h2."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.h2 = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True,
                                                                              header_encoding="utf-8"))
        self.h2.initiate_connection()
        self.flush()

    def flush(self):
        data = self.h2.data_to_send()
        if data:
            self.sock.sendall(data)

    def request(self, method, path, extra=(), end=True):
        stream = self.h2.get_next_available_stream_id()
        self.h2.send_headers(stream, [(":method", method), (":path", path), (":scheme", "http"),
                                      (":authority", "127.0.0.1")] + list(extra), end_stream=end)
        return stream

    def hold(self, count):
        """COUNT streams, each a POST /echo?mode=full announcing ANNOUNCED bytes that has sent SENT of them."""
        for _ in range(count):
            stream = self.request("POST", "/echo?mode=full", [("content-length", str(ANNOUNCED))], end=False)
            self.h2.send_data(stream, b"x" * SENT)
        self.flush()

    def get(self, path):
        """GET PATH and read until its stream ends; its status."""
        stream = self.request("GET", path)
        self.flush()
        status = None
        while True:
            data = self.sock.recv(65536)
            if not data:
                raise SystemExit("the server closed the connection before GET %s ended" % path)
            for event in self.h2.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived) and event.stream_id == stream:
                    status = dict(event.headers).get(":status")
                elif isinstance(event, h2.events.DataReceived):
                    self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded) and event.stream_id == stream:
                    self.flush()
                    return status
                elif isinstance(event, h2.events.StreamReset) and event.stream_id == stream:
                    raise SystemExit("GET %s was reset: %s" % (path, event.error_code))
            self.flush()

    def drain(self):
        """Reads what has come (SETTINGS, echoed bytes) without waiting, and answers it."""
        self.sock.setblocking(False)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return
                for event in self.h2.receive_data(data):
                    if isinstance(event, h2.events.StreamReset):
                        raise SystemExit("a held stream was reset: %s" % event.error_code)
        except BlockingIOError:
            pass
        finally:
            self.sock.setblocking(True)
        self.flush()

    def close(self):
        im.close_all([self.sock])


def pools(admin_port):
    with urllib.request.urlopen("http://127.0.0.1:%d/admin/pools?limit=1000" % admin_port, timeout=30) as answer:
        return json.load(answer)


def live_streams(admin_port):
    """Streams with a live region over every connection, from /admin/pools."""
    return sum(c["streams"] for c in pools(admin_port)["connections"])


def reading(server):
    """(heap after a full GC, RSS, arena bytes in use or None)."""
    heap = im.heap_after_full_gc(server.process.pid)[0] if server.java else 0
    im.trim_native_heap(server)
    pool = None
    if server.admin_port:
        a = im.arena(server.admin_port)
        pool = a["pagesInUse"] * a["pageSize"] + a["largeBytesInUse"]
    return heap, im.rss_bytes(server.pids()), pool


def held(server, connections, streams):
    """CONNECTIONS h2c connections holding STREAMS streams each; returns them once the server has them all."""
    clients = [Client(server.port) for _ in range(connections)]
    for client in clients:
        client.hold(streams)
    deadline = time.time() + 60
    while server.admin_port and live_streams(server.admin_port) < connections * streams:
        if time.time() > deadline:
            raise SystemExit("%s: not every held stream arrived within 60 s" % server.name)
        time.sleep(0.1)
    time.sleep(1)  # the others: no count to wait for
    if server.admin_port and pools(server.admin_port)["totals"]["bodySpills"] > 0:
        print("  warning: mpool spilled bodies to temp files (past --body-memory-total): fewer held streams,"
              " or a larger --arena-max", flush=True)
    for client in clients:
        client.drain()
    return clients


def idle(server, connections):
    clients = []
    for _ in range(connections):
        client = Client(server.port)
        status = client.get("/hello")
        if status != "200":
            raise SystemExit("%s: GET /hello over h2c answered %s" % (server.name, status))
        clients.append(client)
    return clients


def per_connection(before, after, count):
    heap = (after[0] - before[0]) / count
    outside = (after[1] - before[1]) / count
    pool = (after[2] - before[2]) / count if before[2] is not None else None
    return {"heap": heap, "outside": outside, "total": heap + outside, "pool": pool}


def measure(server, shape, count, args):
    """One measurement of SHAPE ('idle' or a stream count) with COUNT connections, after a warm-up of the same;
    with --histogram also the class histograms before and after (None without)."""
    open_them = (lambda: idle(server, count)) if shape == "idle" else (lambda: held(server, count, shape))
    for client in open_them():  # warm-up: the same shape, unmeasured
        client.close()
    time.sleep(args.idle_wait)
    # The warm-up's connections must all be torn down before the first reading, or their going shows as
    # negative growth. mpool tears each down when its close arrives; /admin/pools is built at most once per
    # --admin-page-window (1 s), so a poll sees it up to a window later (thousands of closes take CPU too).
    deadline = time.time() + 60
    while server.admin_port and pools(server.admin_port)["totals"]["poolsLive"] > 0:
        if time.time() > deadline:
            raise SystemExit("%s: the warm-up's connections were not all torn down within 60 s" % server.name)
        time.sleep(0.5)
    histogram = args.histogram and server.java
    before_classes = im.class_histogram(server.process.pid) if histogram else None
    before = reading(server)
    clients = open_them()
    try:
        time.sleep(args.idle_wait)
        after = reading(server)
        after_classes = im.class_histogram(server.process.pid) if histogram else None
    finally:
        for client in clients:
            client.close()
    return per_connection(before, after, count), (before_classes, after_classes)


def markdown(args, argv, results):
    names = {"mp": "mpool", "reference": "stock Undertow (ENABLE_HTTP2)", "nginx": "nginx (listen ... http2)"}
    lines = ["## HTTP/2 memory per connection", "",
             "`/usr/bin/python3 loadtest/scripts/h2-memory.py %s` (h2c, python3-h2; JVMs -Xms%s -Xmx%s"
             " -XX:+AlwaysPreTouch, one IO thread; nginx one worker; medians of %d run(s))." % (
                 " ".join(argv), args.heap, args.heap, args.runs), "",
             "Bytes per connection: heap retained after a full GC + growth of the resident set outside the heap"
             " = total; pool: mpool's arena bytes in use. The arena keeps the pages the warm-up took and hands them"
             " out again, so mpool's resident set grows by less than its pool: its pool column is what its"
             " connections hold.", "",
             "| connections | server | heap | outside | total | pool |", "|---|---|---|---|---|---|"]
    for (shape, name), runs in results.items():
        label = "%d idle (one GET each)" % args.idle if shape == "idle" else "%d, %d stream(s) held each" % (
            args.held, shape)
        med = {k: statistics.median(r[k] for r in runs) if runs[0][k] is not None else None
               for k in ("heap", "outside", "total", "pool")}
        lines.append("| %s | %s | %s | %.0f | %.0f | %s |" % (
            label, names[name], "%.0f" % med["heap"] if name != "nginx" else "-", med["outside"], med["total"],
            "%.0f" % med["pool"] if med["pool"] is not None else "-"))
    lines += ["", im.versions(args, list({n for _, n in results})), ""]
    return "\n".join(lines)


def main(argv):
    parser = argparse.ArgumentParser(prog="h2-memory.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", default="mp,reference,nginx", help="default: %(default)s")
    parser.add_argument("--streams", default="1,10,100", help="streams held per connection;"
                        " '' for none, only the idle measurement (default: %(default)s)")
    parser.add_argument("--held", type=int, default=20, help="connections holding streams (default: %(default)s)")
    parser.add_argument("--idle", type=int, default=1000, help="idle h2c connections (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=1, help="fresh servers per measurement; medians (default: 1)")
    parser.add_argument("--heap", default="1g", help="-Xms and -Xmx of the JVM servers (default: %(default)s)")
    parser.add_argument("--idle-wait", type=float, default=3.5, help="seconds before a reading (default: 3.5)")
    parser.add_argument("--port", type=int, default=0, help="base port (default: a free one)")
    parser.add_argument("--java", default="java", help="default: %(default)s")
    parser.add_argument("--out", help="also write the Markdown section to this file")
    parser.add_argument("--histogram", action="store_true",
                        help="class histogram diff of the Java servers per connection, and mpool's beside stock"
                             " Undertow's (as idle-memory.py --histogram)")
    parser.add_argument("--top", type=int, default=30, help="classes shown by --histogram (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        shapes = [int(s) for s in args.streams.split(",") if s] + ["idle"]
    except ValueError:
        raise SystemExit("--streams=%s (expected: comma-separated whole numbers, e.g. 1,10,100)" % args.streams)
    servers = args.servers.split(",")
    for name in servers:
        if name not in ("mp", "reference", "nginx"):
            raise SystemExit("--servers=%s (expected: a comma-separated list of mp, reference, nginx)" % args.servers)
    # What idle-memory.py's start() reads of its arguments.
    args.java_option = ["-Dreference.http2=true"]
    args.nmt = False
    args.io_threads = 1
    args.connections = [max(args.idle, args.held)]
    args.warmup = max(args.idle, args.held)
    im.raise_fd_limit(2 * max(args.idle, args.held) + 1024)
    work = tempfile.mkdtemp(prefix="h2-memory-")
    print("h2-memory: servers %s, streams %s on %d connections, %d idle; logs in %s"
          % (",".join(servers), args.streams, args.held, args.idle, work), flush=True)
    results = {}
    for shape in shapes:
        histograms = {}
        for name in servers:
            for _ in range(args.runs):
                server = im.start(name, args, args.port or im.free_port(), work)
                try:
                    r, histogram = measure(server, shape, args.idle if shape == "idle" else args.held, args)
                finally:
                    server.stop()
                results.setdefault((shape, name), []).append(r)
                print("  %-9s %-5s heap %8.0f  outside %8.0f  total %8.0f  pool %s B/conn" % (
                    name, shape, r["heap"], r["outside"], r["total"],
                    "%.0f" % r["pool"] if r["pool"] is not None else "-"), flush=True)
                if histogram[0] is not None and name not in histograms:
                    histograms[name] = histogram
                    im.print_histogram(name, args.idle if shape == "idle" else args.held, histogram, args.top)
        if "mp" in histograms and "reference" in histograms:
            im.print_histogram_side_by_side(args.idle if shape == "idle" else args.held, histograms)
    report = markdown(args, argv, results)
    print("\n" + report, end="")
    if args.out:
        with open(args.out, "w") as out:
            out.write(report)


if __name__ == "__main__":
    main(sys.argv[1:])
