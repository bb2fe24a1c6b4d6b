// Package app is the "app" scenario: your own Go HTTP service as the
// server, measured from outside. This process is the load generator and
// the observer; the service is started by an executor (the operator from
// an image, the local executor from a binary in the run's cgroup).
//
// The load is the service scenario's: open loop at a constant rate over a
// weighted request mix (vegeta), latencies from send to response, the
// generator's own lateness apart. What the runtime did comes from the
// service's own Prometheus endpoint — client_golang's Go collector, which
// most Go services already serve — read at the window's start and end: the
// settings the runtime used (go_sched_gomaxprocs_threads,
// go_gc_gogc_percent, go_gc_gomemlimit_bytes), GC cycles, heap, and, when
// the service opts in to the collector's runtime/metrics rules, GC CPU
// (go_cpu_classes_gc_total_cpu_seconds_total) and scheduling latency
// (go_sched_latencies_seconds). The container's CPU, throttling and memory
// come from the service's cgroup when this process can read it (a local
// run: --observe-pid). Whatever could not be read is listed in the
// summary's Missing, and its figures are absent, never zero.
package app
