#!/bin/bash
# Java profile of servers under the same wrk load, one server at a time, pinned like ab.sh (server
# `taskset -c 0`, wrk `taskset -c 1`): a warm-up, then Flight Recorder's execution samples every
# millisecond (the JDK's `profile` settings, sampling 10x as often, mpool's own per-request JFR
# events off so that recording does not make the reset path read its figures) while wrk measures.
# Writes OUT/NAME.jfr, OUT/NAME.wrk and a line per server to OUT/summary (requests, CPU us/request);
# loadtest/scripts/jfr-table.py OUT NAME... then prints the samples per 1,000 requests side by side.
#
# usage: loadtest/scripts/profile.sh OUT CONNECTIONS PATH -- NAME=COMMAND ...
#   COMMAND has PORT where the server's port goes (PROFILE_PORT=22101 by default).
# e.g. loadtest/scripts/profile.sh /tmp/prof 1000 /hello -- \
#        "mp=java -jar server/target/mpool-server.jar --port PORT --admin-port 0 --io-threads 1" \
#        "undertow=java -jar server/target/mpool-server.jar --port PORT --admin-port 0 --io-threads 1 --pool undertow" \
#        "stock=java -cp loadtest/target/mpool-loadtest.jar io.mpool.loadtest.reference.ReferenceServer PORT 1"
#   WARMUP (s, default 15) and DURATION (s, default 20) set the two wrk runs. WRKARGS="Connection:
#   close" adds that header to every request (a new connection per request). PROFILE_SCHEME=https
#   profiles over HTTPS: PORT is then the TLS port, and CERT and KEY in a COMMAND are replaced by a
#   self-signed P-256 certificate and its key (PEM) that openssl makes for the run, as in ab.sh.
set -euo pipefail
. "$(dirname "$0")/test-certificate.sh"
if [ $# -lt 5 ]; then
  sed -n '2,20p' "$0"; exit 2
fi
out=$1; conns=$2; path=$3; shift 3
[ "$1" = "--" ] && shift
mkdir -p "$out"
port=${PROFILE_PORT:-22101}
scheme=${PROFILE_SCHEME:-http}
case "$scheme" in
  http) ;;
  https)
    tls=/tmp/profile-tls-$$; test_certificate "$tls" ;;
  *) echo "PROFILE_SCHEME=$scheme (expected: http or https)"; exit 2 ;;
esac
wrkargs=(-t1 "-c$conns")
[ -n "${WRKARGS:-}" ] && wrkargs+=(-H "$WRKARGS")
python3 "$(dirname "$0")/jfr-settings.py" "$out/settings.jfc"
for spec in "$@"; do
  name=${spec%%=*}; cmd=${spec#*=}; cmd=${cmd//PORT/$port}
  cmd=${cmd//CERT/${tls:-}/cert.pem}; cmd=${cmd//KEY/${tls:-}/key.pem}
  taskset -c 0 $cmd > "$out/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sk -o /dev/null "$scheme://127.0.0.1:$port$path" && break; sleep 0.2; done
  taskset -c 1 wrk "${wrkargs[@]}" "-d${WARMUP:-15}s" "$scheme://127.0.0.1:$port$path" > /dev/null
  jcmd "$pid" JFR.start name=profile "settings=$out/settings.jfc" "filename=$out/$name.jfr" > /dev/null
  t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  taskset -c 1 wrk "${wrkargs[@]}" "-d${DURATION:-20}s" "$scheme://127.0.0.1:$port$path" > "$out/$name.wrk"
  t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  jcmd "$pid" JFR.stop name=profile > /dev/null
  requests=$(awk '/requests in/ {print $1}' "$out/$name.wrk")
  echo "$name requests=$requests cpu_us_per_request=$(awk -v a="$t0" -v b="$t1" -v q="$requests" \
    'BEGIN {printf "%.2f", (b - a) * 10000 / q}')" | tee -a "$out/summary"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
