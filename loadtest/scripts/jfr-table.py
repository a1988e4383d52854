#!/usr/bin/env python3
"""Execution samples per 1,000 requests, per frame, side by side for the servers profile.sh recorded.

usage: loadtest/scripts/jfr-table.py OUT NAME... [--self] [--top N]
  inclusive (a frame and everything it calls) by default; --self counts the sampled frame alone.
A sample stands for about a millisecond of a thread running Java code (not the kernel, not waiting);
compare rows across servers, not with CPU time.
"""
import collections
import json
import subprocess
import sys

args = [a for a in sys.argv[1:] if not a.startswith("--")]
top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else 60
if "--top" in sys.argv:
    args.remove(str(top))
own = "--self" in sys.argv
out, names = args[0], args[1:]
requests = {}
for line in open(out + "/summary"):
    name, count = line.split()[:2]
    requests[name] = int(count.split("=")[1])
tables = {}
for name in names:
    printed = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", "jdk.ExecutionSample",
                              "%s/%s.jfr" % (out, name)], capture_output=True, text=True, check=True).stdout
    counts = collections.Counter()
    for event in json.loads(printed)["recording"]["events"]:
        trace = event["values"]["stackTrace"]
        if not trace:
            continue
        counts["(all samples)"] += 1
        frames = trace["frames"][:1] if own else trace["frames"]
        for frame in {f["method"]["type"]["name"].split("/")[-1] + "." + f["method"]["name"] for f in frames}:
            counts[frame] += 1
    tables[name] = {frame: 1000.0 * n / requests[name] for frame, n in counts.items()}
rows = sorted(set().union(*tables.values()), key=lambda f: -max(t.get(f, 0) for t in tables.values()))
print("%-64s" % ("frame (%s samples per 1,000 requests)" % ("self" if own else "inclusive"))
      + "".join("%11s" % n for n in names))
for frame in rows[:top]:
    print("%-64s" % frame[:64] + "".join("%11.3f" % tables[n].get(frame, 0) for n in names))
