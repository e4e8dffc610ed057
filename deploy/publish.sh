#!/usr/bin/env bash
# Publishes services self-contained for linux-x64 into .artifacts/publish/<app>/, the build context
# of deploy/Dockerfile:  deploy/publish.sh [orders reviews messaging scoring]
# The runtime packs (Microsoft.NETCore.App / Microsoft.AspNetCore.App .Runtime.linux-x64) come from
# NuGet. MSBuild's incremental build makes a repeated publish cheap.
set -euo pipefail
cd "$(dirname "$0")/.."
configuration="${CONFIGURATION:-Release}"
apps=("$@")
[ ${#apps[@]} -gt 0 ] || apps=(orders reviews messaging scoring)
for app in "${apps[@]}"; do
  case "$app" in
    orders) service=Orders ;; reviews) service=Reviews ;; messaging) service=Messaging ;; scoring) service=Scoring ;;
    *) echo "publish: unknown app $app" >&2; exit 64 ;;
  esac
  out=".artifacts/publish/$app"
  dotnet publish "services/$service/Marketplace.$service.csproj" -c "$configuration" -r linux-x64 --self-contained \
    -o "$out" -v quiet -clp:ErrorsOnly -nologo
  # appsettings.Development.json (the development signing key) is never published: the
  # services' projects say CopyToPublishDirectory="Never" (ImageTests checks the image).
  # One entry point name for every image (exec-form ENTRYPOINT cannot take a build argument):
  # the app host finds its assembly from its real path.
  ln -sfn "Marketplace.$service" "$out/entrypoint"
done
