// Package result holds the summary a workload run writes and the operator,
// the local executor and the report tools read back.
//
// It is plain Go with no Kubernetes imports: the workload binary depends on
// it, and its JSON must fit in a container's 4 KiB termination message, so
// field names are short and every figure is a number.
package result
