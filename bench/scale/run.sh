#!/usr/bin/env bash
# The platform at a million Gigs (issue 14, `make bench-scale`), on one throwaway redis-server
# (127.0.0.1, no persistence, started and stopped here by its pid) and the Scoring service as a
# process, next to redis-benchmark's ceiling measured in the same run:
#   1. redis-benchmark SET/HSET pipelined 16 deep and not pipelined (50 clients): the ceiling;
#   2. bulk load (Scale.Bench load): GIGS Gigs of SELLERS sellers, ORDERS_PER_GIG completed orders
#      each, in Scoring's key layout, computed with the engine; Redis memory per Gig (INFO memory
#      before/after) and its split (MEMORY USAGE of sampled keys);
#   3. GetGigScore: h2load, 50 calls in flight (10 connections x 5 streams), req/s and p99, after
#      chunks of WARMUP calls until Scoring's tiered compiler used at most GGS_JIT_SETTLED_MS in each
#      of two chunks in a row (at most GGS_WARMUP_CHUNKS);
#   4. the daily evaluation of every Gig and seller: RunEvaluation, timed to its answer;
#   5. event ingest: INGEST_ORDERS new orders as order/review CloudEvents written to the topic
#      streams while Scoring consumes them; events/s until its group has lag 0 and nothing pending.
#      Before it, as every benchmark here measures a process in its steady state, rounds of
#      WARMUP_INGEST_ORDERS other orders until Scoring's tiered compiler used at most
#      INGEST_JIT_SETTLED_MS of CPU in each of two rounds in a row, at most WARMUP_INGEST_ROUNDS.
# Settings (environment): GIGS=1000000 SELLERS=300000 ORDERS_PER_GIG=3 INGEST_ORDERS=20000
#   WARMUP_INGEST_ORDERS=5000 INGEST_JIT_SETTLED_MS=50 WARMUP_INGEST_ROUNDS=12 (0: no warm-up)
#   REQUESTS=50000 WARMUP=20000 GGS_JIT_SETTLED_MS=50 GGS_WARMUP_CHUNKS=30 SAMPLES=2000 EVAL_TIMEOUT=1800 (s, RunEvaluation's deadline); SMALL=1 for a quick run (20,000 Gigs); SCORING_ENV="EventBus__Workers=32 ..."
#   passes settings to the Scoring process; SKIP_EVAL=1 leaves the evaluation out; EVALUATIONS=2 runs it twice
#   (the second as every later one runs: with every seller's record written); SNAPSHOT=<file> keeps
#   the bulk-loaded data in an RDB file and loads it in later runs (the load takes minutes at 1,000,000 Gigs).
set -euo pipefail

if [ -n "${SMALL:-}" ]; then
  : "${GIGS:=20000}" "${SELLERS:=6000}" "${INGEST_ORDERS:=5000}" "${REQUESTS:=10000}" "${SAMPLES:=500}"
fi
GIGS=${GIGS:-1000000}
SELLERS=${SELLERS:-300000}
ORDERS_PER_GIG=${ORDERS_PER_GIG:-3}
INGEST_ORDERS=${INGEST_ORDERS:-20000}
REQUESTS=${REQUESTS:-50000}
WARMUP=${WARMUP:-20000}
GGS_JIT_SETTLED_MS=${GGS_JIT_SETTLED_MS:-50}
GGS_WARMUP_CHUNKS=${GGS_WARMUP_CHUNKS:-30}
SAMPLES=${SAMPLES:-2000}
WARMUP_INGEST_ORDERS=${WARMUP_INGEST_ORDERS:-5000}
INGEST_JIT_SETTLED_MS=${INGEST_JIT_SETTLED_MS:-50}
WARMUP_INGEST_ROUNDS=${WARMUP_INGEST_ROUNDS:-12}
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
for tool in redis-server redis-cli redis-benchmark h2load curl python3 dotnet; do
  command -v "$tool" >/dev/null || { echo "run.sh: '$tool' is missing (run 'make setup')" >&2; exit 1; }
done

source "$(cd "$(dirname "$0")" && pwd)/../lib.sh"   # free_port
port="$(free_port)"
data="$(mktemp -d)"
redis_pid=""
scoring_pid=""
stop_scoring() { if [ -n "$scoring_pid" ]; then kill "$scoring_pid" 2>/dev/null || true; wait "$scoring_pid" 2>/dev/null || true; scoring_pid=""; fi; }
cleanup() {
  stop_scoring
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT

echo "building (Release)..."
dotnet build "$here/Scale.Bench.csproj" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
bench="dotnet $here/bin/Release/net10.0/Scale.Bench.dll"
key="bench-only-signing-key-of-at-least-32-bytes"

# As the chart runs it (docs/scale.md "Memory"): REDIS_ARGS="" measures Redis's default encoding limits.
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$data" --daemonize no --loglevel warning --logfile "$data/redis.log" --enable-debug-command local ${REDIS_ARGS---hash-max-listpack-value 256} &
redis_pid=$!
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
rcli() { redis-cli -p "$port" "$@"; }
used_memory() { rcli info memory | awk -F: '/^used_memory:/ { print $2 }' | tr -d '\r'; }
kv() { sed -n "s/.* $2=\([^ ]*\).*/\1/p; s/^$2=\([^ ]*\).*/\1/p" <<<"$1" | head -1; }

# 1. The ceiling: redis-benchmark on the same redis-server, before anything else runs on it.
rb() { redis-benchmark -p "$port" -c 50 -q "$@" | tr '\r' '\n' | awk '/requests per second/ { sub(":", "", $1); for (i = 1; i <= NF; i++) if ($(i+1) == "requests") print $1, $i }' | sort -u; }
echo "redis-server $(redis-server --version | awk '{print $3}' | sed 's/v=//') on 127.0.0.1:$port, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
pipelined="$(rb -n 1000000 -P 16 -t set,hset)"
plain="$(rb -n 200000 -t set,hset)"
SET_P16=$(awk '$1 == "SET" { print $2 }' <<<"$pipelined"); HSET_P16=$(awk '$1 == "HSET" { print $2 }' <<<"$pipelined")
SET_P1=$(awk '$1 == "SET" { print $2 }' <<<"$plain"); HSET_P1=$(awk '$1 == "HSET" { print $2 }' <<<"$plain")
echo "redis-benchmark -c 50: SET $SET_P16 / HSET $HSET_P16 ops/s pipelined (-P 16); SET $SET_P1 / HSET $HSET_P1 ops/s not pipelined"
rcli flushall >/dev/null

# 2. Bulk load and memory. With SNAPSHOT=<file> the loaded data is saved there (RDB) on the first
# run and later runs with the same settings load it instead (DEBUG RELOAD): the evaluation and the
# ingest change the data, so each run starts from the same loaded state.
before=$(used_memory)
if [ -n "${SNAPSHOT:-}" ] && [ -f "$SNAPSHOT" ] && [ -f "$SNAPSHOT.load" ]; then
  echo "loading the snapshot $SNAPSHOT (made by: $(cat "$SNAPSHOT.load"))..."
  cp "$SNAPSHOT" "$data/dump.rdb"
  rcli debug reload nosave >/dev/null
  load="$(cat "$SNAPSHOT.load")"
else
  echo "loading $GIGS Gigs, $SELLERS sellers, $ORDERS_PER_GIG orders per Gig..."
  load="$($bench load "127.0.0.1:$port" "$GIGS" "$SELLERS" "$ORDERS_PER_GIG")"
  if [ -n "${SNAPSHOT:-}" ]; then
    rcli save >/dev/null && cp "$data/dump.rdb" "$SNAPSHOT" && echo "$load" >"$SNAPSHOT.load"
    rm -f "$data/dump.rdb"
  fi
fi
echo "  $load"
after=$(used_memory)
keys=$(rcli dbsize)
memory="$($bench memory "127.0.0.1:$port" "$GIGS" "$SELLERS" "$SAMPLES")"
echo "  used_memory $before -> $after bytes ($keys keys): $(( (after - before) / GIGS )) bytes per Gig"
echo "  per Gig by part (MEMORY USAGE of sampled keys): $memory"

# 3. Scoring as a process on the loaded Redis.
grpc="$(free_port)"; http="$(free_port)"
(cd "$root/services/Scoring/bin/Release/net10.0" && \
  exec env Platform__Redis="127.0.0.1:$port" Platform__BindAddress=127.0.0.1 Platform__GrpcPort="$grpc" Platform__HttpPort="$http" \
  Identity__SigningKey="$key" DOTNET_ENVIRONMENT=Production Logging__LogLevel__Default=Warning Logging__LogLevel__Marketplace.Scoring.Background=Information \
  ${SCORING_ENV:-} dotnet Marketplace.Scoring.dll >"$data/scoring.log" 2>&1) &
scoring_pid=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$http/readyz" >/dev/null 2>&1 && break; kill -0 "$scoring_pid" 2>/dev/null || break; sleep 0.1; done
curl -sf "http://127.0.0.1:$http/readyz" >/dev/null || { echo "Scoring did not start:"; tail -20 "$data/scoring.log"; exit 1; }

gig="g-$(( GIGS / 2 + 1 ))"
$bench frame "$data/gig.bin" "$gig"
bearer="$($bench token "$key")"
url="http://127.0.0.1:$grpc/marketplace.scoring.v1.ScoringService/GetGigScore"
h2=(-c 10 -m 5 -t 1 -d "$data/gig.bin" -H 'content-type: application/grpc' -H 'te: trailers' -H "authorization: $bearer")
# Warmed as bench/grpc warms it: chunks of WARMUP calls until Scoring's tiered compiler is quiet (a
# fixed 5,000 calls measured a read path still partly unoptimized: p99 19-33 ms).
scoring_dotnet=$(pgrep -P "$scoring_pid" -f Marketplace.Scoring.dll || echo "$scoring_pid")
echo "GetGigScore warm-up: chunks of $WARMUP calls until Scoring's tiered compiler used at most $GGS_JIT_SETTLED_MS ms in each of two chunks in a row (at most $GGS_WARMUP_CHUNKS)..."
echo "  $($bench warm-command "$scoring_dotnet" "$GGS_JIT_SETTLED_MS" "$GGS_WARMUP_CHUNKS" h2load -n "$WARMUP" "${h2[@]}" "$url")"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rcli config resetstat >/dev/null
ggs_cpu0=$(cpu_ticks "$scoring_dotnet"); ggs_redis_cpu0=$(cpu_ticks "$redis_pid")
TIMEFORMAT='%U %S'; { time h2load -n "$REQUESTS" "${h2[@]}" --log-file "$data/h2load.log" "$url" >"$data/h2load.out" 2>"$data/h2load.err"; } 2>"$data/h2load.time"
GGS_RPS=$(awk '/^finished in/ { gsub(",", "", $4); print $4 }' "$data/h2load.out")
# Where a call's CPU goes, per process, and what the read script costs in Redis (its commands included;
# evalsha_ro under 1 call per call: concurrent reads shared script calls, GigReadBatcher):
# figures that move less with the machine's load than the rate and the p99 do.
echo "  CPU per call: Scoring $(( ($(cpu_ticks "$scoring_dotnet") - ggs_cpu0) * 10000000 / REQUESTS / 1000 )) us, redis-server $(( ($(cpu_ticks "$redis_pid") - ggs_redis_cpu0) * 10000000 / REQUESTS / 1000 )) us (ticks of 10 ms), h2load $(awk -v n="$REQUESTS" '{ printf "%d", ($1 + $2) * 1e6 / n }' "$data/h2load.time") us"
rcli info commandstats | tr -d '\r' | awk -F'[:=,]' -v n="$REQUESTS" '/^cmdstat_/ { sub("cmdstat_", "", $1); if ($3 / n >= 0.01) printf "%s %.2f calls, %.1f us per call; ", $1, $3 / n, $7 }' | sed 's/; $//; s/^/  Redis per call: /'; echo
read -r count bad GGS_P99 < <(python3 "$root/bench/grpc/p99.py" "$data/h2load.log")
[ "$bad" = 0 ] && [ "$count" = "$REQUESTS" ] || { echo "GetGigScore: h2load logged $count requests, $bad not HTTP 200"; exit 1; }
echo "GetGigScore ($gig, 50 in flight, $REQUESTS calls): $GGS_RPS req/s, p99 $GGS_P99 ms"

# 4. The daily evaluation of everything loaded.
if [ -z "${SKIP_EVAL:-}" ]; then
  echo "RunEvaluation..."
  # What Redis spent on an evaluation, by command (scripts' own commands counted in theirs and in the script's time).
  eval_commands() {
    echo "  Redis during the evaluation, the six commands with the most time (INFO commandstats):"
    rcli info commandstats | tr -d '\r' | awk -F'[:=,]' '/^cmdstat_/ { sub("cmdstat_", "", $1); printf "    %-14s %10d calls %10.1f s %8.1f us per call\n", $1, $3, $5 / 1e6, $7 }' | sort -k4 -rn | head -6
    rcli info commandstats | tr -d '\r' | awk -F'[:=,]' '/^cmdstat_/ { n += $3; if ($1 == "cmdstat_hget" || $1 == "cmdstat_hlen") c += $3 } END { printf "    %d commands in all, %d of them HGET or HLEN (the commit scripts'"'"' conditions, mostly)\n", n, c }'
  }
  rcli config set latency-monitor-threshold 20 >/dev/null; rcli latency reset >/dev/null; rcli config resetstat >/dev/null
  eval_out="$($bench evaluate "http://127.0.0.1:$grpc" "$key" "${EVAL_TIMEOUT:-1800}")" || true
  echo "  $eval_out"
  eval_commands
  grep -ho '"Message":"Evaluation at [^"]*"' "$data/scoring.log" | sed 's/^"Message":"/  (service log) /; s/"$//' || true
  EVAL_BLOCK_MS=$(rcli latency latest | awk 'NR % 4 == 0' | sort -n | tail -1)
  echo "  longest Redis event during the evaluation (LATENCY LATEST, threshold 20 ms): ${EVAL_BLOCK_MS:-none} ms"
  eval_out="$eval_out eval_block_ms=${EVAL_BLOCK_MS:-0}"
  if [ "${EVALUATIONS:-1}" -ge 2 ]; then
    # The first evaluation of freshly loaded data writes every seller's record; a second one finds
    # them all written, as every evaluation after the first does.
    echo "RunEvaluation again (every seller now has a record)..."
    rcli config resetstat >/dev/null
    echo "  $($bench evaluate "http://127.0.0.1:$grpc" "$key" "${EVAL_TIMEOUT:-1800}" || true)"
    eval_commands
  fi
else
  eval_out=""
fi

# 5. Event ingest through Scoring.
if [ "$WARMUP_INGEST_ROUNDS" -gt 0 ]; then
  echo "ingest warm-up: rounds of $WARMUP_INGEST_ORDERS other orders until Scoring's tiered compiler used at most $INGEST_JIT_SETTLED_MS ms in each of two rounds in a row (at most $WARMUP_INGEST_ROUNDS rounds)..."
  warm="$($bench warm-ingest "127.0.0.1:$port" "$GIGS" "$SELLERS" "$WARMUP_INGEST_ORDERS" "$scoring_dotnet" "$INGEST_JIT_SETTLED_MS" "$WARMUP_INGEST_ROUNDS")"
  echo "  $warm"
fi
echo "ingest: $INGEST_ORDERS new orders as events..."
rcli config resetstat >/dev/null
cpu0=$(cpu_ticks "$scoring_dotnet"); redis_cpu0=$(cpu_ticks "$redis_pid")
trace_pid=""
if [ -n "${TRACE:-}" ]; then   # TRACE=1: sample Scoring's threads during the ingest (dotnet-trace), top methods printed below
  "$HOME/.dotnet/tools/dotnet-trace" collect -p "$scoring_dotnet" --profile dotnet-sampled-thread-time --duration 00:00:00:${TRACE_SECONDS:-10} -o "$data/ingest.nettrace" >"$data/trace.out" 2>&1 &
  trace_pid=$!
fi
ingest="$($bench ingest "127.0.0.1:$port" "$GIGS" "$SELLERS" "$INGEST_ORDERS")"
echo "  $ingest"
if [ -n "$trace_pid" ]; then
  wait "$trace_pid" || true
  "$HOME/.dotnet/tools/dotnet-trace" report "$data/ingest.nettrace" topN -n "${TRACE_TOP:-40}" > "${TRACE_OUT:-/tmp/scale-ingest-trace.txt}" 2>&1 || true
  "$HOME/.dotnet/tools/dotnet-trace" report "$data/ingest.nettrace" topN -n "${TRACE_TOP:-40}" --inclusive >> "${TRACE_OUT:-/tmp/scale-ingest-trace.txt}" 2>&1 || true
  echo "  dotnet-trace top methods: ${TRACE_OUT:-/tmp/scale-ingest-trace.txt}"
fi
events=$(kv "$ingest" ingest_events)
echo "  CPU per event: Scoring $(( ($(cpu_ticks "$scoring_dotnet") - cpu0) * 10000000 / events / 1000 )) us, redis-server $(( ($(cpu_ticks "$redis_pid") - redis_cpu0) * 10000000 / events / 1000 )) us (ticks of 10 ms)"
# Socket reads and writes: Redis reads every command a client has sent in one read and answers them
# in one write, so these count round trips (the bench's own pipelined writes and its polls every 20 ms
# included: about 0.05 per event).
rcli info stats | tr -d '\r' | awk -F: -v n="$events" '/^total_reads_processed:/ { r = $2 } /^total_writes_processed:/ { w = $2 } /^total_commands_processed:/ { c = $2 }
  END { printf "  Redis per event: %.2f socket reads, %.2f socket writes, %.1f commands (those in scripts included)\n", r / n, w / n, c / n }'
echo "  Redis commands per event (INFO commandstats during the ingest, the seller evaluations it causes included):"
rcli info commandstats | tr -d '\r' | awk -F'[:=,]' -v n="$events" '/^cmdstat_/ { sub("cmdstat_", "", $1); if ($3 / n >= 0.01) printf "    %-14s %6.2f calls, %8.1f us per call\n", $1, $3 / n, $7 }' | sort -k2 -rn
stop_scoring

python3 - "$SET_P16" "$HSET_P16" "$SET_P1" "$HSET_P1" "$GGS_RPS" "$GGS_P99" "$before" "$after" "$GIGS" "$memory" "$eval_out" "$ingest" "$load" "${EVAL_TIMEOUT:-1800}" <<'PY'
import sys
set16, hset16, set1, hset1, rps, p99, before, after, gigs = (float(x) for x in sys.argv[1:10])
kv = lambda s: dict(p.split("=", 1) for p in s.split() if "=" in p)
mem, ev, ing, load = kv(sys.argv[10]), kv(sys.argv[11]), kv(sys.argv[12]), kv(sys.argv[13])
per_gig = (after - before) / gigs
print()
print(f"{'figure':<46}{'value':>16}   {'/ HSET -P 16':>12}{'/ HSET -P 1':>12}   target")
def row(name, value, unit, ratio_base=None, target=""):
    r16 = f"{ratio_base / hset16:12.4f}" if ratio_base is not None else f"{'':>12}"
    r1 = f"{ratio_base / hset1:12.4f}" if ratio_base is not None else f"{'':>12}"
    print(f"{name:<46}{value:>12} {unit:<3}{r16}{r1}   {target}")
row("redis-benchmark SET -P 16", f"{set16:,.0f}", "/s", set16)
row("redis-benchmark HSET -P 16 (the ceiling)", f"{hset16:,.0f}", "/s", hset16)
row("redis-benchmark SET, not pipelined", f"{set1:,.0f}", "/s", set1)
row("redis-benchmark HSET, not pipelined", f"{hset1:,.0f}", "/s", hset1)
row("bulk load, orders/s", f"{float(load['orders']) / float(load['load_seconds']):,.0f}", "/s", float(load['orders']) / float(load['load_seconds']))
if ing:
    rate = float(ing["ingest_rate"])
    row("event ingest through Scoring, events/s", f"{rate:,.0f}", "/s", rate, f">= 20,000/s  {'met' if rate >= 20000 else 'NOT met'}")
row("GetGigScore, 50 in flight, req/s", f"{rps:,.0f}", "/s", rps)
row("GetGigScore p99", f"{p99:.2f}", "ms", None, f"< 5 ms  {'met' if p99 < 5 else 'NOT met'}")
row("Redis memory per Gig (used_memory delta)", f"{per_gig:,.0f}", "B", None, f"<= 1,024 B  {'met' if per_gig <= 1024 else 'NOT met'} ({per_gig / 1024:.2f} KiB)")
for part, name in (("mem_gig", "Gig aggregates (hash, included)"), ("mem_orders", "orders (records, Gig's order set)"), ("mem_sellers", "sellers (Gigs, totals, clients, ratings)"), ("mem_peers", "peer groups (rankings, sums)")):
    row(f"  of which {name}", f"{float(mem[part]):,.0f}", "B")
if ev.get("eval_failed_seconds"):
    row("daily evaluation: failed after", ev["eval_failed_seconds"], "s", None, f"< 300 s  NOT met (RunEvaluation answered {ev['eval_status']}, EVAL_TIMEOUT {sys.argv[14]} s)")
elif not ev.get("eval_seconds"):
    row("daily evaluation", "skipped", "", None, "")
else:
    s = float(ev["eval_seconds"])
    gigs_s = float(ev["eval_gigs"]) / s
    row("daily evaluation, seconds", f"{s:,.1f}", "s", None, f"< 300 s  {'met' if s < 300 else 'NOT met'}")
    row("  Gigs ranked per second", f"{gigs_s:,.0f}", "/s", gigs_s)
    row("  sellers evaluated", f"{float(ev['eval_sellers']):,.0f}", "")
    row("  longest Redis event during it", ev.get("eval_block_ms", "0"), "ms")
print(f"\n{int(gigs):,} Gigs, {load['sellers']} sellers, {int(load['orders']):,} orders, {load['scored_gigs']} scored, {load['peer_groups']} peer groups")
PY
