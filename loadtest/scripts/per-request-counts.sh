#!/bin/bash
# What each server does per request, in figures that do not drift with the host's load (unlike CPU
# time on a shared host): system calls per request by kind, heap bytes allocated per request, and
# CPU samples per 1,000 requests by where they fell (kernel, Undertow, XNIO, JDK, mpool, the JVM)
# with the top frames, and exceptions thrown per 1,000 requests by type and message (each costs a
# stack trace: one per request is microseconds). One server at a time, pinned like ab.sh and
# profile.sh (server `taskset -c 0`, wrk `taskset -c 1`), each started twice:
#   1. with its own GC: a warm-up, then `perf trace -s` over one wrk window (system calls), then
#      `perf record -e cpu-clock` over another (JIT frames named through `jcmd Compiler.perfmap`);
#   2. with Epsilon (no collection: the heap's top only grows): heap bytes per request as the
#      difference between a long and a short wrk window, so that the connections' set-up cancels;
#      exceptions from `-Xlog:exceptions` (Epsilon never moves an object: one address, one exception).
# Tracing slows the server: wrk's timeout is raised so that no connection times out and reconnects
# (the accept count per request in the system-call table shows it: connections / requests).
# Writes OUT/NAME.* and prints a table per server.
#
# usage: loadtest/scripts/per-request-counts.sh OUT CONNECTIONS PATH -- NAME=COMMAND ...
#   COMMAND starts with `java` and has PORT where the server's port goes (COUNTS_PORT=22201 by default).
# e.g. loadtest/scripts/per-request-counts.sh /tmp/counts 1000 /hello -- \
#        "undertow=java -jar server/target/mpool-server.jar --port PORT --admin-port 0 --io-threads 1 --pool undertow" \
#        "stock=java -cp loadtest/target/mpool-loadtest.jar io.mpool.loadtest.reference.ReferenceServer PORT 1"
#   WARMUP (s, default 15) and WINDOW (s, default 8) set the wrk runs. COUNTS_SCHEME=https counts
#   over HTTPS: PORT is then each server's TLS port, and CERT and KEY in a COMMAND are replaced by a
#   self-signed P-256 certificate and its key (PEM) made for the run, as in ab.sh; WRKARGS="Connection:
#   close" adds that header to every request (a handshake per request).
set -euo pipefail
. "$(dirname "$0")/test-certificate.sh"
if [ $# -lt 5 ]; then
  sed -n '2,25p' "$0"; exit 2
fi
out=$1; conns=$2; path=$3; shift 3
[ "$1" = "--" ] && shift
mkdir -p "$out"
port=${COUNTS_PORT:-22201}
warmup=${WARMUP:-15}; window=${WINDOW:-8}
scheme=${COUNTS_SCHEME:-http}
case "$scheme" in
  http) ;;
  https)
    tls=/tmp/counts-tls-$$; test_certificate "$tls" ;;
  *) echo "COUNTS_SCHEME=$scheme (expected: http or https)"; exit 2 ;;
esac
url="$scheme://127.0.0.1:$port$path"
wrkargs=(-t1 "-c$conns" --timeout 30s)
[ -n "${WRKARGS:-}" ] && wrkargs+=(-H "$WRKARGS")
load() { taskset -c 1 wrk "${wrkargs[@]}" "-d${1}s" "$url"; }
requests() { awk '/requests in/ {print $1}' "$1"; }

start() { # NAME COMMAND -> the server's pid, once it answers
  taskset -c 0 $2 > "$out/$1.log" 2>&1 &
  local pid=$!
  for _ in $(seq 150); do curl -sk -o /dev/null "$url" && break; sleep 0.2; done
  echo "$pid"
}
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }
heap_top() { # the Epsilon heap's top, in bytes
  jcmd "$1" GC.heap_info | grep ' space .*used \[' | grep -o '0x[0-9a-f]*' | sed -n 2p | xargs printf '%d\n'
}

for spec in "$@"; do
  name=${spec%%=*}; cmd=${spec#*=}; cmd=${cmd//PORT/$port}
  cmd=${cmd//CERT/${tls:-}/cert.pem}; cmd=${cmd//KEY/${tls:-}/key.pem}
  pid=$(start "$name" "$cmd")
  load "$warmup" > /dev/null
  perf trace -s -p "$pid" -o "$out/$name.syscalls" > /dev/null 2>&1 &
  tracer=$!; sleep 2
  load "$window" > "$out/$name.syscalls.wrk"
  kill -INT "$tracer"; wait "$tracer" 2>/dev/null || true
  perf record -e cpu-clock -F 10000 -p "$pid" -o "$out/$name.perf.data" > /dev/null 2>&1 &
  recorder=$!; sleep 1
  load "$window" > "$out/$name.samples.wrk"
  jcmd "$pid" Compiler.perfmap > /dev/null
  kill -INT "$recorder"; wait "$recorder" 2>/dev/null || true
  stop "$pid"

  pid=$(start "$name" "${cmd/#java /java -XX:+UnlockExperimentalVMOptions -XX:+UseEpsilonGC -Xms3g -Xmx3g -Xlog:exceptions=info:file=$out/$name.exceptions:none }")
  load 5 > "$out/$name.heap-warm.wrk" # warm enough for escape analysis: what the JIT keeps off the heap counts too
  a=$(heap_top "$pid"); load 2 > "$out/$name.heap-short.wrk"; sleep 0.5; b=$(heap_top "$pid")
  load "$window" > "$out/$name.heap-long.wrk"; sleep 0.5; c=$(heap_top "$pid")
  stop "$pid"

  q=$(requests "$out/$name.syscalls.wrk")
  echo "== $name: $conns connections, $path"
  echo "system calls per request ($q requests, perf trace -s):"
  awk '$2 ~ /^[0-9]+$/ && NF >= 8 {calls[$1] += $2} END {for (k in calls) print k, calls[k]}' "$out/$name.syscalls" \
    | sort -k2 -nr | head -10 | awk -v q="$q" '{printf "  %-14s %7.3f\n", $1, $2 / q}'
  short=$(requests "$out/$name.heap-short.wrk"); long=$(requests "$out/$name.heap-long.wrk")
  if [ $(( long - short )) -gt $(( short / 2 )) ]; then
    echo "heap bytes per request (Epsilon, $long - $short requests): $(( (c - b - (b - a)) / (long - short) ))"
  else # a server still compiling, or stalled: the long window served hardly more than the short one
    echo "heap bytes per request: n/a (the long window served $long requests, the short one $short)"
  fi
  served=$(( $(requests "$out/$name.heap-warm.wrk") + short + long ))
  echo "exceptions thrown per 1,000 requests (Epsilon run, $served requests, -Xlog:exceptions; start-up included):"
  # Epsilon never moves an object: one address, one exception, however many frames it unwound.
  grep -o "^Exception <a '[^']*'{0x[0-9a-f]*}[^>]*" "$out/$name.exceptions" | sort -u \
    | sed -E 's/\{0x[0-9a-f]+\}//; s/^Exception <a //' | cut -c1-110 | sort | uniq -c | sort -nr | head -6 \
    | awk -v q="$served" '{n = $1; $1 = ""; printf "  %8.2f %s\n", n * 1000 / q, $0}'
  q=$(requests "$out/$name.samples.wrk")
  perf report -i "$out/$name.perf.data" --no-children --sort sym -n --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' \
    | sort -k2 -nr | awk -v q="$q" '{n = $2; $1 = ""; $2 = ""; printf "%8.2f %s\n", n * 1000 / q, $0}' > "$out/$name.samples"
  echo "cpu-clock samples (10 kHz: 1 = 0.1 ms) per 1,000 requests ($q requests):"
  awk '{v = $1; k = $2 == "[k]"; s = $0; all += v
        if (k) kernel += v; else if (s ~ /io\.mpool/) ours += v; else if (s ~ /io\.undertow/) undertow += v
        else if (s ~ /org\.xnio/) xnio += v; else if (s ~ / (java|jdk|sun)\./) jdk += v; else jvm += v}
       END {printf "  all %.1f: kernel %.1f, undertow %.1f, xnio %.1f, jdk %.1f, mpool %.1f, JVM and stubs %.1f\n",
            all, kernel, undertow, xnio, jdk, ours, jvm}' "$out/$name.samples"
  echo "  top frames:"; head -8 "$out/$name.samples" | cut -c1-150 | sed 's/^/  /'
  echo "  mpool frames:"; grep 'io\.mpool' "$out/$name.samples" | head -6 | cut -c1-150 | sed 's/^/  /' || true
done
