#!/usr/bin/env bash
# make images: builds the four service images here, with no registry.
#   deploy/images.sh              build; fails when no Docker engine can run here
#   deploy/images.sh --if-engine  the same, but only says so and exits 0 where no engine can run
# 1. Starts this checkout's Docker engine if it is not running (deploy/engine.sh: no bridge, host
#    networking only) and stops it again at the end if it started it.
# 2. Makes the local base images from Debian packages once (deploy/base/rootfs.sh + docker import):
#    marketplace-local/runtime (stand-in for dotnet/runtime-deps), marketplace-local/redis and
#    marketplace-local/probe (for the smoke test). Root filesystems are cached in
#    ~/.cache/marketplace/rootfs, images in the engine; both are keyed by the scripts' hash.
# 3. Publishes the services self-contained (deploy/publish.sh) and builds
#    marketplace/<app>:<chart appVersion> from deploy/Dockerfile, unless the image already holds
#    exactly this content (label io.marketplace.build-key).
# 4. Writes .artifacts/images.json (what was built, for the tests) and lists the images.
set -euo pipefail
cd "$(dirname "$0")/.."
optional=false
[ "${1:-}" = "--if-engine" ] && optional=true
apps=(orders reviews messaging scoring)

started=0
if ! started=$(deploy/engine.sh start 2>/tmp/marketplace-engine.$$); then
  reason=$(cat /tmp/marketplace-engine.$$); rm -f /tmp/marketplace-engine.$$
  if $optional; then
    echo "images: skipped, no Docker engine can run here: $reason"
    exit 0
  fi
  echo "images: no Docker engine can run here: $reason" >&2
  exit 1
fi
rm -f /tmp/marketplace-engine.$$
trap 'deploy/engine.sh stop "$started"' EXIT
DOCKER_HOST=$(deploy/engine.sh host)
export DOCKER_HOST DOCKER_API_VERSION=1.41
docker() { if [ -x /usr/bin/docker ]; then /usr/bin/docker "$@"; else command docker "$@"; fi; }
exists() { docker image inspect "$1" >/dev/null 2>&1; }

# --- local base images, made once -----------------------------------------------------------------
base_key=$(cat deploy/base/rootfs.sh deploy/base/trim.sh | sha256sum | cut -c1-12)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/marketplace/rootfs"
local_image() { # flavour, docker import --change options...
  local flavour=$1; shift
  local tag="marketplace-local/$flavour:$base_key"
  if ! exists "$tag"; then
    local tar="$cache/$flavour-$base_key.tar"
    if [ ! -f "$tar" ]; then
      echo "images: making the $flavour root filesystem from Debian packages (once) ..." >&2
      deploy/base/rootfs.sh "$flavour" "$tar" >&2
    fi
    docker import "$@" "$tar" "$tag" >/dev/null
  fi
  echo "$tag"
}
path_env='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
runtime=$(local_image runtime --change "$path_env" --change 'ENV APP_UID=1654' \
  --change 'ENV DOTNET_RUNNING_IN_CONTAINER=true' --change 'USER 1654:1654')
redis=$(local_image redis --change "$path_env" --change 'USER 999:999' --change 'WORKDIR /data' \
  --change 'CMD ["redis-server"]')
probe=$(local_image probe --change "$path_env" --change 'USER 1000:1000' --change 'WORKDIR /tmp' \
  --change 'CMD ["/bin/sh"]')
runtime_id=$(docker image inspect -f '{{.Id}}' "$runtime")

# --- service images --------------------------------------------------------------------------------
version=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' charts/marketplace/Chart.yaml)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain -- services protos 2>/dev/null)" ] || revision="$revision-dirty"
source_url="${IMAGE_SOURCE:-$(git config --get remote.origin.url 2>/dev/null || echo https://example.invalid/marketplace)}"

echo "images: publishing the services self-contained (linux-x64) ..."
deploy/publish.sh "${apps[@]}"
for app in "${apps[@]}"; do
  tag="marketplace/$app:$version"
  context=".artifacts/publish/$app"
  key=$( { tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$context" -cf - . | sha256sum;
           sha256sum deploy/Dockerfile; echo "$runtime_id $version $revision $source_url"; } | sha256sum | cut -c1-16)
  if [ "$(docker image inspect -f '{{index .Config.Labels "io.marketplace.build-key"}}' "$tag" 2>/dev/null)" = "$key" ]; then
    echo "images: $tag is up to date"
    continue
  fi
  echo "images: building $tag ..."
  docker build -q -f deploy/Dockerfile --network none \
    --build-arg BASE_IMAGE="$runtime" --build-arg APP="$app" --build-arg SERVICE="${app^}" \
    --build-arg VERSION="$version" --build-arg REVISION="$revision" --build-arg SOURCE="$source_url" \
    --label io.marketplace.build-key="$key" -t "$tag" "$context" >/dev/null
done

# Images replaced by a rebuild are dangling now: drop them, so the engine's disk stays bounded.
docker image prune --force >/dev/null

cat > .artifacts/images.json <<JSON
{
  "version": "$version",
  "revision": "$revision",
  "base": "$runtime",
  "redis": "$redis",
  "probe": "$probe",
  "services": {
$(for app in "${apps[@]}"; do printf '    "%s": "marketplace/%s:%s"%s\n' "$app" "$app" "$version" "$([ "$app" = scoring ] || echo ,)"; done)
  }
}
JSON
docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep -E '^marketplace(-local)?/' | sort | sed 's/^/images: /'
