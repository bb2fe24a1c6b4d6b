#!/usr/bin/env bash
# For users with Docker: a kind cluster running runtime-lab from this
# checkout. Builds both images with Docker, loads them into kind (no
# registry) and installs the Helm chart pointing at them.
#
#   hack/kind.sh            # create (or reuse) the cluster and install
#   hack/kind.sh delete     # delete the cluster
#
# Needs docker, kind and helm on PATH (`make helm` builds helm into
# hack/tools/bin). Without Docker, hack/dev-cluster/dev-cluster.sh runs a
# single-node cluster from Go modules and Debian packages instead.
set -euo pipefail
cd "$(dirname "$0")/.."
cluster="${KIND_CLUSTER_NAME:-runtime-lab}"
tag="${IMAGE_TAG:-dev}"
helm="${RUNTIMELAB_HELM:-$(command -v helm || true)}"

if [[ "${1:-}" == delete ]]; then
  kind delete cluster --name "$cluster"
  exit 0
fi
for tool in docker kind; do
  command -v "$tool" >/dev/null || { echo "kind.sh: $tool is required" >&2; exit 1; }
done
[[ -n "$helm" ]] || { echo "kind.sh: helm is required (make helm, then RUNTIMELAB_HELM=\$(ls hack/tools/bin/helm-*))" >&2; exit 1; }

kind get clusters | grep -qx "$cluster" || kind create cluster --name "$cluster" --wait 120s
docker build -f Dockerfile.operator -t "runtime-lab/operator:$tag" .
docker build -f Dockerfile.workload -t "runtime-lab/workload:$tag" .
kind load docker-image --name "$cluster" "runtime-lab/operator:$tag" "runtime-lab/workload:$tag"

"$helm" upgrade --install runtime-lab charts/runtime-lab \
  --kube-context "kind-$cluster" --namespace runtimelab-system --create-namespace \
  --set image.repository=runtime-lab/operator --set image.tag="$tag" --set image.pullPolicy=IfNotPresent \
  --set workloadImage="runtime-lab/workload:$tag" --wait
kubectl --context "kind-$cluster" create namespace lab --dry-run=client -o yaml | kubectl --context "kind-$cluster" apply -f -
kubectl --context "kind-$cluster" label namespace lab pod-security.kubernetes.io/enforce=restricted --overwrite
echo "runtime-lab is installed in kind-$cluster; try:"
echo "  kubectl --context kind-$cluster -n lab apply -f config/samples/gomaxprocs-quick.yaml"
echo "  kubectl --context kind-$cluster -n lab wait --for=condition=Complete experiment/gomaxprocs-quick --timeout=5m"
