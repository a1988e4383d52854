#!/usr/bin/env python3
"""Peak pool memory of one HTTPS connection while it uploads a large body (mpool only).

usage:
  loadtest/scripts/tls-upload-peak.py [--size 100m] [--routes /upload,/echo,/echo?mode=full] [--repeat 2]
                                      [--port BASE] [--out FILE] [--java java] [--server-option FLAG ...]

Starts mpool from this checkout's jar (`mvn -B -q -pl server -am package -DskipTests`) with an HTTPS
listener (a P-256 certificate made by openssl for the run) on BASE+2, its admin listener on BASE+1
and the plain one on BASE (default: free ports), then, for each route, sends one POST of --size
bytes over one TLS 1.3 connection (Python's ssl module: OpenSSL) and reads the whole answer (the
echo routes send the body back while it comes). Meanwhile it reads /admin/pools as fast as the
admin listener answers, and keeps the largest figures it saw:
  connection  that connection's bytesReserved: its pool's node, the request's memory, Undertow's
              connection buffers and the TLS engine's packet buffers (all arena bytes it holds);
  tls         the packet buffers alone (tls.bufferBytes);
  arena       pages in use x page size + large bytes in use, the whole arena (this one connection
              and the admin listener's own).
Sampling sees a peak only if it lasts across a reading: the figures are the largest seen over
--repeat uploads, a lower bound of the true peak, with the number of readings.
"""

import argparse
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

CHUNK = 64 * 1024
SIZES = {"": 1, "k": 1024, "m": 1024 * 1024, "g": 1024 * 1024 * 1024}


def byte_size(text):
    match = re.fullmatch(r"(\d+)([kmg]?)", text.lower())
    if not match:
        raise argparse.ArgumentTypeError("%s (expected: bytes, e.g. 100m, 64k)" % text)
    return int(match.group(1)) * SIZES[match.group(2)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pools(admin_port):
    with urllib.request.urlopen("http://127.0.0.1:%d/admin/pools?limit=10" % admin_port, timeout=30) as answer:
        return json.load(answer)


def make_certificate(work):
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "7", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def upload(tls_port, context, route, size, result):
    """One POST of SIZE bytes on a fresh TLS connection; the answer read while the body goes out."""
    raw = socket.create_connection(("127.0.0.1", tls_port))
    s = context.wrap_socket(raw, server_hostname="localhost")
    received = bytearray()

    def read():
        while True:
            data = s.recv(1 << 20)
            if not data:
                return
            received.extend(data)

    reader = threading.Thread(target=read, daemon=True)
    s.sendall(("POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
               "Content-Length: %d\r\nConnection: close\r\n\r\n" % (route, size)).encode("ascii"))
    reader.start()
    chunk = bytes(range(256)) * (CHUNK // 256)
    sent = 0
    while sent < size:
        n = min(CHUNK, size - sent)
        s.sendall(chunk[:n])
        sent += n
    reader.join()
    s.close()
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    result["status"] = head.split(b"\r\n", 1)[0].decode("latin-1")
    result["body_bytes"] = len(body)


def measure(tls_port, admin_port, context, route, size):
    result = {}
    sender = threading.Thread(target=upload, args=(tls_port, context, route, size, result))
    peak = {"connection": 0, "tls": 0, "arena": 0, "readings": 0, "bodyInMemory": 0, "bodyOnDisk": 0}
    started = time.time()
    sender.start()
    while sender.is_alive():
        answer = pools(admin_port)
        a = answer["arena"]
        peak["arena"] = max(peak["arena"], a["pagesInUse"] * a["pageSize"] + a["largeBytesInUse"])
        for c in answer["connections"]:
            summary = c.get("summary", c)
            if summary.get("tls"):
                peak["connection"] = max(peak["connection"], summary["bytesReserved"])
                peak["tls"] = max(peak["tls"], summary["tls"]["bufferBytes"])
                peak["bodyInMemory"] = max(peak["bodyInMemory"], summary["bodyBytesInMemory"])
                peak["bodyOnDisk"] = max(peak["bodyOnDisk"], summary["bodyBytesOnDisk"])
        peak["readings"] += 1
    sender.join()
    peak["seconds"] = time.time() - started
    peak.update(result)
    return peak


def main(argv):
    parser = argparse.ArgumentParser(prog="tls-upload-peak.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=byte_size, default=byte_size("100m"), help="body bytes (default: 100m)")
    parser.add_argument("--routes", default="/upload,/echo,/echo?mode=full", help="default: %(default)s")
    parser.add_argument("--repeat", type=int, default=2, help="uploads per route (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="base port (default: free ones)")
    parser.add_argument("--java", default="java")
    parser.add_argument("--server-option", action="append", default=[], help="one more mpool flag (repeatable)")
    parser.add_argument("--out", help="also write the Markdown table to this file")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        raise SystemExit("--repeat=%d (expected: at least 1)" % args.repeat)
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    jar = os.path.join(root, "server", "target", "mpool-server.jar")
    if not os.path.isfile(jar):
        raise SystemExit("%s is missing; build first: mvn -B -q -pl server -am package -DskipTests" % jar)
    work = tempfile.mkdtemp(prefix="tls-upload-peak-")
    cert, key = make_certificate(work)
    port = args.port or free_port()
    admin_port, tls_port = (port + 1, port + 2) if args.port else (free_port(), free_port())
    command = [args.java, "-jar", jar, "--host", "127.0.0.1", "--port", str(port), "--admin-port", str(admin_port),
               "--tls-port", str(tls_port), "--tls-cert", cert, "--tls-key", key] + args.server_option
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while True:
            try:
                pools(admin_port)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise SystemExit("mpool did not start: see %s" % log.name)
                time.sleep(0.2)
        context = ssl.create_default_context(cafile=cert)
        rows = []
        for route in args.routes.split(","):
            runs = [measure(tls_port, admin_port, context, route, args.size) for _ in range(args.repeat)]
            for run in runs:
                print("  %-16s %s, %d body bytes back, %.1f s, %d readings: connection %d B, tls %d B, arena %d B,"
                      " body in memory %d B, on disk %d B" % (route, run["status"], run["body_bytes"], run["seconds"],
                                                             run["readings"], run["connection"], run["tls"],
                                                             run["arena"], run["bodyInMemory"], run["bodyOnDisk"]),
                      flush=True)
            rows.append((route, runs))
    finally:
        server.terminate()
        server.wait(30)
        log.close()
    lines = ["| route | peak connection pool | of it TLS packet buffers | peak arena | readings |",
             "|---|---:|---:|---:|---:|"]
    for route, runs in rows:
        lines.append("| `POST %s` | %s B | %s B | %s B | %d |" % (
            route, "{:,}".format(max(r["connection"] for r in runs)), "{:,}".format(max(r["tls"] for r in runs)),
            "{:,}".format(max(r["arena"] for r in runs)), sum(r["readings"] for r in runs)))
    table = "\n".join(lines) + "\n"
    print("\n" + table, end="")
    if args.out:
        with open(args.out, "w") as out:
            out.write(table)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
