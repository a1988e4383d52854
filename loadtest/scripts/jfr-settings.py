#!/usr/bin/env python3
"""Writes the JFR settings profile.sh and h2-profile.sh record with: the running JDK's profile.jfc, execution
samples every 1 ms, thread allocation totals at every chunk (allocated bytes per request from the recording's ends),
and mpool's own per-reset events off (they would cost the server what they measure).

usage: jfr-settings.py OUT.jfc
"""
import os
import re
import shutil
import sys

if len(sys.argv) != 2:
    sys.exit(__doc__)
java = os.path.realpath(shutil.which("java") or sys.exit("no java on PATH"))
text = open(os.path.join(os.path.dirname(os.path.dirname(java)), "lib", "jfr", "profile.jfc")).read()
text = re.sub(r'(<event name="jdk.ExecutionSample">.*?<setting name="period"[^>]*>)[^<]*', r'\g<1>1 ms', text, flags=re.S)
text = re.sub(r'(<event name="jdk.ThreadAllocationStatistics">.*?<setting name="period"[^>]*>)[^<]*',
              r'\g<1>everyChunk', text, flags=re.S)
off = ''.join('  <event name="%s"><setting name="enabled">false</setting></event>\n' % e
              for e in ("mpool.PoolReset", "mpool.PoolDestroyed"))
open(sys.argv[1], "w").write(text.replace("</configuration>", off + "</configuration>"))
