#!/usr/bin/env bash
# gRPC unary benchmark: h2load with identical settings, side by side in one run, against
#   (a) ours    - echo Unary on the platform's stack: a process composed like every service
#                 (AddServiceDefaults / MapServiceDefaults: Grpc.AspNetCore, JwtBearer authentication
#                 and authorization, the status interceptor, OpenTelemetry), calls carry a bearer token
#   (b) bare    - bare Kestrel HTTP/2 writing the same response bytes and trailers
#   (c) grpc-js - @grpc/grpc-js serving the same proto
#   and, for calibration, minimal - Grpc.AspNetCore alone (no authentication, interceptor, telemetry)
# and prints requests/s, p99, CPU and allocations per call, and the ratios ours/bare and ours/grpc-js. h2load counts any HTTP 200
# as success, so every server also counts the responses that ended with grpc-status 0, and nghttp
# checks one call's trailers on each. Targets: ours >= 65% of bare, >= 8x grpc-js.
# Then (d): GetGigScore of the Scoring service (composed as its Program.cs does, in the bench
# server) on a real Redis holding a seeded Gig, 50 calls in flight (SCORING_CLIENTS connections
# x SCORING_STREAMS streams), req/s and p99, with grpc-status 0 counted the same way.
# Target: p99 < 5 ms. And (e): the floor under (d), bare Kestrel making one Redis round trip per call.
# Every figure is of a server in its steady state: before each measured run, a .NET server is warmed
# in chunks of WARMUP requests (GetGigScore: SCORING_WARMUP) until a chunk made the JIT compile at
# most JIT_SETTLED new methods (the servers print "STATS <grpc-status 0 responses> <JIT-compiled
# methods> <allocated bytes> <CPU ms>" every 100 ms), at most WARMUP_CHUNKS chunks; grpc-js (no such
# counter) gets as many warm-up requests as the most a .NET server's warm-up needed in the same round.
# CPU and bytes per call are those of the measured runs alone (snapshots just before and after each).
# Usage: bench/grpc/run.sh   (env: REQUESTS, CLIENTS, STREAMS, THREADS, WARMUP, ROUNDS,
#                              JIT_SETTLED, WARMUP_CHUNKS,
#                              SCORING_REQUESTS, SCORING_WARMUP, SCORING_CLIENTS, SCORING_STREAMS,
#                              TELEMETRY=on|off, SAMPLING=0.1: the traces' share, 1 traces every call)
set -euo pipefail
cd "$(dirname "$0")/../.."
REQUESTS=${REQUESTS:-200000}
CLIENTS=${CLIENTS:-16}
STREAMS=${STREAMS:-32}
THREADS=${THREADS:-1}
WARMUP=${WARMUP:-50000}              # a warm-up chunk (requests)
JIT_SETTLED=${JIT_SETTLED:-2}        # the JIT has settled when a warm-up chunk compiled at most this many new methods
WARMUP_CHUNKS=${WARMUP_CHUNKS:-40}   # at most this many chunks per warm-up; then it says so and measures anyway
ROUNDS=${ROUNDS:-3}
TELEMETRY=${TELEMETRY:-on}   # on: ours and scoring export traces, metrics and logs to a stand-in OTLP collector
SAMPLING=${SAMPLING:-0.1}    # share of traces recorded and exported, as charts/marketplace/values-production.yaml sets it
SCORING_REQUESTS=${SCORING_REQUESTS:-20000}
SCORING_WARMUP=${SCORING_WARMUP:-20000}   # GetGigScore's warm-up chunk (calls), and that of its read path alone
SCORING_CLIENTS=${SCORING_CLIENTS:-10}
SCORING_STREAMS=${SCORING_STREAMS:-5}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in h2load nghttp node dotnet python3 redis-server redis-cli; do
  command -v "$tool" >/dev/null || { echo "run.sh: '$tool' is missing (run 'make setup')" >&2; exit 1; }
done
[ -d tests/interop/node_modules/@grpc/grpc-js ] || { echo "run.sh: run 'make setup' (npm ci in tests/interop) first" >&2; exit 1; }

echo "building the bench server (Release)..."
dotnet build -c Release -v quiet -nologo bench/grpc/BenchServer/BenchServer.csproj >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
SERVER="dotnet bench/grpc/BenchServer/bin/Release/net10.0/Marketplace.Bench.GrpcServer.dll"
$SERVER frame "$WORK/request.bin"
$SERVER frame-gig-score "$WORK/gig-score.bin"
BEARER=$($SERVER token bench-client internal)
SELLER_BEARER=$($SERVER token bench-seller seller)   # the seeded Gig's seller may read its score

source bench/lib.sh   # free_port (the working directory is the repository root)

wait_listening() { # file
  for _ in $(seq 1 300); do grep -q LISTENING "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "server did not start:"; cat "$1"; exit 1
}

start_redis() { # name: starts a private redis-server on a free port and sets REDIS_ADDRESS
  local port; port=$(free_port)
  mkdir -p "$WORK/$1"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK/$1" --loglevel warning >"$WORK/$1.out" 2>&1 &
  PIDS+=("$!")   # not in a subshell, so cleanup stops it
  for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  REDIS_ADDRESS="127.0.0.1:$port"
}

# The platform process needs Redis (readiness, the event bus).
start_redis redis-echo; REDIS=$REDIS_ADDRESS

# Telemetry is collected only when an OTLP endpoint is set (as in a cluster): a stand-in collector.
if [ "$TELEMETRY" = on ]; then
  SINK_PORT=$(free_port)
  $SERVER sink "$SINK_PORT" >"$WORK/sink.out" 2>&1 &
  PIDS+=("$!"); SINK_PID=$!
  wait_listening "$WORK/sink.out"
  export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$SINK_PORT"
  export OTEL_METRIC_EXPORT_INTERVAL=5000
  export OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG="$SAMPLING"
fi

H2LOAD_ARGS=(-c "$CLIENTS" -m "$STREAMS" -t "$THREADS" -d "$WORK/request.bin"
  -H 'content-type: application/grpc' -H 'te: trailers' -H "authorization: $BEARER")
PATH_URL=/marketplace.bench.v1.Echo/Unary

declare -A PORT PID SENT
start_server() { # name, port, start command...
  local name=$1 port=$2; shift 2
  "$@" >"$WORK/$name.out" 2>&1 &
  PID[$name]=$!
  PIDS+=("$!")
  PORT[$name]=$port
  wait_listening "$WORK/$name.out"
  # One call checked by hand: the trailers must carry grpc-status: 0.
  nghttp -v -d "$WORK/request.bin" -H 'content-type: application/grpc' -H 'te: trailers' -H "authorization: $BEARER" \
    "http://127.0.0.1:$port$PATH_URL" >"$WORK/$name.nghttp" 2>&1 || true
  grep -q 'grpc-status: 0' "$WORK/$name.nghttp" || { echo "$name: no grpc-status 0 in the response:"; cat "$WORK/$name.nghttp"; exit 1; }
  SENT[$name]=1   # requests sent to it so far: its count of grpc-status 0 responses must reach it
}

# A .NET server prints "STATS <grpc-status 0 responses> <JIT-compiled methods> <allocated bytes>
# <CPU ms>" every 100 ms. stats_after prints "<JIT methods> <bytes> <CPU ms>" of its first line that
# counts every request sent to it so far: the server's state just after those calls.
stats_after() { # name
  local name=$1 line
  for _ in $(seq 1 300); do
    line=$(awk -v sent="${SENT[$name]}" '/^STATS / && $2 >= sent { print $3, $4, $5; exit }' "$WORK/$name.out")
    if [ -n "$line" ]; then echo "$line"; return 0; fi
    sleep 0.1
  done
  echo "$name: only $(awk '/^STATS / { n = $2 } END { print n + 0 }' "$WORK/$name.out") of ${SENT[$name]} responses ended with grpc-status 0 (after 30 s)" >&2
  tail -5 "$WORK/$name.out" >&2
  return 1
}

# Warms a .NET server until its JIT has settled: chunks of <chunk> requests until one made it compile
# at most JIT_SETTLED new methods, at most WARMUP_CHUNKS chunks. Sets WARMED[name] (requests),
# WARM_NOTE[name] and BEFORE[name] (the snapshot the measured run starts from).
declare -A WARMED WARM_NOTE BEFORE WARM_LIST
warm_up() { # name, url, chunk, h2load arguments...
  local name=$1 url=$2 chunk=$3 chunks=0 snap jit0 jit1
  shift 3
  snap=$(stats_after "$name") || exit 1
  jit0=${snap%% *}
  while true; do
    h2load -n "$chunk" "$@" "$url" >/dev/null
    SENT[$name]=$(( SENT[$name] + chunk )); chunks=$(( chunks + 1 ))
    snap=$(stats_after "$name") || exit 1
    jit1=${snap%% *}
    if (( jit1 - jit0 <= JIT_SETTLED )); then
      WARM_NOTE[$name]="JIT settled: $(( jit1 - jit0 )) new methods in the last chunk"; break
    fi
    if (( chunks >= WARMUP_CHUNKS )); then
      WARM_NOTE[$name]="the JIT did NOT settle in $chunks chunks ($(( jit1 - jit0 )) new methods in the last): measured anyway"; break
    fi
    jit0=$jit1
  done
  WARMED[$name]=$(( chunks * chunk ))
  WARM_LIST[$name]+="${WARM_LIST[$name]:+ + }${WARMED[$name]}"
  BEFORE[$name]=$snap
}

# CPU and allocations of the measured runs alone, summed per server.
declare -A RUN_CPU_MS RUN_BYTES RUN_JIT RUN_TICKS
measured() { # name: after a measured run of a .NET server, adds its CPU, bytes and JIT compilations
  local name=$1 snap jit0 bytes0 cpu0 jit1 bytes1 cpu1
  snap=$(stats_after "$name") || exit 1
  read -r jit0 bytes0 cpu0 <<<"${BEFORE[$name]}"
  read -r jit1 bytes1 cpu1 <<<"$snap"
  RUN_CPU_MS[$name]=$(( ${RUN_CPU_MS[$name]:-0} + cpu1 - cpu0 ))
  RUN_BYTES[$name]=$(( ${RUN_BYTES[$name]:-0} + bytes1 - bytes0 ))
  RUN_JIT[$name]=$(( ${RUN_JIT[$name]:-0} + jit1 - jit0 ))
}

SERVERS=(ours minimal bare grpcjs)
port=$(free_port); start_server ours "$port" $SERVER ours "$port" "$(free_port)" "$REDIS"
port=$(free_port); start_server minimal "$port" $SERVER minimal "$port"
port=$(free_port); start_server bare "$port" $SERVER bare "$port"
port=$(free_port); start_server grpcjs "$port" node bench/grpc/grpcjs-server.js "$port"

# The machine may be shared: rounds alternate the servers (rotating which goes first) and the
# median round is reported, with the median of the within-round ratios.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }   # grpc-js's CPU (clock ticks of 10 ms)
declare -A RESULTS
echo "telemetry of ours and scoring: $TELEMETRY${OTEL_EXPORTER_OTLP_ENDPOINT:+ (OTLP to a stand-in collector, traces sampled at $SAMPLING)}"
echo "h2load -n $REQUESTS -c $CLIENTS -m $STREAMS -t $THREADS, $ROUNDS rounds, unary echo, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "each run after a warm-up: chunks of $WARMUP requests until one made the JIT compile at most $JIT_SETTLED new methods (at most $WARMUP_CHUNKS chunks);"
echo "grpc-js (no JIT counter): as many warm-up requests as the most a .NET server's warm-up needed in the same round (before it;"
echo "  when it goes first, in the round before)"
MOST_WARMUP=$WARMUP   # grpc-js's warm-up: the most requests a .NET server's warm-up needed in this round
for round in $(seq 1 "$ROUNDS"); do
  order=("${SERVERS[@]:$(( (round - 1) % 4 ))}" "${SERVERS[@]:0:$(( (round - 1) % 4 ))}")
  ROUND_MOST=0
  for name in "${order[@]}"; do
    url="http://127.0.0.1:${PORT[$name]}$PATH_URL"
    if [ "$name" = grpcjs ]; then
      h2load -n "$MOST_WARMUP" "${H2LOAD_ARGS[@]}" "$url" >/dev/null
      SENT[$name]=$(( SENT[$name] + MOST_WARMUP )); WARMED[$name]=$MOST_WARMUP
      WARM_LIST[$name]+="${WARM_LIST[$name]:+ + }$MOST_WARMUP"
      WARM_NOTE[$name]="no JIT counter: the most a .NET server's warm-up needed in this round"
      ticks0=$(cpu_ticks "${PID[$name]}")
    else
      warm_up "$name" "$url" "$WARMUP" "${H2LOAD_ARGS[@]}"
      if (( WARMED[$name] > ROUND_MOST )); then ROUND_MOST=${WARMED[$name]}; MOST_WARMUP=$ROUND_MOST; fi
    fi
    rm -f "$WORK/$name.log"
    h2load -n "$REQUESTS" "${H2LOAD_ARGS[@]}" --log-file "$WORK/$name.log" "$url" >"$WORK/$name.h2load"
    SENT[$name]=$(( SENT[$name] + REQUESTS ))
    if [ "$name" = grpcjs ]; then
      RUN_TICKS[$name]=$(( ${RUN_TICKS[$name]:-0} + $(cpu_ticks "${PID[$name]}") - ticks0 ))
    else
      measured "$name"
    fi
    rps=$(awk '/^finished in/ { gsub(",", "", $4); print $4 }' "$WORK/$name.h2load")
    read -r count bad p99 < <(python3 bench/grpc/p99.py "$WORK/$name.log")
    if [ "$bad" != 0 ] || [ "$count" != "$REQUESTS" ]; then
      echo "$name: h2load logged $count requests, $bad not HTTP 200"; grep -E 'requests:|status codes:' "$WORK/$name.h2load"; exit 1
    fi
    RESULTS[$name]+="$rps $p99,"
    printf '  round %d  %-7s %10s req/s   p99 %7s ms   after %d warm-up requests (%s)\n' "$round" "$name" "$rps" "$p99" "${WARMED[$name]}" "${WARM_NOTE[$name]}"
  done
done

# Every request must have ended with grpc-status 0, as counted by the servers themselves.
# CPU and bytes per call are those of the measured runs (<calls> in all), not of the warm-ups.
declare -A PER_CALL
stop_and_check() { # name, measured calls
  local name=$1 calls=$2 ok cpu bytes
  kill -TERM "${PID[$name]}"; wait "${PID[$name]}" 2>/dev/null || true
  ok=$(awk '/^OK_RESPONSES/ { print $2 }' "$WORK/$name.out")
  if [ "$ok" != "${SENT[$name]}" ]; then
    echo "$name: only ${ok:-no} of ${SENT[$name]} responses ended with grpc-status 0"; tail -20 "$WORK/$name.out"; exit 1
  fi
  if [ "$name" = grpcjs ]; then
    cpu=$(( RUN_TICKS[$name] * 10000 / calls )); bytes=-
  else
    cpu=$(( RUN_CPU_MS[$name] * 1000 / calls )); bytes=$(( RUN_BYTES[$name] / calls ))
  fi
  PER_CALL[$name]="$cpu $bytes"
  local figures="$cpu us CPU per call"
  [ "$bytes" = - ] || figures+=", $bytes bytes allocated per call"
  [ -z "${RUN_JIT[$name]:-}" ] || figures+=", ${RUN_JIT[$name]} methods compiled while measured"
  echo "  $name: grpc-status 0 on $ok/${SENT[$name]} responses; $figures (measured runs only); warm-up requests: ${WARM_LIST[$name]}"
}
for name in "${SERVERS[@]}"; do stop_and_check "$name" $(( ROUNDS * REQUESTS )); done

# (d) GetGigScore: the bench server seeds the Gig through Scoring's own event handlers and the
# daily evaluation before it prints LISTENING.
start_redis redis-scoring; SCORING_REDIS=$REDIS_ADDRESS
SCORING_URL_PATH=/marketplace.scoring.v1.ScoringService/GetGigScore
port=$(free_port)
$SERVER scoring "$port" "$(free_port)" "$SCORING_REDIS" >"$WORK/scoring.out" 2>&1 &
PID[scoring]=$!; PIDS+=("$!")
for _ in $(seq 1 1200); do grep -q LISTENING "$WORK/scoring.out" 2>/dev/null && break; kill -0 "${PID[scoring]}" 2>/dev/null || break; sleep 0.1; done
grep -q LISTENING "$WORK/scoring.out" || { echo "scoring did not start:"; tail -20 "$WORK/scoring.out"; exit 1; }
nghttp -v -d "$WORK/gig-score.bin" -H 'content-type: application/grpc' -H 'te: trailers' -H "authorization: $SELLER_BEARER" \
  "http://127.0.0.1:$port$SCORING_URL_PATH" >"$WORK/scoring.nghttp" 2>&1 || true
grep -q 'grpc-status: 0' "$WORK/scoring.nghttp" || { echo "scoring: no grpc-status 0 in the response:"; cat "$WORK/scoring.nghttp"; exit 1; }
SENT[scoring]=1
SCORING_ARGS=(-c "$SCORING_CLIENTS" -m "$SCORING_STREAMS" -t "$THREADS" -d "$WORK/gig-score.bin"
  -H 'content-type: application/grpc' -H 'te: trailers' -H "authorization: $SELLER_BEARER")
echo
echo "GetGigScore of a seeded Gig: h2load -n $SCORING_REQUESTS -c $SCORING_CLIENTS -m $SCORING_STREAMS ($(( SCORING_CLIENTS * SCORING_STREAMS )) calls in flight), load average $(cut -d' ' -f1-3 /proc/loadavg)"
warm_up scoring "http://127.0.0.1:$port$SCORING_URL_PATH" "$SCORING_WARMUP" "${SCORING_ARGS[@]}"
echo "  after ${WARMED[scoring]} warm-up calls in chunks of $SCORING_WARMUP (${WARM_NOTE[scoring]})"
# One measured run of SCORING_REQUESTS calls at 50 in flight against a warmed server: sets RUN_RPS
# and RUN_P99, adds the run's CPU and allocations, fails unless h2load logged every call as HTTP 200.
measured_at_50() { # name, url
  local name=$1 url=$2 count bad
  h2load -n "$SCORING_REQUESTS" "${SCORING_ARGS[@]}" --log-file "$WORK/$name.log" "$url" >"$WORK/$name.h2load"
  SENT[$name]=$(( SENT[$name] + SCORING_REQUESTS ))
  measured "$name"
  RUN_RPS=$(awk '/^finished in/ { gsub(",", "", $4); print $4 }' "$WORK/$name.h2load")
  read -r count bad RUN_P99 < <(python3 bench/grpc/p99.py "$WORK/$name.log")
  if [ "$bad" != 0 ] || [ "$count" != "$SCORING_REQUESTS" ]; then
    echo "$name: h2load logged $count requests, $bad not HTTP 200"; grep -E 'requests:|status codes:' "$WORK/$name.h2load"; exit 1
  fi
}
measured_at_50 scoring "http://127.0.0.1:$port$SCORING_URL_PATH"
SCORING_RPS=$RUN_RPS SCORING_P99=$RUN_P99
stop_and_check scoring "$SCORING_REQUESTS"

# (e) The floor under (d): bare Kestrel that makes one Redis round trip per call (a read script by
# its SHA1) and answers a precomputed reply of GetGigScore's size, with the same calls in flight and
# the same warm-up rule. No server that reads Redis once per call answers faster here.
port=$(free_port)
start_floor() { "$@" >"$WORK/floor.out" 2>&1 & PID[floor]=$!; PIDS+=("$!"); wait_listening "$WORK/floor.out"; }
start_floor $SERVER floor "$port" "$SCORING_REDIS"
SENT[floor]=0
warm_up floor "http://127.0.0.1:$port$SCORING_URL_PATH" "$SCORING_WARMUP" "${SCORING_ARGS[@]}"
measured_at_50 floor "http://127.0.0.1:$port$SCORING_URL_PATH"
FLOOR_RPS=$RUN_RPS FLOOR_P99=$RUN_P99
echo "  floor (bare Kestrel + one Redis round trip per call), after ${WARMED[floor]} warm-up calls (${WARM_NOTE[floor]}):"
stop_and_check floor "$SCORING_REQUESTS"

# The same read without the transport (Redis read, engine, response serialized) in one process,
# with as many calls in flight: what part of GetGigScore's CPU is Scoring's own. It warms itself the
# same way (chunks of SCORING_WARMUP calls until the JIT settles).
start_redis redis-inproc
INPROC=$($SERVER scoring-inproc "$(free_port)" "$(free_port)" "$REDIS_ADDRESS" "$SCORING_REQUESTS" $(( SCORING_CLIENTS * SCORING_STREAMS )) \
  "$SCORING_WARMUP" "$JIT_SETTLED" "$WARMUP_CHUNKS" 2>&1 | grep '^INPROC' || true)
echo "  without the transport: ${INPROC#INPROC }"

python3 - "${RESULTS[ours]}" "${RESULTS[minimal]}" "${RESULTS[bare]}" "${RESULTS[grpcjs]}" \
  "${PER_CALL[ours]}" "${PER_CALL[minimal]}" "${PER_CALL[bare]}" "${PER_CALL[grpcjs]}" <<'PY'
import statistics, sys
names = ("ours", "minimal", "bare", "grpc-js")
rounds = [[tuple(float(x) for x in r.split()) for r in t.strip(",").split(",")] for t in sys.argv[1:5]]
per_call = [t.split() for t in sys.argv[5:9]]
print()
print(f"{'server':<10}{'req/s':>12}{'p99 ms':>10}{'CPU us/call':>13}{'bytes/call':>12}   (median round)")
for name, r, (cpu, alloc) in zip(names, rounds, per_call):
    rps, p99 = sorted(r)[len(r) // 2]
    print(f"{name:<10}{rps:>12,.0f}{p99:>10.2f}{cpu:>13}{alloc:>12}")
ratio = lambda a, b: statistics.median(x[0] / y[0] for x, y in zip(rounds[a], rounds[b]))
print()
print("ratios: median over rounds of the ratio within each round (neighbouring runs share the machine's load)")
bare, js = ratio(0, 2), ratio(0, 3)
print(f"ours / bare Kestrel      : {bare:6.1%}   (target >= 65%)  {'met' if bare >= 0.65 else 'NOT met'}")
print(f"ours / grpc-js           : {js:6.2f}x   (target >= 8x)   {'met' if js >= 8 else 'NOT met'}")
print(f"minimal / bare Kestrel   : {ratio(1, 2):6.1%}   (calibration: Grpc.AspNetCore alone)")
print(f"ours / minimal           : {ratio(0, 1):6.1%}   (what the platform's parts cost)")
print(f"bare Kestrel / grpc-js   : {ratio(2, 3):6.2f}x   (the most ours / grpc-js can be on this machine)")
PY
if [ "$TELEMETRY" = on ]; then
  kill -TERM "$SINK_PID"; wait "$SINK_PID" 2>/dev/null || true
  exports=$(awk '/^EXPORTS/ { print $2 }' "$WORK/sink.out")
  [ "${exports:-0}" -gt 0 ] || { echo "telemetry was on but the stand-in collector received no export"; exit 1; }
  echo "  telemetry: the stand-in collector received $exports OTLP exports"
fi
python3 - "$SCORING_RPS" "$SCORING_P99" "$FLOOR_RPS" "$FLOOR_P99" <<'PY'
import sys
rps, p99, floor_rps, floor_p99 = (float(a) for a in sys.argv[1:5])
print()
print(f"GetGigScore, 50 in flight: {rps:,.0f} req/s, p99 {p99:.2f} ms   (target p99 < 5 ms)  {'met' if p99 < 5 else 'NOT met'}")
print(f"  floor, 50 in flight:     {floor_rps:,.0f} req/s, p99 {floor_p99:.2f} ms   (bare Kestrel + one Redis round trip per call: the lowest p99 here)")
PY
