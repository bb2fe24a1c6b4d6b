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
package main
