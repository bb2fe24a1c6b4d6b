#!/usr/bin/env bash
# Builds Kubernetes binaries (kube-apiserver, kubelet, ...) and etcd from Go
# modules, with nothing downloaded but modules, and caches them by version.
#
#   hack/k8s-bin.sh kube-apiserver etcd      # prints the folder holding them
#
# The cache lives outside the work tree ($RUNTIMELAB_CACHE, default
# ~/.cache/runtime-lab) so fresh clones on the same machine reuse it; a cold
# kube-apiserver build takes about 9 minutes on 2 cores, a cached one none.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
cache="${RUNTIMELAB_CACHE:-$HOME/.cache/runtime-lab}"
out="$cache/k8s-$K8S_VERSION-etcd-$ETCD_VERSION"
mkdir -p "$out"

log() { echo "k8s-bin: $*" >&2; }

missing=()
for b in "$@"; do [[ -x "$out/$b" ]] || missing+=("$b"); done
if ((${#missing[@]} == 0)); then echo "$out"; exit 0; fi

# k8s.io/kubernetes replaces its staging modules with ./staging paths; a
# module that requires it must replace each with the published version.
k8s_module() {
  local dir="$cache/build/k8s-$K8S_VERSION"
  if [[ ! -f "$dir/go.sum.done" ]]; then
    mkdir -p "$dir"
    local gomod
    gomod="$(cd "$dir" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    {
      echo "module runtimelab.local/k8sbuild"
      echo "go 1.26"
      echo "require k8s.io/kubernetes $K8S_VERSION"
      grep -oE '^\s*k8s.io/[a-z0-9-]+ => ./staging/src/k8s.io/[a-z0-9-]+' "$gomod" |
        awk -v v="$K8S_STAGING_VERSION" '{print "replace " $1 " => " $1 " " v}'
    } > "$dir/go.mod"
    echo 'package main' > "$dir/main.go"
    touch "$dir/go.sum.done"
  fi
  echo "$dir"
}

ldflags() {
  local major minor
  major="$(echo "${K8S_VERSION#v}" | cut -d. -f1)"
  minor="$(echo "${K8S_VERSION#v}" | cut -d. -f2)"
  local f=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    f+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  echo "-s -w$f"
}

for b in "${missing[@]}"; do
  start=$(date +%s)
  case "$b" in
    etcd)
      dir="$cache/build/etcd-$ETCD_VERSION"
      mkdir -p "$dir"
      if [[ ! -f "$dir/go.mod" ]]; then
        printf 'module runtimelab.local/etcdbuild\ngo 1.26\n' > "$dir/go.mod"
        echo 'package main' > "$dir/main.go"
      fi
      (cd "$dir" && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2 &&
        CGO_ENABLED=0 go build -trimpath -ldflags=-s -o "$out/etcd.tmp" go.etcd.io/etcd/server/v3)
      ;;
    kube-apiserver | kube-controller-manager | kube-scheduler | kubelet | kube-proxy | kubectl)
      dir="$(k8s_module)"
      path="k8s.io/kubernetes/cmd/$b"
      (cd "$dir" && go get "$path@$K8S_VERSION" >&2 &&
        CGO_ENABLED=0 go build -trimpath -ldflags="$(ldflags)" -o "$out/$b.tmp" "$path")
      ;;
    *) echo "k8s-bin: unknown binary $b" >&2; exit 2 ;;
  esac
  mv "$out/$b.tmp" "$out/$b"
  log "built $b in $(($(date +%s) - start))s"
done
echo "$out"
