#!/usr/bin/env bash
# Builds Prometheus from its Go module (no download but modules) and caches
# it by version; prints the path of the binary. About 12 minutes cold on
# 2 cores, nothing after. The HTTP API works; the web UI assets are not
# embedded.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
cache="${RUNTIMELAB_CACHE:-$HOME/.cache/runtime-lab}"
out="$cache/prometheus-$PROMETHEUS_VERSION/prometheus"
if [[ -x "$out" ]]; then echo "$out"; exit 0; fi
dir="$cache/build/prometheus-$PROMETHEUS_VERSION"
mkdir -p "$dir" "$(dirname "$out")"
if [[ ! -f "$dir/go.mod" ]]; then
  printf 'module runtimelab.local/prombuild\ngo 1.26\n' > "$dir/go.mod"
  echo 'package main' > "$dir/main.go"
fi
start=$(date +%s)
(cd "$dir" && go get "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_VERSION" >&2 &&
  CGO_ENABLED=0 go build -trimpath -ldflags=-s -o "$out.tmp" github.com/prometheus/prometheus/cmd/prometheus)
mv "$out.tmp" "$out"
echo "prometheus-bin: built in $(($(date +%s) - start))s" >&2
echo "$out"
