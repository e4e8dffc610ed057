#!/usr/bin/env bash
# Makes a root filesystem tarball from Debian packages with mmdebstrap (extract mode: packages are
# unpacked, no maintainer script runs, nothing runs inside), then trims it (trim.sh):
#   deploy/base/rootfs.sh runtime OUT.tar  stand-in for mcr.microsoft.com/dotnet/runtime-deps
#                                          (chiseled): the libraries a self-contained .NET app
#                                          needs, CA certificates, time zones, user app (1654), no
#                                          shell or package manager
#   deploy/base/rootfs.sh redis OUT.tar    redis-server and redis-cli, user redis (999), /data
#   deploy/base/rootfs.sh probe OUT.tar    sh, coreutils and curl with HTTP/2: runs the chart's
#                                          `helm test` script against the smoke test's containers
# The Debian suite and mirror are the host's (/etc/apt/sources.list.d/debian.sources).
set -euo pipefail
flavour="${1:?usage: rootfs.sh runtime|redis|probe OUT.tar}"
out="${2:?usage: rootfs.sh runtime|redis|probe OUT.tar}"
suite="${DEBIAN_SUITE:-bookworm}"
here="$(cd "$(dirname "$0")" && pwd)"

case "$flavour" in
  runtime) packages="base-files,libc6,libgcc-s1,libstdc++6,libssl3,zlib1g,ca-certificates,tzdata" ;;
  redis) packages="base-files,redis-server,redis-tools" ;;
  probe) packages="base-files,dash,coreutils,grep,curl,ca-certificates" ;;
  *) echo "rootfs: unknown flavour $flavour" >&2; exit 64 ;;
esac

sources=/etc/apt/sources.list.d/debian.sources
[ -f "$sources" ] || sources=/etc/apt/sources.list


mkdir -p "$(dirname "$out")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# mmdebstrap runs no hook for the extract variant: extract to a folder, trim it, then pack it.
mmdebstrap --quiet --format=directory --variant=extract --include="$packages" \
  --aptopt='Acquire::Check-Valid-Until "false"' \
  "$suite" "$work/root" "$sources"
"$here/trim.sh" "$work/root" "$flavour"
tar --numeric-owner --sort=name -C "$work/root" -cf "$out.partial" .
mv "$out.partial" "$out"
