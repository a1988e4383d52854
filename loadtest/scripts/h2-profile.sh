#!/bin/bash
# HTTP/2 profile of servers under the same h2load load, one server at a time, pinned like profile.sh
# (server `taskset -c 0`, h2load `taskset -c 1`): a warm-up, then, during one measured h2load run,
# Flight Recorder's execution samples every millisecond and each thread's allocated bytes at the
# recording's start and end (load-independent: bytes allocated per stream), then a tenth as many
# streams under `strace -f -c` (syscalls per stream: reads, writev per response).
# Writes OUT/NAME.jfr, OUT/NAME.h2load, OUT/NAME.strace and a line per server to OUT/summary
# (streams, CPU us/stream, allocated bytes/stream, writev and read calls/stream);
# loadtest/scripts/jfr-table.py OUT NAME... then prints the samples per 1,000 streams side by side.
#
# usage: loadtest/scripts/h2-profile.sh OUT STREAMS CONNECTIONS CONCURRENT PATH -- NAME=COMMAND ...
#   COMMAND has PORT where the server's port goes (PROFILE_PORT=22101 by default); h2c, prior knowledge.
# e.g. loadtest/scripts/h2-profile.sh /tmp/h2prof 200000 64 10 /hello -- \
#        "mp=java -jar server/target/mpool-server.jar --port PORT --admin-port 0 --io-threads 1" \
#        "undertow=java -jar server/target/mpool-server.jar --port PORT --admin-port 0 --io-threads 1 --pool undertow" \
#        "stock=java -Dreference.http2=true -cp loadtest/target/mpool-loadtest.jar io.mpool.loadtest.reference.ReferenceServer PORT 1"
set -euo pipefail
if [ $# -lt 7 ]; then
  sed -n '2,17p' "$0"; exit 2
fi
out=$1; streams=$2; conns=$3; concurrent=$4; path=$5; shift 5
[ "$1" = "--" ] && shift
mkdir -p "$out"
port=${PROFILE_PORT:-22101}
python3 "$(dirname "$0")/jfr-settings.py" "$out/settings.jfc"
load() { taskset -c 1 h2load -n "$1" -c "$conns" -m "$concurrent" "http://127.0.0.1:$port$path"; }
for spec in "$@"; do
  name=${spec%%=*}; cmd=${spec#*=}; cmd=${cmd//PORT/$port}
  taskset -c 0 $cmd > "$out/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null --http2-prior-knowledge "http://127.0.0.1:$port$path" && break; sleep 0.2; done
  load $((streams * 2)) > /dev/null
  jcmd "$pid" JFR.start name=profile "settings=$out/settings.jfc" "filename=$out/$name.jfr" > /dev/null
  t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  load "$streams" > "$out/$name.h2load"
  t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  jcmd "$pid" JFR.stop name=profile > /dev/null
  done=$(awk '/^requests:/ {print $8}' "$out/$name.h2load")
  allocated=$(jfr print --json --events jdk.ThreadAllocationStatistics "$out/$name.jfr" | python3 -c '
import collections, json, sys
seen = collections.defaultdict(list)
for event in json.load(sys.stdin)["recording"]["events"]:
    value = event["values"]
    seen[(value["thread"] or {}).get("javaThreadId")].append((value["startTime"], value["allocated"]))
print(sum(max(s)[1] - min(s)[1] for s in seen.values()))')
  strace -f -c -o "$out/$name.strace" -p "$pid" 2> /dev/null & tracer=$!
  sleep 1
  load $((streams / 10)) > /dev/null
  kill -INT "$tracer"; wait "$tracer" 2>/dev/null || true
  calls() { awk -v call="$1" -v q=$((streams / 10)) '$NF == call {printf "%.3f", $4 / q}' "$out/$name.strace"; }
  echo "$name requests=$done cpu_us_per_request=$(awk -v a="$t0" -v b="$t1" -v q="$done" \
    'BEGIN {printf "%.2f", (b - a) * 10000 / q}') allocated_bytes_per_request=$((allocated / done))" \
    "writev_per_request=$(calls writev) read_per_request=$(calls read)" | tee -a "$out/summary"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
