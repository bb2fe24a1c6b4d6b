// Package localexec runs an Experiment without a cluster: each run is a
// workload process in a fresh cgroup (workloads/sandbox) with the run's CPU
// quota, memory limit and Go environment, planned, aggregated and judged by
// the same code as the operator. Results go to a results directory
// (operator/resultsdir) after every run, so an interrupted Experiment keeps
// everything it finished.
package localexec
