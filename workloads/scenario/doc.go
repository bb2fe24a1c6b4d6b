// Package scenario defines what a workload scenario is: its catalogue entry
// (parameters with types, defaults, bounds and docs; the figures it reports)
// and the small interface the driver runs it through.
//
// The catalogue is plain Go data with no Kubernetes imports, so the operator
// can generate and validate its API from the same source the workload
// binary parses its flags with.
package scenario
