#!/usr/bin/env bash
# The project's own Docker engine (Debian's docker.io), started only when needed:
#   deploy/engine.sh start    start dockerd unless it already answers; prints its PID (0 if it was running)
#   deploy/engine.sh stop PID stop the dockerd with that PID (SIGTERM, then wait)
#   deploy/engine.sh host     print DOCKER_HOST for this checkout's engine
#   deploy/engine.sh check    exit 0 when the engine answers
# The engine never creates a bridge network and touches no iptables rules (--bridge=none
# --iptables=false): containers use host networking only and listen on 127.0.0.1 like every other
# test server here. Its images live in .artifacts/docker (kept between runs, so base images are
# made once); its sockets live under /tmp because a unix socket path must stay short.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
data_root="${MARKETPLACE_DOCKER_DATA:-$repo/.artifacts/docker}"
run_dir="/tmp/marketplace-docker-$(printf '%s' "$data_root" | sha256sum | cut -c1-10)"
socket="$run_dir/docker.sock"
export DOCKER_HOST="unix://$socket"
export DOCKER_API_VERSION=1.41
# Debian's client (20.10) matches the engine; another docker on PATH is only a fallback.
docker_cli=/usr/bin/docker
[ -x "$docker_cli" ] || docker_cli=docker

# After dockerd has exited: its exec root keeps a bind mount of its network namespace
# (exec/netns/default), which would outlive it; unmount it and remove the run directory.
clean_run_dir() {
  if mountpoint -q "$run_dir/exec/netns/default" 2>/dev/null; then umount "$run_dir/exec/netns/default" 2>/dev/null || true; fi
  rm -rf "$run_dir" 2>/dev/null || true
}

answers() { [ -S "$socket" ] && timeout 10 "$docker_cli" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

case "${1:-}" in
  host)
    echo "$DOCKER_HOST"
    ;;
  check)
    answers
    ;;
  start)
    if answers; then echo 0; exit 0; fi
    command -v dockerd >/dev/null || { echo "engine: dockerd is not installed (tools/setup.sh installs docker.io)" >&2; exit 3; }
    [ "$(id -u)" -eq 0 ] || { echo "engine: dockerd needs root here (rootless Docker is not set up)" >&2; exit 3; }
    mkdir -p "$data_root" "$run_dir"
    log="$(dirname "$data_root")/dockerd.log"
    # setsid: the engine is not in the caller's process group, so a Ctrl-C reaches our stop first.
    setsid dockerd --data-root "$data_root" --exec-root "$run_dir/exec" --pidfile "$run_dir/dockerd.pid" \
      -H "$DOCKER_HOST" --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
      --userland-proxy=false --log-level=warn >"$log" 2>&1 </dev/null &
    pid=$!
    for _ in $(seq 1 300); do
      if answers; then echo "$pid"; exit 0; fi
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "engine: dockerd exited while starting; last lines of $log:" >&2
        tail -n 20 "$log" >&2
        exit 3
      fi
      sleep 0.1
    done
    echo "engine: dockerd did not answer within 30 s; stopping it (log: $log)" >&2
    kill -TERM "$pid" 2>/dev/null || true
    exit 3
    ;;
  stop)
    pid="${2:?usage: engine.sh stop PID}"
    [ "$pid" != 0 ] || exit 0
    kill -TERM "$pid" 2>/dev/null || { clean_run_dir; exit 0; }
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || { clean_run_dir; exit 0; }; sleep 0.1; done
    echo "engine: dockerd $pid did not stop within 30 s; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    clean_run_dir
    ;;
  *)
    echo "usage: $0 start|stop PID|host|check" >&2
    exit 64
    ;;
esac
