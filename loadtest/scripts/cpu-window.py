#!/usr/bin/env python3
"""Server CPU per response in a window in the middle of a wrk run, for answers of a known size.

usage: loadtest/scripts/cpu-window.py PID PORT CONNECTIONS PATH ANSWER_BYTES [SECONDS]

Runs `taskset -c 1 wrk -t1 -cCONNECTIONS` against 127.0.0.1:PORT/PATH for SECONDS + 4 s and
measures from its 2nd second for SECONDS (default 8): the CPU time of process PID (utime + stime
from /proc/PID/stat) over the responses sent in the window, counted as the growth of
`bytes_acked` over the server's established sockets (`ss -ti`; only sockets open at both ends of
the window) divided by ANSWER_BYTES (head + body of one answer: `curl -s -D - -o /dev/null URL |
wc -c` plus the body's size). Large answers to many connections leave a run's last responses half
sent; wrk counts them as nothing though the server paid for them, which a window in the middle
does not see. Pin the server to CPU 0 (`taskset -c 0`) as Compare does.
"""
import re
import subprocess
import sys
import time


def acked(port):
    out = subprocess.run(["ss", "-tinH", "state", "established", "( sport = :%s )" % port],
                         capture_output=True, text=True, check=True).stdout
    by_socket, key = {}, None
    for line in out.splitlines():
        if not line[:1].isspace():
            fields = line.split()
            key = (fields[2], fields[3]) if len(fields) >= 4 else None
        else:
            match = re.search(r"bytes_acked:(\d+)", line)
            if match and key:
                by_socket[key] = int(match.group(1))
    return by_socket


def ticks(pid):
    fields = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def main():
    if len(sys.argv) < 6:
        print(__doc__)
        sys.exit(2)
    pid, port, connections, path, answer = sys.argv[1:5] + [int(sys.argv[5])]
    seconds = float(sys.argv[6]) if len(sys.argv) > 6 else 8
    hertz = 100  # USER_HZ: /proc/PID/stat counts clock ticks of 10 ms
    wrk = subprocess.Popen(["taskset", "-c", "1", "wrk", "-t1", "-c" + connections, "-d%ds" % (seconds + 4),
                            "--timeout", "20s", "http://127.0.0.1:%s%s" % (port, path)], stdout=subprocess.DEVNULL)
    time.sleep(2)
    before, cpu_before = acked(port), ticks(pid)
    time.sleep(seconds)
    cpu_after, after = ticks(pid), acked(port)
    wrk.wait()
    common = before.keys() & after.keys()
    responses = sum(after[k] - before[k] for k in common) / answer
    cpu_micros = (cpu_after - cpu_before) * 1_000_000 / hertz
    print("port=%s connections=%s %s sockets=%d responses=%.0f cpu=%d ticks us/response=%.1f"
          % (port, connections, path, len(common), responses, cpu_after - cpu_before,
             cpu_micros / max(responses, 1)))


if __name__ == "__main__":
    main()
