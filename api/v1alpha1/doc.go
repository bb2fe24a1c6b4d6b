// Package v1alpha1 is the Experiment API of runtime-lab, group
// lab.runtimelab.io: a scenario, a matrix of container limits and Go runtime
// settings to cross, how to run the variants, and what "best" means; its
// status holds every run's outcome, per-variant aggregates and a
// recommendation.
//
// The scenario blocks (zz_generated.scenarios.go) are generated from the
// workload's scenario catalogue by hack/gen-api, so the API server checks
// the same defaults and bounds the workload binary does.
//
// +kubebuilder:object:generate=true
// +groupName=lab.runtimelab.io
package v1alpha1
