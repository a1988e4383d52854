#!/usr/bin/env python3
"""Per-server medians and per-round ratios of lines "ROUND NAME CPU_US ..." (ab.sh, fixed-rate.sh).

usage: round-ratios.py FILE BASELINE NAME...   (the ratios are of each NAME to BASELINE)
"""
import collections, statistics, sys

if len(sys.argv) < 3:
    sys.exit(__doc__)
by_server, by_round = collections.defaultdict(list), collections.defaultdict(dict)
for line in open(sys.argv[1]):
    r, name, cpu = line.split()[:3]
    by_server[name].append(float(cpu)); by_round[r][name] = float(cpu)
base = sys.argv[2]
for name in sys.argv[2:]:
    print("%-10s CPU us/request median %.2f  rounds %s" % (name, statistics.median(by_server[name]), by_server[name]))
for name in sys.argv[3:]:
    ratios = [v[name] / v[base] for v in by_round.values() if name in v and base in v]
    print("%s / %s: per-round median %.3f (%.3f-%.3f), ratio of medians %.3f" % (name, base, statistics.median(ratios),
          min(ratios), max(ratios), statistics.median(by_server[name]) / statistics.median(by_server[base])))
