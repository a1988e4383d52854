#!/usr/bin/env python3
"""Memory per idle keep-alive connection: mpool, stock Undertow and nginx side by side.

usage:
  loadtest/scripts/idle-memory.py [--connections 1000,10000] [--runs 2] [--servers mp,reference,nginx]
                                  [--heap 1g] [--io-threads 1] [--histogram] [--port BASE] [--out FILE] [--tls] [...]
  loadtest/scripts/idle-memory.py PORT ADMIN_PORT [CONNECTIONS] [--token TOKEN]

The first form starts each server in turn on loopback, from the jars of this checkout (build them
with `mvn -B -q -pl server,loadtest -am package -DskipTests`):
  mp         java -Xms1g -Xmx1g -XX:+AlwaysPreTouch -jar server/target/mpool-server.jar --pool mp --io-threads 1
             --idle-timeout 3600s (nginx gets keepalive_timeout 3600s: no idle connection closed mid-run)
  reference  stock Undertow as a user writes it (io.mpool.loadtest.reference.ReferenceServer), 1 IO thread,
             same JVM flags, -Dreference.idleTimeoutMillis=3600000 (Undertow's NO_REQUEST_TIMEOUT, 60 s by default)
  nginx      /usr/sbin/nginx (Debian: apt-get install -y nginx-light), one worker, a config of its own
             in a temp dir answering /hello with `return 200 "hello\\n"`
For each server, N and run (a fresh server process per run) it warms the server up in two steps:
10,000 connections (--churn) that send one GET /hello each and close, 100 at a time (the JIT compiles a
connection's life; no pool grows beyond 100 connections), then W connections (default N / 2) that
send one GET /hello each and stay open (the pools of a connection's life grow, so the measured
connections add to a server that already holds connections; --warmup). Then it reads the figures below,
opens N more keep-alive connections that send one GET /hello each and read the answer, waits
3.5 s (past mpool's once-a-second idle sweep) and reads them again, with all connections still
open. The figures are what the N connections added:
  heap      retained Java heap: `jcmd PID GC.run`, then the used figure of `jcmd PID GC.heap_info`;
  outside   growth of the resident set (VmRSS in /proc/PID/status; for nginx the sum over its master
            and worker). The JVMs pre-touch a heap of fixed size (-Xms = -Xmx, -XX:+AlwaysPreTouch),
            so heap growth adds nothing to RSS and the RSS growth is all memory outside the heap:
            direct memory (mpool's arena), metaspace, code cache, malloc'd native memory. Before
            each reading `jcmd PID System.trim_native_heap` hands the C heap's free memory back;
  total     heap + outside.
With --tls every connection (warm-up, churn and measured) is HTTPS: TLS 1.3 with a P-256
certificate made by openssl for the run, the same for all three: mpool's --tls-port, stock
Undertow's addHttpsListener (ReferenceServer with -Dreference.tls.*) and nginx's `listen ... ssl`.
The client is Python's ssl module (OpenSSL); the mp figure is after the idle sweep, which gives
back a TLS connection's packet buffers as it gives back its other buffers.
Figures are bytes per connection, medians over the runs, printed as a Markdown section (with
--out also written to a file, which Compare --include puts into its report). The socket buffers the kernel holds for
each connection are in none of them (the same for every server). For mp it also prints the
arena's pages and large blocks in use (/admin/pools). --histogram adds, for the Java servers, the
top classes of a `jcmd PID GC.class_histogram` diff (before / after, per connection: where the
heap per connection goes), and with both mp and reference a table of every class either holds per
connection, mpool's bytes beside stock Undertow's; --nmt runs the JVMs with Native Memory Tracking and shows which of its
categories grew (where the memory outside the heap goes). The JVMs' outside-heap figure moves by
a megabyte or two between runs (the JIT compiler still at work, the C heap's fragmentation): at
1,000 connections that is 1-2 KB per connection, at 10,000 a tenth of it. The script raises its
file descriptor limit (inherited by the servers) to the hard limit.

The second form is the arena check against a running mpool: it opens CONNECTIONS (default 1000)
keep-alive connections, sends one GET /hello on each and reads its answer, then prints the arena's
pages and large blocks in use (from /admin/pools) right away and again 3.5 s later, after the
once-a-second idle sweep has seen the connections idle. The connections stay open until both
figures are printed.
"""
import argparse
import json
import os
import re
import resource
import select
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import ssl
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REQUEST = b"GET /hello HTTP/1.1\r\nHost: idle-memory\r\n\r\n"
BATCH = 100  # connections connected and asked at once, then read: opening 10,000 takes seconds
SERVER_NAMES = {"mp": "mpool (--pool mp)", "reference": "stock Undertow", "nginx": "nginx"}
# With --tls: the client context (trusting the run's certificate) and the files; None for plain HTTP.
TLS_CLIENT = None
TLS_FILES = None
# How long an idle keep-alive connection may stay open, for nginx (keepalive_timeout) and mpool (--idle-timeout):
# far longer than opening the connections takes (10,000 TLS handshakes from this script take over a minute on a
# busy two-core host, past mpool's and stock Undertow's default of 60 s).
IDLE_TIMEOUT = "3600s"
IDLE_TIMEOUT_MILLIS = 3600 * 1000  # the same for stock Undertow (ReferenceServer -Dreference.idleTimeoutMillis)
# The HTTPS listener of a server started on PORT listens on PORT + TLS_PORT_OFFSET (PORT + 1: admin).
TLS_PORT_OFFSET = 2

NGINX_CONF = """worker_processes 1;
worker_rlimit_nofile %(fds)d;
daemon off;
error_log stderr warn;
pid nginx.pid;
events {
    worker_connections %(connections)d;
}
http {
    access_log off;
    keepalive_timeout %(idle_timeout)s;
    keepalive_requests 10000000;
    client_body_temp_path body;
    proxy_temp_path proxy;
    fastcgi_temp_path fastcgi;
    uwsgi_temp_path uwsgi;
    scgi_temp_path scgi;
    server {
        listen 127.0.0.1:%(port)d backlog=4096;
        location = /hello {
            default_type text/plain;
            return 200 "hello\\n";
        }
    }
%(tls_server)s}
"""

NGINX_TLS_SERVER = """    server {
        listen 127.0.0.1:%(tls_port)d ssl backlog=4096;
        ssl_certificate %(cert)s;
        ssl_certificate_key %(key)s;
        ssl_protocols TLSv1.2 TLSv1.3;
        location = /hello {
            default_type text/plain;
            return 200 "hello\\n";
        }
    }
"""


# ---------------------------------------------------------------- connections

def open_connections(port, count):
    """COUNT keep-alive connections, each having sent one GET /hello and read its whole answer."""
    connections = []
    while len(connections) < count:
        batch = []
        for _ in range(min(BATCH, count - len(connections))):
            s = socket.create_connection(("127.0.0.1", port))
            if TLS_CLIENT is not None:
                s = TLS_CLIENT.wrap_socket(s, server_hostname="localhost")
            s.sendall(REQUEST)
            batch.append(s)
        for s in batch:
            read_answer(s)
        connections.extend(batch)
    return connections


def read_answer(s):
    received = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("connection closed before its answer: %r" % received)
        received += chunk
        head, sep, body = received.partition(b"\r\n\r\n")
        if sep:
            if not head.startswith(b"HTTP/1.1 200"):
                raise SystemExit("GET /hello answered %r (expected: HTTP/1.1 200)" % head.split(b"\r\n")[0])
            length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            if length and len(body) >= int(length.group(1)):
                return
            if not length and body.endswith(b"hello\n"):
                return


def churn(port, count):
    """COUNT connections that send one GET /hello each and close, BATCH at a time: they run a
    connection's whole life often enough for the JIT to compile it, growing no pool beyond BATCH."""
    done = 0
    while done < count:
        batch = open_connections(port, min(BATCH, count - done))
        for s in batch:
            s.close()
        done += len(batch)


def still_open(connections):
    """How many connections the server has not closed (a closed one polls readable: end of stream)."""
    poller = select.poll()
    for s in connections:
        poller.register(s, select.POLLIN)
    return len(connections) - len(poller.poll(0))


def close_all(connections):
    """Closes with a reset (SO_LINGER 0), leaving no TIME_WAIT behind for the next run's ports."""
    for s in connections:
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        s.close()


# ---------------------------------------------------------------- readings

def arena(admin_port, token=None):
    """The arena figures of /admin/pools (one connection row only: the answer stays small)."""
    request = urllib.request.Request("http://127.0.0.1:%d/admin/pools?limit=1" % admin_port)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)["arena"]


def arena_text(a):
    held = a["pagesInUse"] * a["pageSize"] + a["largeBytesInUse"]
    return "pagesInUse=%d largeBlocksInUse=%d held=%.1f MB" % (a["pagesInUse"], a["largeBlocksInUse"], held / 1e6)


def jcmd(pid, *command):
    return subprocess.run(["jcmd", str(pid)] + list(command), check=True, capture_output=True, text=True,
                          timeout=120).stdout


def heap_after_full_gc(pid):
    """(used, total, collector) of the heap after a full GC, in bytes."""
    jcmd(pid, "GC.run")
    info = jcmd(pid, "GC.heap_info")
    spaces = re.findall(r"^\s*(.*?)\s+total\s+(\d+)K,\s+used\s+(\d+)K", info, re.M)
    if not spaces:
        raise SystemExit("cannot read GC.heap_info of %d:\n%s" % (pid, info))
    used = sum(int(s[2]) for s in spaces) * 1024
    total = sum(int(s[1]) for s in spaces) * 1024
    return used, total, spaces[0][0]


def trim_native_heap(server):
    """Gives the C heap's free memory back to the system before an RSS reading (glibc keeps what the
    JIT compiler and the GC freed and returns it in its own time, moving RSS by megabytes)."""
    if server.java:
        jcmd(server.process.pid, "System.trim_native_heap")


def class_histogram(pid):
    """{class name: (instances, bytes)} of the live heap (the histogram runs a full GC first)."""
    classes = {}
    for line in jcmd(pid, "GC.class_histogram").splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[0].endswith(":"):
            classes[fields[3]] = (int(fields[1]), int(fields[2]))
    return classes


def rss_bytes(pids):
    total = 0
    for pid in pids:
        with open("/proc/%d/status" % pid) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def open_fds(pids):
    return sum(len(os.listdir("/proc/%d/fd" % pid)) for pid in pids)


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


# ---------------------------------------------------------------- servers

class Server:
    """One server process under measurement (a fresh one per run)."""

    def __init__(self, name, command, port, admin_port, work):
        self.name, self.command, self.port, self.admin_port = name, command, port, admin_port
        # Where the measured connections go: the HTTPS listener with --tls.
        self.connect_port = port + TLS_PORT_OFFSET if TLS_CLIENT is not None else port
        self.log_path = os.path.join(work, "%s.log" % name)
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while True:
            if self.process.poll() is not None:
                raise SystemExit("%s exited with %d: see %s" % (name, self.process.returncode, self.log_path))
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                if admin_port:
                    arena(admin_port)
                break
            except OSError:
                if time.time() > deadline:
                    self.stop()
                    raise SystemExit("%s did not listen on %d within 60 s: see %s" % (name, port, self.log_path))
                time.sleep(0.2)

    @property
    def java(self):
        return self.name != "nginx"

    def pids(self):
        """The process and, for nginx, its workers."""
        return [self.process.pid] + (children(self.process.pid) if not self.java else [])

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM if self.java else signal.SIGQUIT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def start(name, args, port, work):
    java_flags = ["-Xms" + args.heap, "-Xmx" + args.heap, "-XX:+AlwaysPreTouch"] + args.java_option
    if args.nmt:
        java_flags.append("-XX:NativeMemoryTracking=summary")
    if name == "mp":
        jar = os.path.join(ROOT, "server/target/mpool-server.jar")
        require(jar)
        tls = ["--tls-port", str(port + TLS_PORT_OFFSET), "--tls-cert", TLS_FILES[0], "--tls-key", TLS_FILES[1]] \
            if TLS_FILES else []
        return Server(name, [args.java] + java_flags + ["-jar", jar, "--host", "127.0.0.1", "--port", str(port),
                                                        "--admin-port", str(port + 1), "--pool", "mp",
                                                        "--io-threads", str(args.io_threads),
                                                        "--idle-timeout", IDLE_TIMEOUT] + tls,
                      port, port + 1, work)
    if name == "reference":
        jar = os.path.join(ROOT, "loadtest/target/mpool-loadtest.jar")
        require(jar)
        tls = ["-Dreference.tls.port=%d" % (port + TLS_PORT_OFFSET), "-Dreference.tls.cert=" + TLS_FILES[0],
               "-Dreference.tls.key=" + TLS_FILES[1]] if TLS_FILES else []
        tls.append("-Dreference.idleTimeoutMillis=%d" % IDLE_TIMEOUT_MILLIS)
        return Server(name, [args.java] + java_flags + tls + ["-cp", jar, "io.mpool.loadtest.reference.ReferenceServer",
                                                              str(port), str(args.io_threads)],
                      port, None, work)
    if name == "nginx":
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.access(nginx, os.X_OK):
            raise SystemExit("nginx is not installed (Debian: apt-get install -y nginx-light)")
        prefix = os.path.join(work, "nginx")
        os.makedirs(prefix, exist_ok=True)
        most = max(n + warmup_count(args, n) for n in args.connections) + 1024
        with open(os.path.join(prefix, "nginx.conf"), "w") as conf:
            tls_server = NGINX_TLS_SERVER % {"tls_port": port + TLS_PORT_OFFSET, "cert": TLS_FILES[0],
                                             "key": TLS_FILES[1]} if TLS_FILES else ""
            conf.write(NGINX_CONF % {"port": port, "connections": most, "tls_server": tls_server,
                                     "idle_timeout": IDLE_TIMEOUT,
                                     "fds": resource.getrlimit(resource.RLIMIT_NOFILE)[0]})
        return Server(name, [nginx, "-p", prefix, "-c", os.path.join(prefix, "nginx.conf")], port, None, work)
    raise AssertionError(name)


def require(jar):
    if not os.path.exists(jar):
        raise SystemExit("%s is missing (expected: built with mvn -B -q -pl server,loadtest -am package"
                         " -DskipTests)" % jar)


# ---------------------------------------------------------------- one run

def warmup_count(args, count):
    return count // 2 if args.warmup is None else args.warmup


def measure(server, count, args, histogram):
    """One run: warm up, read, open COUNT idle connections, read again. Returns the figures."""
    pid = server.process.pid
    churn(server.connect_port, args.churn)
    warmup = open_connections(server.connect_port, warmup_count(args, count))
    time.sleep(args.idle_wait)  # the same wait as before the second reading
    before_classes = class_histogram(pid) if histogram and server.java else None
    arena_before = arena(server.admin_port) if server.admin_port else None
    heap_before, total_before, collector = heap_after_full_gc(pid) if server.java else (0, 0, None)
    if args.nmt and server.java:
        jcmd(pid, "VM.native_memory", "baseline")
    trim_native_heap(server)
    pids = server.pids()
    rss_before, fds_before = rss_bytes(pids), open_fds(pids)

    opened = time.time()
    connections = open_connections(server.connect_port, count)
    open_seconds = time.time() - opened
    try:
        arena_right_after = arena(server.admin_port) if server.admin_port else None
        time.sleep(args.idle_wait)
        arena_after = arena(server.admin_port) if server.admin_port else None
        heap_after, total_after, _ = heap_after_full_gc(pid) if server.java else (0, 0, None)
        trim_native_heap(server)
        pids = server.pids()
        rss_after, fds_after = rss_bytes(pids), open_fds(pids)
        native = jcmd(pid, "VM.native_memory", "summary.diff") if args.nmt and server.java else None
        after_classes = class_histogram(pid) if before_classes is not None else None
        alive = still_open(warmup + connections)
    finally:
        close_all(warmup + connections)
    if alive != len(warmup) + count:
        print("  warning: the server closed %d of the %d connections during the measurement"
              % (len(warmup) + count - alive, len(warmup) + count), flush=True)
    if total_after != total_before:
        print("  warning: the heap's committed size moved (%d -> %d bytes): not a pre-touched fixed heap"
              % (total_before, total_after), flush=True)
    return {
        "heap": (heap_after - heap_before) / count if server.java else None,
        "outside": (rss_after - rss_before) / count,
        "rss_before": rss_before, "heap_before": heap_before, "collector": collector,
        "fds": fds_after - fds_before, "warmup": len(warmup), "open_seconds": open_seconds,
        "arena": (arena_before, arena_right_after, arena_after),
        "histogram": (before_classes, after_classes), "native": native,
    }


def print_run(name, count, run, r, idle_wait):
    heap = "%8.0f" % r["heap"] if r["heap"] is not None else "       -"
    print("  %-9s N=%-6d run %d: heap %s B/conn  outside heap %8.0f B/conn  (after %d warm-up connections:"
          " RSS %.1f MB, heap used %.1f MB; +%d server fds, opened in %.1f s)"
          % (name, count, run, heap, r["outside"], r["warmup"], r["rss_before"] / 1e6, r["heap_before"] / 1e6,
             r["fds"], r["open_seconds"]), flush=True)
    before, right_after, after = r["arena"]
    if before:
        print("      arena after the warm-up: %s" % arena_text(before))
        print("      right after the N:       %s" % arena_text(right_after))
        print("      %.1f s later:             %s" % (idle_wait, arena_text(after)), flush=True)


def print_native(name, count, diff):
    """The committed growth per Native Memory Tracking category, per connection."""
    print("\n  %s, N=%d: native memory tracking, committed growth per connection" % (name, count))
    for category, delta in re.findall(r"^-\s+(.+?) \(reserved=.*?committed=\d+KB ([+-]\d+)KB", diff, re.M):
        print("  %10.1f  %s" % (int(delta) * 1024 / count, category))
    total = re.search(r"^Total: reserved=.*?committed=\d+KB ([+-]\d+)KB", diff, re.M)
    if total:
        print("  %10.1f  (total)" % (int(total.group(1)) * 1024 / count), flush=True)


def histogram_rows(histogram):
    """[(bytes, instances, class)] that the N connections added, largest first."""
    before, after = histogram
    rows = []
    for cls in set(before) | set(after):
        b, a = before.get(cls, (0, 0)), after.get(cls, (0, 0))
        rows.append((a[1] - b[1], a[0] - b[0], cls))
    rows.sort(reverse=True)
    return rows


def print_histogram_side_by_side(count, histograms, least=8.0):
    """Every class either Java server holds per connection (at least LEAST bytes in one of them),
    mpool's beside stock Undertow's: where the two differ, class by class."""
    mine, theirs = ({cls: (b / count, i / count) for b, i, cls in histogram_rows(histograms[name])}
                    for name in ("mp", "reference"))
    classes = sorted((cls for cls in set(mine) | set(theirs)
                      if max(abs(mine.get(cls, (0, 0))[0]), abs(theirs.get(cls, (0, 0))[0])) >= least),
                     key=lambda cls: (-mine.get(cls, (0, 0))[0], -theirs.get(cls, (0, 0))[0], cls))
    print("\n  N=%d: class histogram after - before, per connection, mpool beside stock Undertow"
          " (classes of at least %.0f B/conn in either)" % (count, least))
    print("  %10s %9s %10s %9s %10s  %s" % ("mp B", "mp inst", "stock B", "st inst", "mp-stock", "class"))
    for cls in classes:
        (mb, mi), (sb, si) = mine.get(cls, (0, 0)), theirs.get(cls, (0, 0))
        print("  %10.1f %9.2f %10.1f %9.2f %10.1f  %s" % (mb, mi, sb, si, mb - sb, cls))
    rest = [(mine.get(c, (0, 0))[0], theirs.get(c, (0, 0))[0]) for c in set(mine) | set(theirs) if c not in classes]
    print("  %10.1f %9s %10.1f %9s %10.1f  (the other classes)" % (sum(m for m, _ in rest), "", sum(t for _, t in rest),
                                                                  "", sum(m - t for m, t in rest)))
    total_mine, total_theirs = sum(b for b, _ in mine.values()), sum(b for b, _ in theirs.values())
    print("  %10.1f %9s %10.1f %9s %10.1f  (all classes)" % (total_mine, "", total_theirs, "",
                                                            total_mine - total_theirs), flush=True)


def print_histogram(name, count, histogram, top):
    rows = histogram_rows(histogram)
    print("\n  %s, N=%d: class histogram after - before, per connection (top %d by bytes)" % (name, count, top))
    print("  %10s %10s  %s" % ("B/conn", "inst/conn", "class"))
    for delta_bytes, delta_instances, cls in rows[:top]:
        print("  %10.1f %10.2f  %s" % (delta_bytes / count, delta_instances / count, cls))
    print("  %10.1f %10.2f  (all classes)" % (sum(r[0] for r in rows) / count, sum(r[1] for r in rows) / count),
          flush=True)



# ---------------------------------------------------------------- main

def raise_fd_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, needed))
            return
        except (ValueError, OSError):
            raise SystemExit("file descriptor limit %d is below the %d this needs (expected: ulimit -Hn >= %d)"
                             % (hard, needed, needed))
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def compare(argv):
    parser = argparse.ArgumentParser(
        prog="idle-memory.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="%(prog)s [options]   (or: %(prog)s PORT ADMIN_PORT [CONNECTIONS] [--token TOKEN])")
    parser.add_argument("--connections", default="1000,10000",
                        help="comma-separated connection counts (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=2, help="runs per server and count, each on a fresh server;"
                                                            " figures are medians (default: %(default)s)")
    parser.add_argument("--servers", default="mp,reference,nginx", help="default: %(default)s")
    parser.add_argument("--heap", default="1g", help="-Xms and -Xmx of the JVM servers (default: %(default)s)")
    parser.add_argument("--io-threads", type=int, default=1, help="of both Java servers (default: %(default)s)")
    parser.add_argument("--churn", type=int, default=10000,
                        help="warm-up connections opened, asked once and closed, %d at a time, before the warm-up"
                             " connections (default: %%(default)s)" % BATCH)
    parser.add_argument("--warmup", type=int,
                        help="warm-up connections (one request each, kept open) before the first reading"
                             " (default: half the measured ones)")
    parser.add_argument("--idle-wait", type=float, default=3.5,
                        help="seconds between the last answer and the reading (default: %(default)s)")
    parser.add_argument("--histogram", action="store_true",
                        help="class histogram diff of the Java servers (first run of each count)")
    parser.add_argument("--nmt", action="store_true",
                        help="run the JVMs with -XX:NativeMemoryTracking=summary and show what grew outside the heap")
    parser.add_argument("--java-option", action="append", default=[],
                        help="one more JVM flag for both Java servers (repeatable)")
    parser.add_argument("--top", type=int, default=30, help="classes shown by --histogram (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0,
                        help="base port: a server listens on it, mpool's admin on the next (default: a free one)")
    parser.add_argument("--java", default="java", help="default: %(default)s")
    parser.add_argument("--out", help="also write the Markdown section (how it was made, the table, ratios to stock"
                                      " Undertow and nginx) to this file, e.g. for Compare --include")
    parser.add_argument("--tls", action="store_true",
                        help="every connection over HTTPS (TLS 1.3, a P-256 certificate made with openssl)")
    args = parser.parse_args(argv)
    try:
        args.connections = [int(n) for n in args.connections.split(",")]
    except ValueError:
        raise SystemExit("--connections=%s (expected: comma-separated whole numbers, e.g. 1000,10000)"
                         % args.connections)
    for option, value, least in (("--connections", min(args.connections), 1), ("--runs", args.runs, 1),
                                 ("--warmup", args.warmup or 0, 0), ("--churn", args.churn, 0)):
        if value < least:
            raise SystemExit("%s=%d (expected: at least %d)" % (option, value, least))
    servers = args.servers.split(",")
    for name in servers:
        if name not in SERVER_NAMES:
            raise SystemExit("--servers=%s (expected: a comma-separated list of mp, reference, nginx)" % args.servers)
    most = max(n + warmup_count(args, n) for n in args.connections)
    raise_fd_limit(most + 1024)

    work = tempfile.mkdtemp(prefix="idle-memory-")
    if args.tls:
        use_tls(work)
    print("idle-memory: N = %s, %d run(s), servers %s; JVMs: -Xms%s -Xmx%s -XX:+AlwaysPreTouch, %d IO thread(s);"
          " wait after the last answer %.1f s; fd limit %d; logs in %s"
          % (args.connections, args.runs, ",".join(servers), args.heap, args.heap, args.io_threads, args.idle_wait,
             resource.getrlimit(resource.RLIMIT_NOFILE)[0], work), flush=True)
    print(versions(args, servers), flush=True)
    results = {}
    collectors = {}
    histograms = {}  # {N: {server: (before, after)}} of the first run
    for name in servers:
        for count in args.connections:
            for run in range(1, args.runs + 1):
                port = args.port or free_port()
                server = start(name, args, port, work)
                try:
                    r = measure(server, count, args, args.histogram and run == 1)
                finally:
                    server.stop()
                results.setdefault((name, count), []).append(r)
                collectors[name] = r["collector"]
                print_run(name, count, run, r, args.idle_wait)
                if r["native"]:
                    print_native(name, count, r["native"])
                if r["histogram"][0] is not None:
                    print_histogram(name, count, r["histogram"], args.top)
                    histograms.setdefault(count, {})[name] = r["histogram"]
    for count, by_server in histograms.items():
        if "mp" in by_server and "reference" in by_server:
            print_histogram_side_by_side(count, by_server)

    report = markdown(args, argv, results, collectors)
    print("\n" + report, end="")
    if args.out:
        with open(args.out, "w") as out:
            out.write(report)
        print("\nwritten to %s (for Compare --include %s)" % (args.out, args.out), flush=True)
    shutil.rmtree(work, ignore_errors=True)


def medians(runs):
    """(heap or None, outside, total) per connection, medians over the runs."""
    outside = statistics.median(r["outside"] for r in runs)
    if runs[0]["heap"] is None:
        return None, outside, outside
    heap = statistics.median(r["heap"] for r in runs)
    return heap, outside, heap + outside


def markdown(args, argv, results, collectors):
    """The section a report includes: how it was made, the table, each server against stock Undertow."""
    lines = ["## Memory per idle keep-alive %sconnection" % ("TLS 1.3 " if args.tls else ""), "",
             "Made by `loadtest/scripts/idle-memory.py %s` on %s: each server in turn on loopback, a fresh process"
             " per run, warmed up (%d connections asked once and closed, then %s kept open),"
             " then N keep-alive connections that sent one GET /hello each and stay open; read %.1f s after the last"
             " answer (past mpool's once-a-second idle sweep). Heap: retained Java heap after a full GC (`jcmd"
             " GC.run`, `GC.heap_info`); outside: growth of the resident set of a process whose heap is pre-touched"
             " and fixed (`-Xms%s -Xmx%s -XX:+AlwaysPreTouch`), so it is all memory outside the heap (nginx: master"
             " and worker). Per connection, medians of %d run(s); the kernel's socket buffers are in none of them."
             % (" ".join(argv) if argv else "", time.strftime("%Y-%m-%d"), args.churn,
                "half the measured number" if args.warmup is None else "%d" % args.warmup, args.idle_wait, args.heap,
                args.heap, args.runs), "",
             "| server | N | heap B/conn | outside-heap B/conn | total B/conn | total / stock Undertow's |"
             " total / nginx's | arena held after the idle sweep |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for (name, count), runs in results.items():
        heap, outside, total = medians(runs)
        ratios = []
        for other in ("reference", "nginx"):
            theirs = results.get((other, count))
            theirs_total = medians(theirs)[2] if theirs else None
            ratios.append("%.2f" % (total / theirs_total) if theirs_total and theirs_total > 0 else "-")
        held = "-"
        if runs[0]["arena"][2]:
            held = "%d B" % statistics.median(a["pagesInUse"] * a["pageSize"] + a["largeBytesInUse"]
                                               for a in (r["arena"][2] for r in runs))
        lines.append("| %s | %d | %s | %.0f | %.0f | %s | %s | %s |" % (
            SERVER_NAMES.get(name, name), count, "-" if heap is None else "%.0f" % heap, outside, total,
            ratios[0], ratios[1], held))
    java_collectors = sorted({c for c in collectors.values() if c})
    lines.append("")
    if java_collectors:
        lines.append("JVM heap: %s; %d IO thread(s). %s" % (", ".join(java_collectors), args.io_threads,
                                                              versions(args, list({n for n, _ in results}))))
    else:
        lines.append(versions(args, list({n for n, _ in results})))
    lines.append("")
    return "\n".join(lines)


def use_tls(work):
    """Makes a P-256 certificate for localhost in WORK and a client context that trusts it alone."""
    global TLS_CLIENT, TLS_FILES
    cert, key = os.path.join(work, "tls.crt"), os.path.join(work, "tls.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    TLS_CLIENT = ssl.create_default_context(cafile=cert)
    TLS_CLIENT.minimum_version = ssl.TLSVersion.TLSv1_3
    TLS_FILES = (cert, key)


def versions(args, servers):
    found = []
    if "mp" in servers or "reference" in servers:
        java = subprocess.run([args.java, "-version"], capture_output=True, text=True).stderr.splitlines()
        found.append(java[-1] if java else "java: no version")
    if "nginx" in servers and shutil.which("nginx"):
        found.append(subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip())
    return "; ".join(found)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for offset in (1, TLS_PORT_OFFSET):  # the admin and HTTPS ports next to it
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + offset))
            except OSError:
                return free_port()
    return port


def arena_check(argv):
    """The arena held by connections to a running mpool (the second usage)."""
    args = list(argv)
    token = None
    if "--token" in args:
        i = args.index("--token")
        if i + 1 >= len(args):
            raise SystemExit("--token needs a value (expected: --token TOKEN)")
        token = args[i + 1]
        del args[i:i + 2]
    if len(args) < 2:
        sys.exit(__doc__)
    port, admin_port = int(args[0]), int(args[1])
    count = int(args[2]) if len(args) > 2 else 1000
    raise_fd_limit(count + 1024)
    connections = []
    try:
        connections = open_connections(port, count)
        print("%d connections, one request each; right after: %s" % (count, arena_text(arena(admin_port, token))))
        time.sleep(3.5)
        print("3.5 s later (after the idle sweep):    %s" % arena_text(arena(admin_port, token)))
    finally:
        for s in connections:
            s.close()


def main(argv):
    if len(argv) > 1 and argv[1].isdigit():
        arena_check(argv[1:])
    else:
        compare(argv[1:])


if __name__ == "__main__":
    main(sys.argv)
