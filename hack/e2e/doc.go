// Package e2e is the end-to-end test (`make test-e2e`, build tag e2e): it
// builds the images without Docker, brings up the dev cluster
// (hack/dev-cluster), installs the operator with the Helm chart, runs one
// short Experiment per workload scenario in a namespace that enforces the
// Pod Security "restricted" profile, asserts what their status reports
// (summaries, CPU throttling, an OOM kill, the service's load generator in
// its own pod), checks that a Prometheus on the host scraped the run pods,
// and tears everything down (RUNTIMELAB_E2E_KEEP=1 keeps the cluster).
package e2e
