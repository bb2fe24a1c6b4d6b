// Package manifests renders runtime-lab's install manifests — the kustomize
// configuration (config/default, config/samples) with kustomize's Go API, and
// the Helm chart (charts/runtime-lab) with a helm binary built from its Go
// module — into objects. Its tests apply them to a real kube-apiserver
// (envtest) with server-side dry-run, check the operator's RBAC with
// SubjectAccessReviews, and fail when the chart has drifted from config/.
package manifests
