#!/bin/bash
# A/B of server builds or modes, pinned, interleaved, per-round ratios: what Compare cannot do
# (Compare runs one build's mp / undertow / reference). Every server runs at once under
# `taskset -c 0`, wrk under `taskset -c 1`; each round measures them back to back, the order
# rotated every round; CPU = utime + stime of the server process over the run / requests.
#
# usage: loadtest/scripts/ab.sh ROUNDS CONNECTIONS PATH [WRK_SCRIPT] -- NAME=COMMAND ...
#   COMMAND has PORT where the server's port goes; the first NAME is the baseline of the ratios.
#   WRK_SCRIPT is a file in loadtest/wrk (post.lua with BODY_SIZE=..., pipeline.lua with DEPTH=...);
#   WRKARGS="Connection: close" adds that header to every request; DURATION=2 makes each run 2 s
#   (default 3): shorter runs, more rounds, when the host's speed drifts within a minute; WARMUP=25
#   warms each server for 25 s (default 8) before the first round. AB_PORT=20300 moves the first
#   server's port (default 18300; the next servers take the next ports). AB_SCHEME=https measures
#   over HTTPS: PORT is then each server's TLS port, and CERT and KEY in a COMMAND are replaced by
#   a self-signed P-256 certificate and its key (PEM) that openssl makes for the run, the same for all.
# e.g. loadtest/scripts/ab.sh 8 64 /hello -- \
#        "old=java -jar /tmp/old.jar --port PORT --admin-port 0" \
#        "new=java -jar server/target/mpool-server.jar --port PORT --admin-port 0"
# or over HTTPS:  AB_SCHEME=https loadtest/scripts/ab.sh 8 64 /hello -- \
#        "old=java -jar /tmp/old.jar --port 0 --admin-port 0 --tls-port PORT --tls-cert CERT --tls-key KEY" \
#        "stock=java -Dreference.tls.port=PORT -Dreference.tls.cert=CERT -Dreference.tls.key=KEY \
#              -cp loadtest/target/mpool-loadtest.jar io.mpool.loadtest.reference.ReferenceServer 0 1"
set -euo pipefail
. "$(dirname "$0")/test-certificate.sh"
if [ $# -lt 4 ]; then
  sed -n '2,23p' "$0"; exit 2
fi
rounds=$1; conns=$2; path=$3; shift 3
script=""
if [ "$1" != "--" ]; then script=$1; shift; fi
[ "$1" = "--" ] && shift
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)"; exit 2; }
out=$(mktemp)
scheme=${AB_SCHEME:-http}
case "$scheme" in
  http) ;;
  https) # in a directory whose name holds none of the placeholders
    tls=/tmp/ab-tls-$$; test_certificate "$tls" ;;
  *) echo "AB_SCHEME=$scheme (expected: http or https)"; exit 2 ;;
esac
names=(); pids=(); ports=()
port=${AB_PORT:-18300}
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for spec in "$@"; do
  name=${spec%%=*}; cmd=${spec#*=}; port=$((port + 1))
  cmd=${cmd//PORT/$port}; cmd=${cmd//CERT/${tls:-}/cert.pem}; cmd=${cmd//KEY/${tls:-}/key.pem}
  taskset -c 0 $cmd > "$out.$name.log" 2>&1 &
  pids+=($!); names+=("$name"); ports+=($port)
done
for p in "${ports[@]}"; do
  for _ in $(seq 100); do curl -sk -o /dev/null "$scheme://127.0.0.1:$p/hello" && break; sleep 0.2; done
done
wrkargs=(-t1 "-c$conns")
[ -n "$script" ] && wrkargs+=(-s "$root/loadtest/wrk/$script")
[ -n "${WRKARGS:-}" ] && wrkargs+=(-H "$WRKARGS")
for i in "${!names[@]}"; do # warm-up
  taskset -c 1 wrk "${wrkargs[@]}" "-d${WARMUP:-8}s" "$scheme://127.0.0.1:${ports[$i]}$path" > /dev/null
done
n=${#names[@]}
for r in $(seq "$rounds"); do
  for k in $(seq 0 $((n - 1))); do
    i=$(( (k + r) % n ))
    t0=$(awk '{print $14 + $15}' "/proc/${pids[$i]}/stat")
    result=$(taskset -c 1 wrk "${wrkargs[@]}" "-d${DURATION:-3}s" "$scheme://127.0.0.1:${ports[$i]}$path")
    sleep 0.3
    t1=$(awk '{print $14 + $15}' "/proc/${pids[$i]}/stat")
    requests=$(echo "$result" | awk '/requests in/ {print $1}')
    echo "$r ${names[$i]} $(awk -v a="$t0" -v b="$t1" -v q="$requests" 'BEGIN {printf "%.2f", (b - a) * 10000 / q}')"
  done
done | tee "$out"
python3 "$root/loadtest/scripts/round-ratios.py" "$out" "${names[@]}"
