// Package catalog is the scenario catalogue: for each workload scenario,
// its parameters (types, defaults, bounds, docs), the figures it reports,
// its roles and what its parameters need in memory; and the parsing of
// parameter values. It is plain data with no measuring code and no
// Kubernetes imports, so the operator, kubectl lab and the API generator
// read the same source the workload binary parses its flags with, without
// linking any scenario's implementation (workloads/registry does that).
package catalog
