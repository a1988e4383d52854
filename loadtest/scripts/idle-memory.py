#!/usr/bin/env python3
"""Arena memory held by keep-alive connections that sent one request each.

usage: loadtest/scripts/idle-memory.py PORT ADMIN_PORT [CONNECTIONS] [--token TOKEN]

Opens CONNECTIONS (default 1000) keep-alive connections to a running mpool, sends one
GET /hello on each and reads its answer, then prints the arena's pages and large blocks in use
(from /admin/pools) right away and again 3.5 s later, after the once-a-second idle sweep has seen
the connections idle. The connections stay open until both figures are printed.
"""
import json
import socket
import sys
import time
import urllib.request


def arena(admin_port, token):
    request = urllib.request.Request("http://127.0.0.1:%d/admin/pools" % admin_port)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as answer:
        a = json.load(answer)["arena"]
    held = a["pagesInUse"] * a["pageSize"] + a["largeBytesInUse"]
    return "pagesInUse=%d largeBlocksInUse=%d held=%.1f MB" % (a["pagesInUse"], a["largeBlocksInUse"], held / 1e6)


def main(argv):
    args = [a for a in argv[1:]]
    token = None
    if "--token" in args:
        i = args.index("--token")
        token = args[i + 1]
        del args[i:i + 2]
    if len(args) < 2:
        sys.exit(__doc__)
    port, admin_port = int(args[0]), int(args[1])
    count = int(args[2]) if len(args) > 2 else 1000
    connections = []
    try:
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /hello HTTP/1.1\r\nHost: idle-memory\r\n\r\n")
            received = b""
            while not received.endswith(b"hello\n"):
                chunk = s.recv(4096)
                if not chunk:
                    sys.exit("connection closed before its answer: %r" % received)
                received += chunk
            connections.append(s)
        print("%d connections, one request each; right after: %s" % (count, arena(admin_port, token)))
        time.sleep(3.5)
        print("3.5 s later (after the idle sweep):    %s" % arena(admin_port, token))
    finally:
        for s in connections:
            s.close()


if __name__ == "__main__":
    main(sys.argv)
