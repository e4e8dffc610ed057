#!/usr/bin/env bash
# Event bus throughput: publish + consume + ack through the Redis transport, next to
# redis-benchmark's XADD rate on the same redis-server in the same run, as a ratio.
# Usage: bench/eventbus/run.sh [events]   (default 20000)
#        bench/eventbus/run.sh latency [events]   idle Redis load and publish-to-handler delay (default 50)
#        bench/eventbus/run.sh commit [units]     Redis's time per unit-of-work commit vs the same writes in MULTI/EXEC (default 5000)
set -euo pipefail

mode=throughput
if [ "${1:-}" = latency ] || [ "${1:-}" = commit ]; then mode="$1"; shift; fi
events="${1:-20000}"
here="$(cd "$(dirname "$0")" && pwd)"
source "$(cd "$(dirname "$0")" && pwd)/../lib.sh"   # free_port
port="$(free_port)"
data="$(mktemp -d)"

redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$data" --daemonize no --loglevel warning --logfile "$data/redis.log" &
redis_pid=$!
cleanup() { kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done

dotnet build "$here/EventBus.Bench.csproj" -c Release -v quiet -nologo >/dev/null

if [ "$mode" = commit ]; then
  [ "$events" = 20000 ] && events=5000
  echo "unit-of-work commit of a completed order's shape vs the same writes as MULTI/EXEC (Redis's time per call, INFO commandstats; 3 rounds alternating, medians), $(nproc) cores:"
  dotnet "$here/bin/Release/net10.0/EventBus.Bench.dll" "127.0.0.1:$port" commit "$events"
  exit 0
fi

if [ "$mode" = latency ]; then
  [ "$events" = 20000 ] && events=50
  echo "event bus idle load and wake-up delay (Redis transport, ReadTimeoutMs 2000), $(nproc) cores:"
  dotnet "$here/bin/Release/net10.0/EventBus.Bench.dll" "127.0.0.1:$port" latency "$events"
  exit 0
fi

# Baselines: raw XADD of a small entry, pipelined 16 deep (redis-benchmark's best case) and unpipelined.
xadd_rate() { redis-benchmark -p "$port" -n "$events" -c 50 -P "$1" -q XADD bench '*' data x | tr '\r' '\n' | awk '/requests per second/ { for (i = 1; i <= NF; i++) if ($(i+1) == "requests") print $i }' | tail -1; }
xadd_p16="$(xadd_rate 16)"
xadd_p1="$(xadd_rate 1)"
redis-cli -p "$port" flushall >/dev/null

result="$(dotnet "$here/bin/Release/net10.0/EventBus.Bench.dll" "127.0.0.1:$port" "$events")"
bus="$(sed -n 's/.*publish_consume_ack_per_s=\([0-9]*\).*/\1/p' <<<"$result")"

echo "events: $events on redis-server $(redis-server --version | awk '{print $3}' | sed "s/v=//") (port $port), $(nproc) cores"
echo "redis-benchmark XADD, -P 16 -c 50:            $xadd_p16 ops/s"
echo "redis-benchmark XADD, -P 1 -c 50:             $xadd_p1 ops/s"
echo "event bus publish+consume+ack (Redis):        $bus events/s   ($result)"
awk -v b="$bus" -v p16="$xadd_p16" -v p1="$xadd_p1" 'BEGIN { printf "ratio event bus / XADD -P 16:                %.3f\nratio event bus / XADD -P 1:                 %.3f\n", b / p16, b / p1 }'
