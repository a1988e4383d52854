#!/bin/bash
# Server CPU per request at a fixed offered load, pinned, interleaved, per-round ratios: the
# figure a saturated run (wrk as fast as it can go, as Compare and ab.sh run) cannot give on a
# two-core host. There the server and wrk each fill a core, and how often wrk runs out of work and
# sleeps depends steeply on how fast the server answers; every sleep costs the server a wake-up of
# wrk's thread in its own kernel time (`sock_def_readable` -> `try_to_wake_up`, an inter-processor
# interrupt, dear on a virtual machine), so a server a few percent slower pays for more wake-ups per
# request and small differences come out several times larger. Here our generator sends RATE
# requests a second whatever the server does (latency corrected for coordinated omission), every
# server has idle time, and the CPU is read over WINDOW seconds in the middle of each run (the
# connections' set-up and close outside it), divided by RATE x WINDOW requests.
#
# usage: loadtest/scripts/fixed-rate.sh ROUNDS RATE CONNECTIONS PATH -- NAME=COMMAND ...
#   COMMAND has PORT where the server's port goes; the first NAME is the baseline of the ratios.
#   WINDOW (s, default 6) is the measured window, MARGIN (s, default 4) the load before and after
#   it; WARMUP (s, default 25) warms each server with wrk before the first round; FR_PORT (default
#   18400) is the port before the first server's. A run whose generator did not reach 98% of RATE
#   is marked "behind": the server could not keep up, and its figure is not at the fixed load.
# e.g. loadtest/scripts/fixed-rate.sh 9 30000 1000 /hello -- \
#        "stock=java -cp loadtest/target/mpool-loadtest.jar io.mpool.loadtest.reference.ReferenceServer PORT 1" \
#        "mp=java -jar server/target/mpool-server.jar --host 127.0.0.1 --port PORT --admin-port 0 --io-threads 1"
set -euo pipefail
if [ $# -lt 6 ]; then
  sed -n '2,22p' "$0"; exit 2
fi
rounds=$1; rate=$2; conns=$3; path=$4; shift 4
[ "$1" = "--" ] && shift
root=$(cd "$(dirname "$0")/../.." && pwd)
jar=$root/loadtest/target/mpool-loadtest.jar
[ -f "$jar" ] || { echo "$jar is missing: mvn -B -q package -DskipTests"; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)"; exit 2; }
window=${WINDOW:-6}; margin=${MARGIN:-4}
out=$(mktemp)
names=(); pids=(); ports=()
port=${FR_PORT:-18400}
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for spec in "$@"; do
  name=${spec%%=*}; cmd=${spec#*=}; port=$((port + 1))
  taskset -c 0 ${cmd//PORT/$port} > "$out.$name.log" 2>&1 &
  pids+=($!); names+=("$name"); ports+=($port)
done
for p in "${ports[@]}"; do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$p$path" && break; sleep 0.2; done
done
for i in "${!names[@]}"; do # warm-up, at full speed
  taskset -c 1 wrk -t1 "-c$conns" "-d${WARMUP:-25}s" "http://127.0.0.1:${ports[$i]}$path" > /dev/null
done
cpu() { awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat"; }
n=${#names[@]}
for r in $(seq "$rounds"); do
  for k in $(seq 0 $((n - 1))); do
    i=$(( (k + r) % n ))
    sleep 1
    taskset -c 1 java -cp "$jar" io.mpool.loadtest.generator.LoadGenerator --url "http://127.0.0.1:${ports[$i]}$path" \
      -c "$conns" --rate "$rate" -d "$((window + 2 * margin))s" > "$out.run" 2>&1 &
    generator=$!
    sleep "$margin"
    t0=$(cpu "${pids[$i]}"); sleep "$window"; t1=$(cpu "${pids[$i]}")
    wait "$generator" || { echo "the generator failed against ${names[$i]}:"; tail -5 "$out.run"; exit 1; }
    reached=$(awk '$1 == "requests/s" {print $2}' "$out.run")
    behind=$(awk -v got="$reached" -v want="$rate" 'BEGIN {print (got < 0.98 * want) ? "behind" : ""}')
    echo "$r ${names[$i]} $(awk -v a="$t0" -v b="$t1" -v q="$((rate * window))" 'BEGIN {printf "%.2f", (b - a) * 10000 / q}') $reached $behind"
  done
done | tee "$out"
python3 "$root/loadtest/scripts/round-ratios.py" "$out" "${names[@]}"
