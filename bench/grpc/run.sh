#!/usr/bin/env bash
# gRPC unary benchmark: h2load with identical settings against
#   (a) ours    - echo Unary on the Marketplace.Grpc layer (Kestrel HTTP/2)
#   (b) bare    - a bare Kestrel HTTP/2 endpoint writing the same response bytes and trailers
#   (c) grpc-js - @grpc/grpc-js serving the same proto
# and prints requests/s, p99 and the ratios ours/bare and ours/grpc-js. h2load counts any
# HTTP 200 as success, so every server also counts responses that ended with grpc-status 0,
# and nghttp checks one call's trailers on each. Targets: ours >= 80% of bare, >= 2x grpc-js.
# Usage: bench/grpc/run.sh   (env: REQUESTS, CLIENTS, STREAMS, THREADS, WARMUP)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)
REQUESTS=${REQUESTS:-200000}
CLIENTS=${CLIENTS:-16}
STREAMS=${STREAMS:-32}
THREADS=${THREADS:-1}
WARMUP=${WARMUP:-30000}
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

declare -A RPS P99 OKS
run_one() { # name, start command...
  local name=$1; shift
  local port; port=$(free_port)
  "$@" "$port" >"$WORK/$name.out" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  wait_listening "$WORK/$name.out"
  local url="http://127.0.0.1:$port$PATH_URL"

  # One call checked by hand: the trailers must carry grpc-status: 0.
  nghttp -v -d "$WORK/request.bin" -H 'content-type: application/grpc' -H 'te: trailers' "$url" >"$WORK/$name.nghttp" 2>&1 || true
  grep -q 'grpc-status: 0' "$WORK/$name.nghttp" || { echo "$name: no grpc-status 0 in the response:"; cat "$WORK/$name.nghttp"; exit 1; }

  h2load -n "$WARMUP" "${H2LOAD_ARGS[@]}" "$url" >/dev/null
  h2load -n "$REQUESTS" "${H2LOAD_ARGS[@]}" --log-file "$WORK/$name.log" "$url" >"$WORK/$name.h2load"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true

  local rps; rps=$(awk '/^finished in/ { gsub(",", "", $4); print $4 }' "$WORK/$name.h2load")
  read -r count bad p99 < <(python3 bench/grpc/p99.py "$WORK/$name.log")
  local ok; ok=$(awk '/^OK_RESPONSES/ { print $2 }' "$WORK/$name.out")
  local expected=$((REQUESTS + WARMUP + 1))
  if [ "$bad" != 0 ] || [ "$count" != "$REQUESTS" ] || [ "$ok" != "$expected" ]; then
    echo "$name: not every response was a successful gRPC call (logged $count, non-200 $bad, grpc-status 0 counted $ok of $expected)"
    grep -E 'requests:|status codes:' "$WORK/$name.h2load"
    exit 1
  fi
  RPS[$name]=$rps; P99[$name]=$p99; OKS[$name]=$ok
  printf '  %-8s %10s req/s   p99 %7s ms   grpc-status 0: %s/%s\n' "$name" "$rps" "$p99" "$ok" "$expected"
}

echo "h2load -n $REQUESTS -c $CLIENTS -m $STREAMS -t $THREADS (after $WARMUP warm-up requests), unary echo, $(nproc) cores"
run_one ours $SERVER ours
run_one bare $SERVER bare
run_one grpcjs node bench/grpc/grpcjs-server.js

python3 - "${RPS[ours]}" "${RPS[bare]}" "${RPS[grpcjs]}" "${P99[ours]}" "${P99[bare]}" "${P99[grpcjs]}" <<'PY'
import sys
ours, bare, js, p_ours, p_bare, p_js = map(float, sys.argv[1:])
print()
print(f"{'server':<10}{'req/s':>12}{'p99 ms':>10}")
for name, rps, p99 in (("ours", ours, p_ours), ("bare", bare, p_bare), ("grpc-js", js, p_js)):
    print(f"{name:<10}{rps:>12,.0f}{p99:>10.2f}")
print()
print(f"ours / bare Kestrel : {ours / bare:6.1%}   (target >= 80%)  {'met' if ours >= 0.8 * bare else 'NOT met'}")
print(f"ours / grpc-js      : {ours / js:6.2f}x   (target >= 2x)   {'met' if ours >= 2 * js else 'NOT met'}")
PY
