#!/usr/bin/env bash
# Cluster benchmark: one Swiftlet process against a 1-worker and a 2-worker cluster joined through one Redis, with the
# mqttload load generator. Every run starts fresh broker processes; configurations alternate in each round (the order
# rotates every round) so that noise on a shared machine falls on all of them alike.
#
# Per run it records mqttload's JSON line, plus the CPU seconds used by the broker processes (the command and all its
# workers) and by redis-server, and the Redis commands executed (INFO commandstats), appended as one JSON line to $OUT.
#
# usage: MQTTLOAD=/path/to/mqttload bench/cluster.sh
#   env: ROUNDS (3), SCENARIOS ('latency pairs-q0 pairs-q1'), CONFIGS ('single cluster-1 cluster-2'),
#        PORT (18830), REDIS_PORT (16390), OUT (.bench-results/cluster-<time>.jsonl), DURATION (8s)
# Needs: npm run build (dist/), redis-server and redis-cli, jq.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

MQTTLOAD=${MQTTLOAD:?set MQTTLOAD to the mqttload binary}
ROUNDS=${ROUNDS:-3}
SCENARIOS=${SCENARIOS:-latency pairs-q0 pairs-q1}
CONFIGS=${CONFIGS:-single cluster-1 cluster-2}
PORT=${PORT:-18830}
REDIS_PORT=${REDIS_PORT:-16390}
DURATION=${DURATION:-8s}
mkdir -p .bench-results
OUT=${OUT:-.bench-results/cluster-$(date +%s).jsonl}
REDIS_URL="redis://127.0.0.1:$REDIS_PORT"

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning &
REDIS_PID=$!
trap 'kill $REDIS_PID 2>/dev/null || true' EXIT
until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.1; done

scenario_flags() {
  case "$1" in
    latency) echo "-scenario latency -rate 5000" ;;
    pairs-q0) echo "-scenario pairs -pairs 20 -qos 0" ;;
    pairs-q1) echo "-scenario pairs -pairs 20 -qos 1" ;;
    *) echo "unknown scenario $1" >&2; exit 2 ;;
  esac
}

broker_command() {
  case "$1" in
    single) echo "node dist/cli/main.js --host 127.0.0.1 --port $PORT --log-level warn" ;;
    cluster-1) echo "node dist/cli/main.js --host 127.0.0.1 --port $PORT --log-level warn --cluster $REDIS_URL --workers 1" ;;
    cluster-2) echo "node dist/cli/main.js --host 127.0.0.1 --port $PORT --log-level warn --cluster $REDIS_URL --workers 2" ;;
    *) echo "unknown configuration $1" >&2; exit 2 ;;
  esac
}

# CPU seconds (user + system) of a process and its children.
cpu_of_tree() {
  local total=0 pid
  for pid in "$1" $(pgrep -P "$1" || true); do
    if [ -r "/proc/$pid/stat" ]; then
      total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
    fi
  done
  echo "$total"
}

TICKS=$(getconf CLK_TCK)
read -r -a configs <<<"$CONFIGS"
for ((round = 1; round <= ROUNDS; round++)); do
  for scenario in $SCENARIOS; do
    n=${#configs[@]}
    for ((k = 0; k < n; k++)); do
      config=${configs[$(((k + round - 1) % n))]}
      redis-cli -p "$REDIS_PORT" flushall >/dev/null
      # shellcheck disable=SC2046
      $(broker_command "$config") &
      broker=$!
      # A loaded machine may take long to start the workers; a broker that never answers is stopped, not left behind.
      if ! "$MQTTLOAD" -scenario probe -port "$PORT" -wait 120s -quiet >/dev/null; then
        kill -TERM "$broker" 2>/dev/null || true
        wait "$broker" || true
        echo "skipped: $config $scenario round $round (the broker did not answer)" >&2
        continue
      fi
      sleep 1 # let every worker join before the clients come
      redis-cli -p "$REDIS_PORT" config resetstat >/dev/null
      cpu0=$(cpu_of_tree "$broker")
      redis0=$(cpu_of_tree "$REDIS_PID")
      # shellcheck disable=SC2046
      result=$("$MQTTLOAD" $(scenario_flags "$scenario") -port "$PORT" -duration "$DURATION" -label "$config" -round "$round" -name "$scenario" -quiet)
      cpu1=$(cpu_of_tree "$broker")
      redis1=$(cpu_of_tree "$REDIS_PID")
      commands=$(redis-cli -p "$REDIS_PORT" info commandstats | tr -d '\r' | awk -F'[:=,]' '/^cmdstat_/ {sub("cmdstat_", "", $1); printf "%s\"%s\":%s", (n++ ? "," : ""), $1, $3}')
      kill -TERM "$broker"
      wait "$broker" || true
      echo "$result" | jq -c --argjson broker_cpu_s "$(echo "scale=2; ($cpu1 - $cpu0) / $TICKS" | bc)" \
        --argjson redis_cpu_s "$(echo "scale=2; ($redis1 - $redis0) / $TICKS" | bc)" \
        --argjson redis_commands "{${commands}}" '. + {broker_cpu_s: $broker_cpu_s, redis_cpu_s: $redis_cpu_s, redis_commands: $redis_commands}' | tee -a "$OUT"
    done
  done
done
echo "results: $OUT" >&2
