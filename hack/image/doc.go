// Command image builds an OCI image tarball from one static binary, with
// no Docker engine and no registry: a single layer holding the binary and a
// minimal /etc/passwd and /etc/group, and a config naming the entrypoint,
// the (non-root) user, the environment, the OS and the architecture. The
// tarball is what `ctr -n k8s.io images import` and `docker load` accept;
// the dev cluster (hack/dev-cluster) imports the operator, workload and
// pause images this way.
//
//	CGO_ENABLED=0 go build -o bin/workload ./workloads/cmd/workload
//	go run ./hack/image -binary bin/workload -name runtime-lab/workload:dev \
//	    -user 65532:65532 -o dist/workload.tar
//
// The layer's files have fixed owners and timestamps, so the same binary
// always gives the same image digest.
//
// `image push` pushes such tarballs, one per platform, to any registry as
// one multi-platform image (an OCI index), with the credentials that
// `docker login`, `crane auth login` or a credential helper keep in
// ~/.docker/config.json — still no Docker engine:
//
//	go run ./hack/image push -to ghcr.io/me/runtime-lab/workload:v0.1.0 \
//	    dist/release/workload_v0.1.0_linux_amd64.tar dist/release/workload_v0.1.0_linux_arm64.tar
package main
