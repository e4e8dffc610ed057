#!/usr/bin/env bash
# Rebuild and replay throughput of Scoring (issue 13), next to redis-benchmark's pipelined HSET
# rate on the same redis-server in the same run:
#   rebuild: <orders> synthetic order records loaded in Scoring's layout, then `make rebuild`'s
#            DevHost verb runs RebuildScores on the Scoring service (a process) and reports orders/s
#            from the rebuild's own start and finish times (plan, orders, peer groups, switch, cleanup);
#   replay:  the same orders published as events (placed, completed, a third reviewed) through the
#            real bus into the topics of an empty store, then Scoring started on it; events/s from
#            its start to caught up (every event handled, every seller evaluated).
# Usage: bench/rebuild/run.sh [orders] [replay orders]   (defaults 1000000 and 100000)
set -euo pipefail

orders="${1:-1000000}"
replay_orders="${2:-100000}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$(cd "$(dirname "$0")" && pwd)/../lib.sh"   # free_port
port="$(free_port)"
data="$(mktemp -d)"
# As the chart and `make run` start Redis: hashes with values up to 256 bytes stay compact (listpack).
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$data" --daemonize no --loglevel warning --logfile "$data/redis.log" --hash-max-listpack-value 256 &
redis_pid=$!
scoring_pid=""
stop_scoring() { if [ -n "$scoring_pid" ]; then kill "$scoring_pid" 2>/dev/null || true; wait "$scoring_pid" 2>/dev/null || true; scoring_pid=""; fi; }
cleanup() { stop_scoring; kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done

dotnet build "$here/Rebuild.Bench.csproj" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
dotnet build "$root/tools/Marketplace.DevHost" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
# Scoring as its image runs it: published self-contained, its code compiled ahead of time (ReadyToRun).
"$root/deploy/publish.sh" scoring
bench="dotnet $here/bin/Release/net10.0/Rebuild.Bench.dll"
key="bench-only-signing-key-of-at-least-32-bytes"

start_scoring() {
  grpc="$(free_port)"; http="$(free_port)"
  (cd "$root/.artifacts/publish/scoring" && \
    Platform__Redis="127.0.0.1:$port" Platform__BindAddress=127.0.0.1 Platform__GrpcPort="$grpc" Platform__HttpPort="$http" \
    exec env Identity__SigningKey="$key" DOTNET_ENVIRONMENT=Production Logging__LogLevel__Default=Warning Logging__LogLevel__Marketplace.Scoring.Rebuild=Information \
    ./Marketplace.Scoring >"$data/scoring.log" 2>&1) &
  scoring_pid=$!
  until curl -sf "http://127.0.0.1:$http/readyz" >/dev/null 2>&1; do sleep 0.1; done
}

# Baseline: redis-benchmark's HSET, pipelined 16 deep.
hset="$(redis-benchmark -p "$port" -n 1000000 -c 50 -P 16 -q -t hset | tr '\r' '\n' | awk '/requests per second/ { for (i = 1; i <= NF; i++) if ($(i+1) == "requests") print $i }' | tail -1)"
redis-cli -p "$port" flushall >/dev/null

echo "redis-server $(redis-server --version | awk '{print $3}' | sed 's/v=//') (port $port), $(nproc) cores"
echo "redis-benchmark HSET, -P 16 -c 50:   $hset ops/s"

# Rebuild from stored facts.
$bench facts "127.0.0.1:$port" "$orders"
echo "redis used_memory with the facts: $(redis-cli -p "$port" info memory | awk -F: '/^used_memory_human/ { print $2 }' | tr -d '\r')"
start_scoring
# CPU seconds of a process (user + system) and of redis-server, before and after the rebuild.
proc_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
redis_cpu() { redis-cli -p "$port" info cpu | awk -F: '/^used_cpu_(user|sys):/ { s += $2 } END { printf "%.2f", s }'; }
# One rebuild through `make rebuild`'s verb, with its figures. $1 names it in the output.
rebuild_once() {
  local name="$1"
  scoring_cpu0="$(proc_cpu "$scoring_pid")"; redis_cpu0="$(redis_cpu)"
  redis-cli -p "$port" config resetstat >/dev/null
  # TRACE=<file.nettrace>: sample Scoring's stacks during the rebuild (dotnet-trace, when installed).
  trace_pid=""
  if [ -n "${TRACE:-}" ]; then
    dotnet-trace collect -p "$scoring_pid" --profile dotnet-sampled-thread-time -o "$TRACE.$name" >"$data/trace.log" 2>&1 &
    trace_pid=$!
    sleep 2
  fi
  log_from=$(wc -l <"$data/scoring.log")
  Identity__SigningKey="$key" dotnet "$root/tools/Marketplace.DevHost/bin/Release/net10.0/Marketplace.DevHost.dll" rebuild --scoring "http://127.0.0.1:$grpc" | while IFS= read -r line; do echo "$(date +%T.%N | cut -c1-12) $line"; done | tee "$data/rebuild.out" | ( [ -n "${VERBOSE:-}" ] && cat >&2 || cat >/dev/null )
  rebuild="$(grep "orders/s" "$data/rebuild.out" | tail -1 | cut -d" " -f2-)"
  changed="$(grep -E " (Changed|Would change): " "$data/rebuild.out" | tail -1 | cut -d" " -f2-)"
  tail -n +"$((log_from + 1))" "$data/scoring.log" | grep -ho '"Message":"Rebuild [^"]*\(orders phase done\|took\)[^"]*"' | sed "s/^\"Message\":\"Rebuild [^ ]*: /$name rebuild (service log): /; s/\"$//" || true
  echo "$name rebuild: $rebuild"
  echo "$name rebuild: $changed"
  # Where redis-server's time went (its own per-command accounting), the largest first.
  redis-cli -p "$port" info commandstats | tr -d '\r' | awk -F'[:,=]' '/^cmdstat_/ { printf "%12.2f s %10d calls  %s\n", $5 / 1e6, $3, substr($1, 9) }' | sort -rn | head -8 | sed "s/^/$name rebuild, redis-server time: /"
  if [ -n "$trace_pid" ]; then kill -INT "$trace_pid" 2>/dev/null || true; wait "$trace_pid" 2>/dev/null || true; fi
  awk -v n="$name" -v a="$scoring_cpu0" -v b="$(proc_cpu "$scoring_pid")" -v c="$redis_cpu0" -v d="$(redis_cpu)" \
    'BEGIN { printf "%s rebuild, CPU (with the status polling): Scoring %.1f s, redis-server %.1f s\n", n, b - a, d - c }'
  rate="$(sed -n 's/.*(\([0-9]*\) orders\/s).*/\1/p' <<<"$rebuild")"
  awk -v n="$name" -v r="$rate" -v h="$hset" 'BEGIN { printf "%s rebuild, ratio orders/s / HSET -P 16 ops/s:  %.3f\n", n, r / h }'
}

# First: the loaded facts (generation 0, no aggregates yet) into generation 1 on a service just
# started: it also pays the JIT's warm-up and generation 0's one-off cleanup (its contributions in
# the orders' hashes). Then again on the same running service, generation 1 into 2: what a policy
# change costs a deployment that has been running (old aggregates to compare with and delete).
rebuild_once first
# The first rebuild marked every seller for re-evaluation (levels and flags follow the new scores);
# a deployment that has been running has no such backlog, so the second starts once it is done.
waited=0
until [ "$(redis-cli -p "$port" hlen 'scoring:{dirty-sellers}')" = 0 ] || [ "$waited" -ge 600 ]; do sleep 0.5; waited=$((waited + 1)); done
echo "sellers re-evaluated after the first rebuild in about $((waited / 2)) s ($(redis-cli -p "$port" hlen 'scoring:{dirty-sellers}') still marked)"
rebuild_once second
# Third: generation 2 into 3 on a service restarted just before, as after a policy change's rollout
# (the warm-up of the first and the old generation of the second in one run).
stop_scoring
start_scoring
rebuild_once restarted
stop_scoring

# Replay from the topics into an empty store.
[ "$replay_orders" = 0 ] && exit 0
redis-cli -p "$port" flushall >/dev/null
$bench events "127.0.0.1:$port" "$replay_orders"
events="$(( $(redis-cli -p "$port" xlen orders) + $(redis-cli -p "$port" xlen reviews) ))"
start=$(date +%s.%N)
start_scoring
caught="$($bench caught-up "127.0.0.1:$port")"
end=$(date +%s.%N)
stop_scoring
awk -v e="$events" -v s="$start" -v t="$end" -v h="$hset" 'BEGIN { r = e / (t - s); printf "replay: %d events in %.1f s from the start of Scoring: %.0f events/s\nratio replay events/s / HSET -P 16 ops/s:   %.4f\n", e, t - s, r, r / h }'
