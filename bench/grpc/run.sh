#!/usr/bin/env bash
# gRPC unary benchmark: h2load with identical settings against
#   (a) ours    - echo Unary on the Marketplace.Grpc layer (Kestrel HTTP/2)
#   (b) bare    - a bare Kestrel HTTP/2 endpoint writing the same response bytes and trailers
#   (c) grpc-js - @grpc/grpc-js serving the same proto
# and prints requests/s, p99 and the ratios ours/bare and ours/grpc-js. h2load counts any
# HTTP 200 as success, so every server also counts responses that ended with grpc-status 0,
# and nghttp checks one call's trailers on each. Targets: ours >= 80% of bare, >= 2x grpc-js.
# Usage: bench/grpc/run.sh   (env: REQUESTS, CLIENTS, STREAMS, THREADS, WARMUP, ROUNDS)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)
REQUESTS=${REQUESTS:-200000}
CLIENTS=${CLIENTS:-16}
STREAMS=${STREAMS:-32}
THREADS=${THREADS:-1}
WARMUP=${WARMUP:-50000}
ROUNDS=${ROUNDS:-3}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in h2load nghttp node dotnet python3; do
  command -v "$tool" >/dev/null || { echo "run.sh: '$tool' is missing (h2load/nghttp: apt-get install nghttp2-client)" >&2; exit 1; }
done
[ -d tests/interop/node_modules/@grpc/grpc-js ] || { echo "run.sh: run 'npm ci --prefix tests/interop' first" >&2; exit 1; }

echo "building BenchServer (Release)..."
dotnet build -c Release -v quiet -nologo bench/grpc/BenchServer/BenchServer.csproj >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
SERVER="dotnet bench/grpc/BenchServer/bin/Release/net10.0/Marketplace.Grpc.BenchServer.dll"
$SERVER frame "$WORK/request.bin"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_listening() { # file
  for _ in $(seq 1 100); do grep -q LISTENING "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "server did not start:"; cat "$1"; exit 1
}

H2LOAD_ARGS=(-c "$CLIENTS" -m "$STREAMS" -t "$THREADS" -d "$WORK/request.bin"
  -H 'content-type: application/grpc' -H 'te: trailers')
PATH_URL=/marketplace.testing.v1.Echo/Unary

declare -A PORT PID
start_server() { # name, start command...
  local name=$1; shift
  local port; port=$(free_port)
  "$@" "$port" >"$WORK/$name.out" 2>&1 &
  PID[$name]=$!
  PIDS+=("$!")
  PORT[$name]=$port
  wait_listening "$WORK/$name.out"
  # One call checked by hand: the trailers must carry grpc-status: 0.
  nghttp -v -d "$WORK/request.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://127.0.0.1:$port$PATH_URL" >"$WORK/$name.nghttp" 2>&1 || true
  grep -q 'grpc-status: 0' "$WORK/$name.nghttp" || { echo "$name: no grpc-status 0 in the response:"; cat "$WORK/$name.nghttp"; exit 1; }
}

SERVERS=(ours bare grpcjs)
start_server ours $SERVER ours
start_server bare $SERVER bare
start_server grpcjs node bench/grpc/grpcjs-server.js

# The machine may be shared: rounds alternate the servers (rotating which goes first) and the
# median round is reported, with the median of the within-round ratios.
declare -A RESULTS
echo "h2load -n $REQUESTS -c $CLIENTS -m $STREAMS -t $THREADS, $ROUNDS rounds (each after $WARMUP warm-up requests), unary echo, $(nproc) cores"
for round in $(seq 1 "$ROUNDS"); do
  # Each round starts with a different server, so none is always measured first.
  order=("${SERVERS[@]:$(( (round - 1) % 3 ))}" "${SERVERS[@]:0:$(( (round - 1) % 3 ))}")
  for name in "${order[@]}"; do
    url="http://127.0.0.1:${PORT[$name]}$PATH_URL"
    h2load -n "$WARMUP" "${H2LOAD_ARGS[@]}" "$url" >/dev/null
    rm -f "$WORK/$name.log"
    h2load -n "$REQUESTS" "${H2LOAD_ARGS[@]}" --log-file "$WORK/$name.log" "$url" >"$WORK/$name.h2load"
    rps=$(awk '/^finished in/ { gsub(",", "", $4); print $4 }' "$WORK/$name.h2load")
    read -r count bad p99 < <(python3 bench/grpc/p99.py "$WORK/$name.log")
    if [ "$bad" != 0 ] || [ "$count" != "$REQUESTS" ]; then
      echo "$name: h2load logged $count requests, $bad not HTTP 200"; grep -E 'requests:|status codes:' "$WORK/$name.h2load"; exit 1
    fi
    RESULTS[$name]+="$rps $p99,"
    printf '  round %d  %-7s %10s req/s   p99 %7s ms\n' "$round" "$name" "$rps" "$p99"
  done
done

# Every request must have ended with grpc-status 0, as counted by the servers themselves.
expected=$(( ROUNDS * (REQUESTS + WARMUP) + 1 ))
for name in "${SERVERS[@]}"; do
  kill -TERM "${PID[$name]}"; wait "${PID[$name]}" 2>/dev/null || true
  ok=$(awk '/^OK_RESPONSES/ { print $2 }' "$WORK/$name.out")
  if [ "$ok" != "$expected" ]; then
    echo "$name: only $ok of $expected responses ended with grpc-status 0"; exit 1
  fi
  alloc=$(awk '/^ALLOCATED_BYTES/ { print $2 }' "$WORK/$name.out")
  cpu=$(awk '/^CPU_MS/ { print $2 }' "$WORK/$name.out")
  if [ -n "$alloc" ]; then
    echo "  $name: grpc-status 0 on $ok/$expected responses; $((alloc / expected)) bytes allocated and $((cpu * 1000 / expected)) us CPU per request (process total)"
  else
    echo "  $name: grpc-status 0 on $ok/$expected responses"
  fi
done

python3 - "${RESULTS[ours]}" "${RESULTS[bare]}" "${RESULTS[grpcjs]}" <<'PY'
import statistics, sys
def median_round(text):
    rounds = sorted((float(r.split()[0]), float(r.split()[1])) for r in text.strip(",").split(","))
    return rounds[len(rounds) // 2]
(ours, p_ours), (bare, p_bare), (js, p_js) = (median_round(t) for t in sys.argv[1:])
print()
print(f"{'server':<10}{'req/s':>12}{'p99 ms':>10}   (median round)")
for name, rps, p99 in (("ours", ours, p_ours), ("bare", bare, p_bare), ("grpc-js", js, p_js)):
    print(f"{name:<10}{rps:>12,.0f}{p99:>10.2f}")
def rps_per_round(text):
    return [float(r.split()[0]) for r in text.strip(",").split(",")]
per_round = list(zip(*(rps_per_round(t) for t in sys.argv[1:])))
bare_ratio = statistics.median(o / b for o, b, _ in per_round)
js_ratio = statistics.median(o / j for o, _, j in per_round)
print()
print("ratios: median over rounds of the ratio within each round (neighbouring runs share the machine's load)")
print(f"ours / bare Kestrel : {bare_ratio:6.1%}   (target >= 80%)  {'met' if bare_ratio >= 0.8 else 'NOT met'}")
print(f"ours / grpc-js      : {js_ratio:6.2f}x   (target >= 2x)   {'met' if js_ratio >= 2 else 'NOT met'}")
PY
