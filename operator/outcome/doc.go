// Package outcome decides a run's outcome from what its executor saw of
// its processes — the workload's, or a service run's server and load
// generator — in one pure function both executors call: the operator
// describes pods, the local executor processes, and both get the same
// outcome, reason and figures for the same facts.
package outcome
