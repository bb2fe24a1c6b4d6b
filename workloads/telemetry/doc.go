// Package telemetry serves a workload's live view on one HTTP port:
// Prometheus metrics from a private registry (the Go collector over every
// runtime/metrics series, the process collector, build info, the
// scenario's counters and the cgroup's ground truth), pprof, a health
// check and the current result summary. It also pushes profiles to
// Pyroscope when asked.
package telemetry
